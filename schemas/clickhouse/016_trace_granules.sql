-- `traces` rebuilt once with 64-row granules (was 256). Every trace page reads rows by
-- trace id: the version check of its candidates, the rows a page sorted by cost or
-- filtered by one user shows, the traces a rare text or a score names. Each such lookup
-- reads a whole granule per column, previews included, so at 256 rows a 61-row page read
-- ~15k rows (~5 MB); at 64 rows it reads ~4k (~1.4 MB), for ~3% more disk (measured at
-- 1.2M spans with system.query_log's read_rows/read_bytes, README "Storage"). Granularity
-- cannot change in place. Same columns, projections and settings as before.
DROP TABLE IF EXISTS traces_rebuild;
CREATE TABLE traces_rebuild AS traces
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(start_time)
ORDER BY (tenant_id, trace_id)
TTL toDateTime(start_time) + toIntervalDay(retention_days)
SETTINGS index_granularity = 64, deduplicate_merge_projection_mode = 'rebuild', min_compress_block_size = 8192, max_compress_block_size = 65536;
INSERT INTO traces_rebuild SELECT * FROM traces;
EXCHANGE TABLES traces AND traces_rebuild;
DROP TABLE traces_rebuild;
