-- Spans: one row per span, the source of truth.
-- ORDER BY (tenant_id, trace_id, span_id): fetching a whole trace reads one narrow
-- range of the primary index, however large the table. Time-range listing is served
-- by the `traces` rollup below (and by partition pruning on start_time).
-- ReplacingMergeTree(version) lets a span be rewritten (e.g. a custom span closed
-- later); readers take the newest version with `LIMIT 1 BY span_id`. Retried OTLP
-- exports are dropped before insert by the store, so the rollup never double counts.
CREATE TABLE IF NOT EXISTS spans
(
    tenant_id           LowCardinality(String),
    trace_id            String,
    span_id             String,
    parent_span_id      String,
    name                LowCardinality(String),
    type                LowCardinality(String),
    kind                LowCardinality(String),
    start_time          DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1)),
    end_time            DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1)),
    latency_ms          Float64,
    status              LowCardinality(String),
    error_type          LowCardinality(String),
    error_message       String CODEC(ZSTD(3)),
    model               LowCardinality(String),
    request_model       LowCardinality(String),
    provider            LowCardinality(String),
    operation           LowCardinality(String),
    routing_alias       LowCardinality(String),
    input_messages      String CODEC(ZSTD(3)) TTL toDateTime(start_time) + toIntervalDay(if(content_retention_days = 0, retention_days, content_retention_days)),
    output_messages     String CODEC(ZSTD(3)) TTL toDateTime(start_time) + toIntervalDay(if(content_retention_days = 0, retention_days, content_retention_days)),
    input_text          String CODEC(ZSTD(3)) TTL toDateTime(start_time) + toIntervalDay(if(content_retention_days = 0, retention_days, content_retention_days)),
    output_text         String CODEC(ZSTD(3)) TTL toDateTime(start_time) + toIntervalDay(if(content_retention_days = 0, retention_days, content_retention_days)),
    input_tokens        UInt64,
    output_tokens       UInt64,
    cache_read_tokens   UInt64,
    cache_write_tokens  UInt64,
    reasoning_tokens    UInt64,
    total_tokens        UInt64,
    cost_usd            Nullable(Float64),
    cost_source         LowCardinality(String),
    cost_details        Map(LowCardinality(String), Float64),
    cluster_id          Nullable(String),
    -- Which price priced the span (JSON {provider, model, source, version}); usage no price covers.
    pricing             String DEFAULT '' CODEC(ZSTD(1)),
    unpriced            Bool DEFAULT false,
    -- Retention is decided per tenant at ingest and stored on the row, so one TTL expression
    -- serves every tenant: whole rows go after retention_days; prompt and response text
    -- (and the attributes and events that carry it) after content_retention_days (0 = as long).
    retention_days         UInt16 DEFAULT 30,
    content_retention_days UInt16 DEFAULT 0,
    tool_name           LowCardinality(String),
    tool_call_id        String,
    agent_name          LowCardinality(String),
    user_id             String,
    session_id          String,
    metadata            Map(LowCardinality(String), String),
    tags                Array(LowCardinality(String)),
    finish_reasons      Array(LowCardinality(String)),
    ttft_ms             Nullable(Float64),
    service_name        LowCardinality(String),
    scope_name          LowCardinality(String),
    resource_attributes Map(LowCardinality(String), String) CODEC(ZSTD(3)),
    span_attributes     Map(LowCardinality(String), String) CODEC(ZSTD(3)) TTL toDateTime(start_time) + toIntervalDay(if(content_retention_days = 0, retention_days, content_retention_days)),
    events              String CODEC(ZSTD(3)) TTL toDateTime(start_time) + toIntervalDay(if(content_retention_days = 0, retention_days, content_retention_days)),
    mapping_dialects    Array(LowCardinality(String)),
    mapping_unmapped    Array(String),
    truncated           Bool,
    version             UInt64,
    -- Short previews for list views, so lists never read whole prompts.
    input_preview       String MATERIALIZED substringUTF8(input_text, 1, 300) TTL toDateTime(start_time) + toIntervalDay(if(content_retention_days = 0, retention_days, content_retention_days)),
    output_preview      String MATERIALIZED substringUTF8(output_text, 1, 300) TTL toDateTime(start_time) + toIntervalDay(if(content_retention_days = 0, retention_days, content_retention_days)),

    INDEX idx_start start_time TYPE minmax GRANULARITY 1,
    INDEX idx_latency latency_ms TYPE minmax GRANULARITY 1,
    INDEX idx_cost cost_usd TYPE minmax GRANULARITY 1,
    INDEX idx_status status TYPE set(8) GRANULARITY 1,
    INDEX idx_model model TYPE set(256) GRANULARITY 1,
    INDEX idx_provider provider TYPE set(64) GRANULARITY 1,
    INDEX idx_span_id span_id TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_cluster cluster_id TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(start_time)
