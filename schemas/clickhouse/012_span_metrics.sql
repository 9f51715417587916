-- Hourly span metrics: the 7-day chart by model without reading every span.
--
-- One row per hour and (type, model, provider, service, routing alias, status): counts,
-- errors, cost, tokens, and a latency histogram with log-spaced buckets (bucket k holds
-- latencies in (1.02^(k-352), 1.02^(k-351)] ms; 0 holds latency <= 0), from which
-- percentiles come within 1%. Every sum is additive, so a revised span is taken out
-- exactly by a row of negative values: SummingMergeTree folds rows with the same key.
--
-- Written by ClickHouse itself, in the same insert as the rows they count:
--  * span_metrics_from_spans adds every span row stored (new spans and new versions);
--  * span_metrics_from_revisions takes out each version that a newer one replaced
--    (span_revisions now carries the replaced version's values).
-- The store fills the table once from the spans stored before this migration
-- (store_jobs 'span-metrics-backfill'), with the same bucket expression as the views.
CREATE TABLE IF NOT EXISTS span_metrics
(
    tenant_id      LowCardinality(String),
    hour           DateTime('UTC'),
    type           LowCardinality(String),
    model          LowCardinality(String),
    provider       LowCardinality(String),
    service_name   LowCardinality(String),
    routing_alias  LowCardinality(String),
    status         LowCardinality(String),
    retention_days UInt16,
    spans          Int64,
    errors         Int64,
    cost_usd       Float64,
    input_tokens   Int64,
    output_tokens  Int64,
    latency_hist   Map(UInt16, Int64)
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant_id, hour, type, model, provider, service_name, routing_alias, status, retention_days)
TTL hour + toIntervalDay(retention_days);

-- The replaced version's values, so its metrics can be taken out (counted = 1).
ALTER TABLE span_revisions
    ADD COLUMN IF NOT EXISTS type          LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS model         LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS provider      LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS service_name  LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS routing_alias LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS status        LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS latency_ms    Float64 DEFAULT 0,
    ADD COLUMN IF NOT EXISTS cost_usd      Nullable(Float64),
    ADD COLUMN IF NOT EXISTS input_tokens  UInt64 DEFAULT 0,
    ADD COLUMN IF NOT EXISTS output_tokens UInt64 DEFAULT 0,
    ADD COLUMN IF NOT EXISTS counted       UInt8 DEFAULT 0;

-- The bucket expression must match LATENCY_BUCKET in collector/src/store/metrics.ts
-- (a test compares them on stored rows).
CREATE MATERIALIZED VIEW IF NOT EXISTS span_metrics_from_spans TO span_metrics AS
SELECT tenant_id, toStartOfHour(start_time) AS hour, type, model, provider, service_name, routing_alias, status, retention_days,
       toInt64(count()) AS spans,
       toInt64(countIf(status != 'success')) AS errors,
       sum(ifNull(cost_usd, 0)) AS cost_usd,
       toInt64(sum(input_tokens)) AS input_tokens,
       toInt64(sum(output_tokens)) AS output_tokens,
       sumMap(map(if(latency_ms > 0, toUInt16(least(65535, greatest(1, 351 + ceil(log(latency_ms) / log(1.02))))), toUInt16(0)), toInt64(1))) AS latency_hist
FROM spans
GROUP BY tenant_id, hour, type, model, provider, service_name, routing_alias, status, retention_days;

CREATE MATERIALIZED VIEW IF NOT EXISTS span_metrics_from_revisions TO span_metrics AS
SELECT tenant_id, toStartOfHour(start_time) AS hour, type, model, provider, service_name, routing_alias, status, retention_days,
       -toInt64(count()) AS spans,
       -toInt64(countIf(status != 'success')) AS errors,
       -sum(ifNull(cost_usd, 0)) AS cost_usd,
       -toInt64(sum(input_tokens)) AS input_tokens,
       -toInt64(sum(output_tokens)) AS output_tokens,
       sumMap(map(if(latency_ms > 0, toUInt16(least(65535, greatest(1, 351 + ceil(log(latency_ms) / log(1.02))))), toUInt16(0)), toInt64(-1))) AS latency_hist
FROM span_revisions
WHERE counted = 1
GROUP BY tenant_id, hour, type, model, provider, service_name, routing_alias, status, retention_days;
