-- Storage for scale (issue 9). The AggregatingMergeTree rollup of 001 had to merge every
-- trace of a time window before any filter, sort or LIMIT could apply. Traces are now
-- plain rows that the store writes as their spans arrive (the rollup is folded in the
-- pipeline, see packages/model/src/trace-rollup.ts), so a trace list is an ordinary
-- read in primary-key order that stops after LIMIT rows.

DROP VIEW IF EXISTS trace_rollup_mv;
DROP TABLE IF EXISTS traces;

-- One row per trace and version; a trace whose spans arrive in several requests gets a
-- new version each time, holding all of them (ReplacingMergeTree keeps the newest).
-- Ordered by trace id, so the store finds a trace's current row with a primary-key
-- lookup; the projection orders the same rows by time for the trace list. Until merges
-- drop old versions, list readers check that a row is its trace's newest version.
-- Small granules (256 rows): those lookups read a granule per trace.
CREATE TABLE IF NOT EXISTS traces
(
    tenant_id       LowCardinality(String),
    trace_id        String,
    start_time      DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1)),
    end_time        DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1)),
    duration_ms     Float64 CODEC(ZSTD(1)),
    name            LowCardinality(String),
    status          LowCardinality(String),
    span_count      UInt32,
    llm_count       UInt32,
    tool_count      UInt32,
    error_count     UInt32,
    input_tokens    UInt64,
    output_tokens   UInt64,
    total_tokens    UInt64,
    cost_usd        Nullable(Float64),
    models          Array(LowCardinality(String)),
    providers       Array(LowCardinality(String)),
    services        Array(LowCardinality(String)),
    tags            Array(LowCardinality(String)),
    routing_aliases Array(LowCardinality(String)),
    span_types      Array(LowCardinality(String)),
    cluster_ids     Array(String),
    metadata        Map(LowCardinality(String), String),
    user_id         String,
    session_id      String,
    input_preview   String CODEC(ZSTD(3)),
    output_preview  String CODEC(ZSTD(3)),
    -- fold state (see TraceRollup): the spans counted and where name and previews came from
    span_ids        Array(String) CODEC(ZSTD(1)),
    name_key        String CODEC(ZSTD(1)),
    input_key       String CODEC(ZSTD(1)),
    output_key      String CODEC(ZSTD(1)),
    retention_days  UInt16 DEFAULT 30,
    version         UInt64,

    INDEX idx_user user_id TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_session session_id TYPE bloom_filter(0.01) GRANULARITY 1,

    -- The trace list: newest first (or a time window sorted by cost or duration) reads this
    -- in order and stops at LIMIT. Everything a list shows or filters on, nothing else.
    PROJECTION p_traces_by_time
    (
        SELECT tenant_id, start_time, trace_id, version, end_time, duration_ms, name, status, span_count,
               llm_count, tool_count, error_count, input_tokens, output_tokens, total_tokens, cost_usd,
               models, providers, services, tags, routing_aliases, span_types, cluster_ids, metadata,
               user_id, session_id, input_preview, output_preview
        ORDER BY tenant_id, start_time, trace_id
    )
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(start_time)
ORDER BY (tenant_id, trace_id)
TTL toDateTime(start_time) + toIntervalDay(retention_days)
SETTINGS index_granularity = 256, deduplicate_merge_projection_mode = 'rebuild';

-- Work the store does once after a migration (rolling stored spans up into `traces`),
-- recorded when finished so an interrupted run starts again at the next start.
CREATE TABLE IF NOT EXISTS store_jobs
(
    name     String,
    finished DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY name;

-- Versions of spans that a newer version replaced (a PATCH, late logs, a re-price), kept
-- until merges drop them from `spans`. Aggregates over spans (metrics) leave these out
-- instead of reading spans with FINAL, which cannot prune and merges every part.
CREATE TABLE IF NOT EXISTS span_revisions
(
    tenant_id      LowCardinality(String),
    trace_id       String,
    span_id        String,
    -- the version replaced
    version        UInt64,
    start_time     DateTime64(6, 'UTC'),
    retention_days UInt16 DEFAULT 30
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(start_time)
ORDER BY (tenant_id, start_time, trace_id, span_id, version)
TTL toDateTime(start_time) + toIntervalDay(retention_days);

-- spans, rebuilt once into a copy with smaller granules (1,024 rows, was 8,192): every
-- read by trace or span id (a trace view, a page of span search, a text match) reads whole
-- granules, text included, so small ones keep those reads small. In the copy: list previews
-- are cut from the text when read (the stored copies took more room than the texts), the
-- skip indexes that no query plan used are gone (each cost every insert), and the time
-- projection is sorted by the whole sort key of span search, so a page reads it in order
-- and stops at LIMIT.
DROP TABLE IF EXISTS spans_rebuild;
CREATE TABLE spans_rebuild AS spans
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(start_time)
ORDER BY (tenant_id, trace_id, span_id)
TTL toDateTime(start_time) + toIntervalDay(retention_days)
SETTINGS index_granularity = 1024, deduplicate_merge_projection_mode = 'rebuild';
ALTER TABLE spans_rebuild DROP COLUMN IF EXISTS input_preview;
ALTER TABLE spans_rebuild DROP COLUMN IF EXISTS output_preview;
ALTER TABLE spans_rebuild DROP INDEX IF EXISTS idx_latency;
ALTER TABLE spans_rebuild DROP INDEX IF EXISTS idx_cost;
ALTER TABLE spans_rebuild DROP INDEX IF EXISTS idx_status;
ALTER TABLE spans_rebuild DROP INDEX IF EXISTS idx_model;
ALTER TABLE spans_rebuild DROP INDEX IF EXISTS idx_provider;
ALTER TABLE spans_rebuild DROP PROJECTION IF EXISTS p_spans_by_time;
ALTER TABLE spans_rebuild ADD PROJECTION p_spans_by_time
(
    SELECT tenant_id, start_time, trace_id, span_id, version, parent_span_id, name, type, status,
           model, provider, routing_alias, service_name, latency_ms, cost_usd, input_tokens,
           output_tokens, total_tokens, cluster_id, user_id, session_id, tags, metadata
    ORDER BY tenant_id, start_time, trace_id, span_id, version
);
-- the same ordinary columns in the same order (the previews were MATERIALIZED: not in *)
INSERT INTO spans_rebuild SELECT * FROM spans;
EXCHANGE TABLES spans AND spans_rebuild;
DROP TABLE spans_rebuild;
