-- `scores` rebuilt once with 256-row granules (was ClickHouse's 8192). Scores are read by
-- trace id: a trace opened by id, the 50 spans of a span page, the traces a score filter
-- names. Each lookup decodes a whole granule per column in every part, so at 8192 rows a
-- trace's scores read ~18,000 rows and took 11-14 ms at 38,000 scores, and 3-4 ms at 256
-- rows (10M-span benchmark data). Granularity cannot change in place. Same columns and
-- settings as before.
DROP TABLE IF EXISTS scores_rebuild;
CREATE TABLE scores_rebuild AS scores
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, trace_id, span_id, name)
SETTINGS index_granularity = 256, prewarm_mark_cache = 1, default_compression_codec = 'ZSTD(1)';
INSERT INTO scores_rebuild SELECT * FROM scores;
EXCHANGE TABLES scores AND scores_rebuild;
DROP TABLE scores_rebuild;
