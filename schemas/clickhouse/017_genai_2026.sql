-- Issue 13: the 2026 GenAI conventions, wrapper-aware trace rollups, blobs and evaluation scores.

-- First-class fields of the current conventions. Mostly empty, so they cost next to nothing:
-- empty strings and maps compress to a few bytes per granule.
ALTER TABLE spans
    ADD COLUMN IF NOT EXISTS agent_id         String DEFAULT '' AFTER agent_name,
    ADD COLUMN IF NOT EXISTS agent_version    LowCardinality(String) DEFAULT '' AFTER agent_id,
    ADD COLUMN IF NOT EXISTS workflow_name    LowCardinality(String) DEFAULT '' AFTER agent_version,
    ADD COLUMN IF NOT EXISTS output_type      LowCardinality(String) DEFAULT '' AFTER workflow_name,
    -- temperature, top_p, top_k, max_tokens, seed, frequency_penalty, presence_penalty, stream (1/0)
    ADD COLUMN IF NOT EXISTS request_params   Map(LowCardinality(String), Float64) AFTER output_type,
    -- per-modality and other detailed token counts (gen_ai.usage.* beyond the main ones)
    ADD COLUMN IF NOT EXISTS token_details    Map(LowCardinality(String), UInt64) AFTER request_params,
    -- which conventions generation mapped the span ('2026', 'legacy', 'mixed', ''), and what was inferred
    ADD COLUMN IF NOT EXISTS mapping_semconv  LowCardinality(String) DEFAULT '' AFTER mapping_unmapped,
    ADD COLUMN IF NOT EXISTS mapping_inferred Array(LowCardinality(String)) AFTER mapping_semconv;

-- Every LLM span's usage with its parent, so the rollup counts a wrapper repeating its child's usage once.
ALTER TABLE traces ADD COLUMN IF NOT EXISTS llm_calls Array(String) CODEC(ZSTD(1)) AFTER span_ids;

-- Inline media of messages (OTel `blob` parts, base64 images): the bytes live here, apart from
-- the span rows, so lists and trace reads never carry them; messages keep a placeholder with
-- the blob id (sha256 of the bytes), size and mime type. Kept as long as the span's content.
CREATE TABLE IF NOT EXISTS span_blobs
(
    tenant_id              LowCardinality(String),
    trace_id               String,
    span_id                String,
    blob_id                String,
    mime_type              LowCardinality(String),
    size                   UInt64,
    data                   String CODEC(ZSTD(3)),
    time                   DateTime64(6, 'UTC'),
    retention_days         UInt16 DEFAULT 30,
    content_retention_days UInt16 DEFAULT 0
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, span_id, blob_id)
TTL toDateTime(time) + toIntervalDay(if(content_retention_days = 0, retention_days, content_retention_days));
