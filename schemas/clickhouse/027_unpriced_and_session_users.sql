-- What a total leaves out, and who took part in a session.
--
-- 1. Unpriced calls (a generation or embedding with token usage that no price covers and
--    no client cost came with) add nothing to a summed cost. Until now a sum of them read as
--    $0, the same as free calls: metrics, sessions, users and traces now count them beside
--    their cost (`unpriced_count` in the API), so "$0.42 + 3 unpriced" and "unknown" can be
--    told apart from "$0.42" and "$0".
-- 2. A session's users: every user id seen on its traces (a shared session, an agent that
--    acts for several users). Sessions kept only the largest id, and `user_id=` on the
--    sessions list missed a session under any other of its users.
--
-- The store rebuilds span_metrics and trace_groups_daily from the stored spans and traces
-- once after this migration (store_jobs 'span-metrics-unpriced', 'trace-groups-users').

-- traces: the counted LLM calls without a cost. New rows get it from the fold (which counts
-- a wrapper that repeats its child's usage once); rows written before read it from their
-- calls, without that rule.
ALTER TABLE traces ADD COLUMN IF NOT EXISTS unpriced_count UInt32
    DEFAULT toUInt32(arrayCount(c -> JSONExtractRaw(c, 6) = 'null' AND JSONExtractUInt(c, 3) + JSONExtractUInt(c, 4) + JSONExtractUInt(c, 5) > 0, llm_calls))
    AFTER cost_usd;
-- written into the stored parts once, so list reads never compute it from the calls
ALTER TABLE traces MATERIALIZE COLUMN unpriced_count SETTINGS mutations_sync = 2;

ALTER TABLE trace_groups_daily
    ADD COLUMN IF NOT EXISTS unpriced_calls SimpleAggregateFunction(sum, Int64) DEFAULT 0 AFTER cost_usd,
    ADD COLUMN IF NOT EXISTS users SimpleAggregateFunction(groupUniqArrayArray, Array(String)) DEFAULT [] AFTER sessions;

ALTER TABLE span_metrics ADD COLUMN IF NOT EXISTS unpriced Int64 DEFAULT 0 AFTER cost_usd;
ALTER TABLE span_revisions ADD COLUMN IF NOT EXISTS unpriced Bool DEFAULT false AFTER cost_usd;

-- The views of 012 with the unpriced count (same bucket expression, see metrics.ts).
DROP VIEW IF EXISTS span_metrics_from_spans;
CREATE MATERIALIZED VIEW IF NOT EXISTS span_metrics_from_spans TO span_metrics AS
SELECT tenant_id, toStartOfHour(start_time) AS hour, type, model, provider, service_name, routing_alias, status, retention_days,
       toInt64(count()) AS spans,
       toInt64(countIf(status != 'success')) AS errors,
       sum(ifNull(cost_usd, 0)) AS cost_usd,
       toInt64(countIf(unpriced)) AS unpriced,
       toInt64(sum(input_tokens)) AS input_tokens,
       toInt64(sum(output_tokens)) AS output_tokens,
       sumMap(map(if(latency_ms > 0, toUInt16(least(65535, greatest(1, 351 + ceil(log(latency_ms) / log(1.02))))), toUInt16(0)), toInt64(1))) AS latency_hist
FROM spans
GROUP BY tenant_id, hour, type, model, provider, service_name, routing_alias, status, retention_days;

DROP VIEW IF EXISTS span_metrics_from_revisions;
CREATE MATERIALIZED VIEW IF NOT EXISTS span_metrics_from_revisions TO span_metrics AS
SELECT tenant_id, toStartOfHour(start_time) AS hour, type, model, provider, service_name, routing_alias, status, retention_days,
       -toInt64(count()) AS spans,
       -toInt64(countIf(status != 'success')) AS errors,
       -sum(ifNull(cost_usd, 0)) AS cost_usd,
       -toInt64(countIf(unpriced)) AS unpriced,
       -toInt64(sum(input_tokens)) AS input_tokens,
       -toInt64(sum(output_tokens)) AS output_tokens,
       sumMap(map(if(latency_ms > 0, toUInt16(least(65535, greatest(1, 351 + ceil(log(latency_ms) / log(1.02))))), toUInt16(0)), toInt64(-1))) AS latency_hist
FROM span_revisions
WHERE counted = 1
GROUP BY tenant_id, hour, type, model, provider, service_name, routing_alias, status, retention_days;
