-- The query and write API (issue 5): tenants and API keys, scores, span events,
-- datasets, and what search needs on `spans` (a text index and a time projection).

-- Projects. A key belongs to one; every row of every table carries its tenant_id.
CREATE TABLE IF NOT EXISTS tenants
(
    tenant_id  String,
    name       String,
    created_at DateTime64(3, 'UTC'),
    version    UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY tenant_id;

-- API keys, stored hashed: `shk_<key_id>_<secret>`; only sha256(key) is kept.
-- key_id is public (it names the key in lists and logs), the secret never is.
CREATE TABLE IF NOT EXISTS api_keys
(
    key_id        String,
    secret_sha256 String,
    tenant_id     String,
    name          String,
    admin         Bool,
    trusted_relay Bool,
    created_at    DateTime64(3, 'UTC'),
    revoked       Bool,
    version       UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY key_id;

-- Server-side secrets (the cursor signing key), made once per data directory.
CREATE TABLE IF NOT EXISTS server_secrets
(
    name  String,
    value String
)
ENGINE = ReplacingMergeTree
ORDER BY name;

-- Scores on a span (span_id set) or a whole trace (span_id = ''). One value per
-- target and name: setting it again replaces it (newest version wins).
CREATE TABLE IF NOT EXISTS scores
(
    tenant_id    LowCardinality(String),
    trace_id     String,
    span_id      String,
    name         LowCardinality(String),
    -- numeric | categorical | boolean
    data_type    LowCardinality(String),
    -- numeric value; 1/0 for booleans; NaN for categorical
    value        Float64,
    -- the category, or 'true'/'false' for booleans, or the number as text
    string_value String,
    comment      String CODEC(ZSTD(3)),
    source       LowCardinality(String),
    created_at   DateTime64(6, 'UTC'),
    version      UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, trace_id, span_id, name);

-- Events posted about a span after the fact (feedback, guardrail verdicts, routing
-- decisions, …). Not the OTel span events, which live in spans.events.
CREATE TABLE IF NOT EXISTS span_events
(
    tenant_id LowCardinality(String),
    trace_id  String,
    span_id   String,
    event_id  String,
    time      DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1)),
    -- feedback | guardrail | observe | route | comply | custom
    kind      LowCardinality(String),
    source    LowCardinality(String),
    data      String CODEC(ZSTD(3))
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, span_id, event_id);

CREATE TABLE IF NOT EXISTS datasets
(
    tenant_id   LowCardinality(String),
    name        String,
    description String,
    created_at  DateTime64(3, 'UTC'),
    version     UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, name);

-- Items copied from spans: input and output as stored when added (messages as JSON).
CREATE TABLE IF NOT EXISTS dataset_items
(
    tenant_id       LowCardinality(String),
    dataset         String,
    item_id         String,
    source_trace_id String,
    source_span_id  String,
    input_messages  String CODEC(ZSTD(3)),
    output_messages String CODEC(ZSTD(3)),
    input_text      String CODEC(ZSTD(3)),
    output_text     String CODEC(ZSTD(3)),
    metadata        Map(LowCardinality(String), String),
    created_at      DateTime64(6, 'UTC'),
    version         UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, dataset, item_id);

-- Full-text search (`q=`): ClickHouse text indexes over lower-cased input and output,
-- split on non-alphanumerics. Queries use hasAllTokens(lowerUTF8(...), tokens), which
-- the index answers without reading the text; phrases are then checked on the few
-- rows left.
ALTER TABLE spans ADD INDEX IF NOT EXISTS idx_input_words lowerUTF8(input_text) TYPE text(tokenizer = splitByNonAlpha);
ALTER TABLE spans ADD INDEX IF NOT EXISTS idx_output_words lowerUTF8(output_text) TYPE text(tokenizer = splitByNonAlpha);

-- Span listing by time (GET /api/spans): a projection ordered by (tenant_id,
-- start_time) with every filterable light column and none of the heavy text, so
-- newest-first pages read a small sorted range. ReplacingMergeTree needs the
-- projection rebuilt when merges drop old versions.
ALTER TABLE spans MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';
ALTER TABLE spans ADD PROJECTION IF NOT EXISTS p_spans_by_time
(
    SELECT tenant_id, start_time, trace_id, span_id, version, parent_span_id, name, type, status,
           model, provider, routing_alias, service_name, latency_ms, cost_usd, input_tokens,
           output_tokens, total_tokens, cluster_id, user_id, session_id, tags, metadata
    ORDER BY tenant_id, start_time
);

-- Existing data (an upgrade) gets the index and projection too.
ALTER TABLE spans MATERIALIZE INDEX idx_input_words SETTINGS mutations_sync = 2;
ALTER TABLE spans MATERIALIZE INDEX idx_output_words SETTINGS mutations_sync = 2;
ALTER TABLE spans MATERIALIZE PROJECTION p_spans_by_time SETTINGS mutations_sync = 2;
