-- Prompt clusters: one row per cluster and version (newest wins), per tenant and embedder.
CREATE TABLE IF NOT EXISTS clusters
(
    tenant_id  LowCardinality(String),
    embedder   LowCardinality(String),
    cluster_id String,
    centroid   Array(Float32) CODEC(ZSTD(1)),
    norm       Float64,
    size       UInt64,
    terms      Map(String, UInt32),
    label      String,
    aliases    Array(String),
    deleted    Bool DEFAULT false,
    updated_at DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (tenant_id, embedder, cluster_id);
