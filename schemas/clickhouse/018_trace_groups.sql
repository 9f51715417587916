-- Sessions and users (GET /api/sessions, /api/users) without grouping a window's traces.
--
-- One row per day, session or user (and retention) with that day's totals over the
-- traces that started in it: the sessions page groups a week into ~7 rows per session
-- instead of every trace row of the week (2M at 10M spans). The store writes the rows
-- with each trace version (trace-groups.ts): the change from the version it replaces,
-- so a trace stored in several requests adds up to its newest totals, and a trace that
-- moves to another day, session or user takes its old contribution out with negative
-- values. Sums fold as parts merge (AggregatingMergeTree, SimpleAggregateFunction).
-- models, services and a user's sessions only ever grow: a union over the versions.
-- Rows of a batch inserted twice (a retry after a failed trace write) are identical and
-- dropped by insert deduplication.
CREATE TABLE IF NOT EXISTS trace_groups_daily
(
    tenant_id      LowCardinality(String),
    kind           Enum8('session' = 1, 'user' = 2),
    day            Date,
    key            String,
    retention_days UInt16 DEFAULT 30,
    -- a session's user (written by positive rows only; '' sorts first)
    user_id        SimpleAggregateFunction(max, String),
    first_time     SimpleAggregateFunction(min, DateTime64(6, 'UTC')),
    last_time      SimpleAggregateFunction(max, DateTime64(6, 'UTC')),
    traces         SimpleAggregateFunction(sum, Int64),
    error_traces   SimpleAggregateFunction(sum, Int64),
    cost_usd       SimpleAggregateFunction(sum, Float64),
    input_tokens   SimpleAggregateFunction(sum, Int64),
    output_tokens  SimpleAggregateFunction(sum, Int64),
    total_tokens   SimpleAggregateFunction(sum, Int64),
    models         SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
    services       SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
    -- a user's sessions
    sessions       SimpleAggregateFunction(groupUniqArrayArray, Array(String))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (tenant_id, kind, day, key, retention_days)
TTL day + toIntervalDay(retention_days + 1)
SETTINGS non_replicated_deduplication_window = 1000;
