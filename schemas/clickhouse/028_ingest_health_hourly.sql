-- Ingest health (GET /api/ingest-health) by the hour, without reading the spans.
--
-- The report grouped every span of its window (FINAL, so by trace id: the whole table) and
-- read the messages to see which had none: 15-17 s at 10M spans for the default day. It now
-- sums these hourly rows, as the metrics chart sums span_metrics: each stored span row adds
-- itself, each replaced version (span_revisions) takes itself out, so a span counts once, as
-- its newest version. Rows of dialect '' count every span once: the report's totals and its
-- conventions, inferred fields and unmapped keys; each other row counts the spans one dialect
-- understood (dialect 'none': none did).
CREATE TABLE IF NOT EXISTS ingest_health_hourly
(
    tenant_id       LowCardinality(String),
    hour            DateTime('UTC'),
    dialect         LowCardinality(String),
    retention_days  UInt16,
    spans           Int64,
    llm_spans       Int64,
    missing_model   Int64,
    missing_tokens  Int64,
    missing_content Int64,
    semconv         SimpleAggregateFunction(sumMap, Map(String, Int64)),
    inferred        SimpleAggregateFunction(sumMap, Map(String, Int64)),
    unmapped        SimpleAggregateFunction(sumMap, Map(String, Int64))
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant_id, hour, dialect, retention_days)
TTL hour + toIntervalDay(retention_days)
SETTINGS default_compression_codec = 'ZSTD(1)';

-- What a replaced version counted, so it can be taken out.
ALTER TABLE span_revisions
    ADD COLUMN IF NOT EXISTS mapping_dialects Array(LowCardinality(String)),
    ADD COLUMN IF NOT EXISTS mapping_semconv  LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS mapping_inferred Array(LowCardinality(String)),
    ADD COLUMN IF NOT EXISTS mapping_unmapped Array(String),
    ADD COLUMN IF NOT EXISTS missing_content  UInt8 DEFAULT 0;

-- The two views share one shape (ingestHealthRows in ingest-health.ts makes the backfill's
-- rows from the spans the same way; a test compares the report with the spans themselves).
-- A table's column a sum is named after is written table.column: unqualified, it would be
-- the sum's alias.
CREATE MATERIALIZED VIEW IF NOT EXISTS ingest_health_from_spans TO ingest_health_hourly AS
SELECT tenant_id, toStartOfHour(start_time) AS hour, dialect, retention_days,
       toInt64(count()) AS spans,
       toInt64(countIf(type IN ('generation', 'embedding'))) AS llm_spans,
       toInt64(countIf(type IN ('generation', 'embedding') AND model = '')) AS missing_model,
       toInt64(countIf(type IN ('generation', 'embedding') AND input_tokens = 0 AND output_tokens = 0)) AS missing_tokens,
       toInt64(countIf(type = 'generation' AND input_messages IN ('', '[]') AND output_messages IN ('', '[]'))) AS missing_content,
       sumMap(CAST(if(dialect = '', map(toString(mapping_semconv), toInt64(1)), map()), 'Map(String, Int64)')) AS semconv,
       sumMap(CAST(if(dialect = '', mapFromArrays(arrayMap(x -> toString(x), mapping_inferred), arrayMap(x -> toInt64(1), mapping_inferred)), map()), 'Map(String, Int64)')) AS inferred,
       sumMap(CAST(if(dialect = '', mapFromArrays(mapping_unmapped, arrayMap(x -> toInt64(1), mapping_unmapped)), map()), 'Map(String, Int64)')) AS unmapped
FROM spans
ARRAY JOIN arrayConcat([''], if(empty(mapping_dialects), ['none'], mapping_dialects)) AS dialect
GROUP BY tenant_id, hour, dialect, retention_days;

CREATE MATERIALIZED VIEW IF NOT EXISTS ingest_health_from_revisions TO ingest_health_hourly AS
SELECT tenant_id, toStartOfHour(start_time) AS hour, dialect, retention_days,
       -toInt64(count()) AS spans,
       -toInt64(countIf(type IN ('generation', 'embedding'))) AS llm_spans,
       -toInt64(countIf(type IN ('generation', 'embedding') AND model = '')) AS missing_model,
       -toInt64(countIf(type IN ('generation', 'embedding') AND input_tokens = 0 AND output_tokens = 0)) AS missing_tokens,
       -toInt64(countIf(span_revisions.missing_content = 1)) AS missing_content,
       sumMap(CAST(if(dialect = '', map(toString(mapping_semconv), toInt64(-1)), map()), 'Map(String, Int64)')) AS semconv,
       sumMap(CAST(if(dialect = '', mapFromArrays(arrayMap(x -> toString(x), mapping_inferred), arrayMap(x -> toInt64(-1), mapping_inferred)), map()), 'Map(String, Int64)')) AS inferred,
       sumMap(CAST(if(dialect = '', mapFromArrays(mapping_unmapped, arrayMap(x -> toInt64(-1), mapping_unmapped)), map()), 'Map(String, Int64)')) AS unmapped
FROM span_revisions
ARRAY JOIN arrayConcat([''], if(empty(mapping_dialects), ['none'], mapping_dialects)) AS dialect
WHERE counted = 1
GROUP BY tenant_id, hour, dialect, retention_days;
