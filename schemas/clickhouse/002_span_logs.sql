-- OTLP log records that belong to a span (GenAI content events, mostly). Kept so a
-- span that arrives after its logs still gets them, whatever the order.
CREATE TABLE IF NOT EXISTS span_logs
(
    tenant_id  LowCardinality(String),
    trace_id   String,
    span_id    String,
    time       DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1)),
    -- order of the record within its export request (ties on time keep it)
    seq        UInt32 DEFAULT 0,
    event_name LowCardinality(String),
    body       String CODEC(ZSTD(3)),
    attributes String CODEC(ZSTD(3)),
    -- a log bound to a span is content: it goes with the span's content
    retention_days         UInt16 DEFAULT 30,
    content_retention_days UInt16 DEFAULT 0
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(time)
-- hour first: a span looks up its logs within its own time range
ORDER BY (tenant_id, toStartOfHour(time), trace_id, span_id, time)
TTL toDateTime(time) + toIntervalDay(if(content_retention_days = 0, retention_days, content_retention_days));
