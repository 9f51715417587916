-- OTLP log records that belong to a span (GenAI content events, mostly). Kept so a
-- span that arrives after its logs still gets them, whatever the order.
CREATE TABLE IF NOT EXISTS span_logs
(
    tenant_id  LowCardinality(String),
    trace_id   String,
    span_id    String,
    time       DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1)),
    event_name LowCardinality(String),
    body       String CODEC(ZSTD(3)),
    attributes String CODEC(ZSTD(3))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(time)
ORDER BY (tenant_id, trace_id, span_id, time);