ORDER BY (tenant_id, trace_id, span_id)
TTL toDateTime(start_time) + toIntervalDay(retention_days);

-- Superseded: 011_trace_rows.sql drops this rollup and its view for plain trace rows (and
-- rebuilds `spans`); kept because migrations are applied in order to every data directory.
-- Trace rollup, maintained at insert time by trace_rollup_mv and merged at read time
-- with the -Merge combinators (GROUP BY trace_id). Every column is an idempotent
-- aggregate, and the per-span figures are a map keyed by span id whose newest version
-- wins, so a span rewritten later (logs joined, closed, re-priced) never counts twice. Ordered by day so time-range listing reads only recent parts.
CREATE TABLE IF NOT EXISTS traces
(
    tenant_id      LowCardinality(String),
    day            Date,
    trace_id       String,
    start_time     SimpleAggregateFunction(min, DateTime64(6, 'UTC')),
    end_time       SimpleAggregateFunction(max, DateTime64(6, 'UTC')),
    -- Root span first, else the earliest span.
    name           AggregateFunction(argMin, String, Tuple(UInt8, DateTime64(6, 'UTC'))),
    -- Root's input, else the first generation's; root's output, else the last generation's.
    input_preview  AggregateFunction(argMin, String, Tuple(UInt8, DateTime64(6, 'UTC'))),
    output_preview AggregateFunction(argMax, String, Tuple(UInt8, DateTime64(6, 'UTC'))),
    -- Per span id, its newest version's (version, is_llm, is_tool, failed, status_rank,
    -- input, output and total tokens, cost or -1 when none).
    span_stats     AggregateFunction(maxMap, Map(String, Tuple(UInt64, Float64, Float64, Float64, Float64, Float64, Float64, Float64, Float64))),
    models         SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
    services       SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
    providers      SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
    tags           SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
    user_id        SimpleAggregateFunction(max, String),
    session_id     SimpleAggregateFunction(max, String),
    retention_days SimpleAggregateFunction(max, UInt16) DEFAULT 30,

    INDEX idx_trace_id trace_id TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (tenant_id, day, trace_id)
-- expires with its spans (a day late, as rows are keyed by span day)
TTL day + toIntervalDay(retention_days + 1);

CREATE MATERIALIZED VIEW IF NOT EXISTS trace_rollup_mv TO traces AS
SELECT
    spans.tenant_id AS tenant_id,
    toDate(spans.start_time) AS day,
    spans.trace_id AS trace_id,
    min(spans.start_time) AS start_time,
    max(spans.end_time) AS end_time,
    argMinState(spans.name, (if(spans.parent_span_id = '', 0, 1), spans.start_time)) AS name,
    argMinState(spans.input_preview, (multiIf(spans.parent_span_id = '' AND spans.input_preview != '', 0, spans.type = 'generation' AND spans.input_preview != '', 1, 2), spans.start_time)) AS input_preview,
    argMaxState(spans.output_preview, (multiIf(spans.parent_span_id = '' AND spans.output_preview != '', 2, spans.type = 'generation' AND spans.output_preview != '', 1, 0), spans.end_time)) AS output_preview,
    -- per span id the newest version's figures win (tuples compare version first)
    maxMapState(map(spans.span_id, (
        spans.version,
        toFloat64(spans.type IN ('generation', 'embedding')),
        toFloat64(spans.type = 'tool'),
        toFloat64(spans.status != 'success'),
        toFloat64(multiIf(spans.status = 'error', 2, spans.status = 'timeout', 1, 0)),
        toFloat64(if(spans.type IN ('generation', 'embedding'), spans.input_tokens, 0)),
        toFloat64(if(spans.type IN ('generation', 'embedding'), spans.output_tokens, 0)),
        toFloat64(if(spans.type IN ('generation', 'embedding'), spans.total_tokens, 0)),
        if(spans.type IN ('generation', 'embedding'), ifNull(spans.cost_usd, -1), -1)
    ))) AS span_stats,
    groupUniqArrayArray(if(spans.model = '', [], [spans.model])) AS models,
    groupUniqArrayArray([spans.service_name]) AS services,
    groupUniqArrayArray(if(spans.provider = '', [], [spans.provider])) AS providers,
    groupUniqArrayArray(spans.tags) AS tags,
    max(spans.user_id) AS user_id,
    max(spans.session_id) AS session_id,
    max(spans.retention_days) AS retention_days
FROM spans
GROUP BY spans.tenant_id, day, spans.trace_id;
