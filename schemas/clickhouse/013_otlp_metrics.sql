-- OTLP metrics: the GenAI client and server metrics (gen_ai.client.token.usage,
-- gen_ai.client.operation.duration, gen_ai.server.*), one row per data point as it came
-- (cumulative points stay cumulative: reads turn them into increases per series).
CREATE TABLE IF NOT EXISTS otel_metrics
(
    tenant_id           LowCardinality(String),
    name                LowCardinality(String),
    -- histogram | sum | gauge
    type                LowCardinality(String),
    unit                LowCardinality(String),
    time                DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1)),
    start_time          DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1)),
    -- 1 delta, 2 cumulative, 0 unspecified (gauges)
    temporality         UInt8,
    monotonic           Bool,
    -- hash of name, resource, attributes and start time: one time series
    series              String,
    service_name        LowCardinality(String),
    model               LowCardinality(String),
    provider            LowCardinality(String),
    operation           LowCardinality(String),
    token_type          LowCardinality(String),
    attributes          Map(String, String) CODEC(ZSTD(1)),
    resource_attributes Map(String, String) CODEC(ZSTD(1)),
    -- histograms
    count               UInt64,
    sum                 Float64,
    min                 Nullable(Float64),
    max                 Nullable(Float64),
    bucket_counts       Array(UInt64),
    explicit_bounds     Array(Float64),
    -- sums and gauges
    value               Float64,
    retention_days      UInt16 DEFAULT 30
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(time)
ORDER BY (tenant_id, name, time, series)
TTL toDateTime(time) + toIntervalDay(retention_days);
