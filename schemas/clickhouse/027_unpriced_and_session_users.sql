-- What a total leaves out, and who took part in a session.
--
-- 1. Unpriced calls (a call with token usage and no cost: no price covers its model and no
--    client cost came with it) add nothing to a summed cost. Until now a sum of them read as
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
-- and into the time projection, which trace lists and the sessions' partial days read (a
-- column it lacks makes ClickHouse read the whole table instead). As in 022, plus the count.
ALTER TABLE traces DROP PROJECTION IF EXISTS p_traces_by_time;
ALTER TABLE traces ADD PROJECTION IF NOT EXISTS p_traces_by_time
(
    SELECT tenant_id, start_time, trace_id, version, end_time, duration_ms, name, status, span_count,
           llm_count, tool_count, error_count, input_tokens, output_tokens, total_tokens, cost_usd, unpriced_count,
           models, providers, services, tags, routing_aliases, span_types, cluster_ids, metadata,
           user_id, session_id
    ORDER BY tenant_id, start_time, trace_id
) WITH SETTINGS (index_granularity = 256);
ALTER TABLE traces MATERIALIZE PROJECTION p_traces_by_time SETTINGS mutations_sync = 1;

ALTER TABLE trace_groups_daily
    ADD COLUMN IF NOT EXISTS unpriced_calls SimpleAggregateFunction(sum, Int64) DEFAULT 0 AFTER cost_usd,
    ADD COLUMN IF NOT EXISTS users SimpleAggregateFunction(groupUniqArrayArray, Array(String)) DEFAULT [] AFTER sessions;

-- span_metrics: calls with token usage and no cost (UNPRICED_CALL in metrics.ts: the partial
-- hours at a window's ends are counted from the spans' time projection with the same
-- expression, so it uses the columns that projection holds). span_revisions gets the one
-- it lacked, so a replaced version's count is taken out. (The views name the table's columns
-- in it: unqualified, cost_usd and the token counts would be the sums' aliases.)
ALTER TABLE span_metrics ADD COLUMN IF NOT EXISTS unpriced Int64 DEFAULT 0 AFTER cost_usd;
-- SummingMergeTree sums numbers when parts merge, but of a plain Map it keeps one row's: the
-- latency histograms of an hour written by several inserts lost calls at every merge (a test
-- merging 12 one-call parts kept 8). As sumMap they are summed by key; the rebuild after this
-- migration recomputes what merges had lost.
ALTER TABLE span_metrics MODIFY COLUMN latency_hist SimpleAggregateFunction(sumMap, Map(UInt16, Int64));
ALTER TABLE span_revisions ADD COLUMN IF NOT EXISTS total_tokens UInt64 DEFAULT 0 AFTER output_tokens;

-- Both tables are rebuilt after this migration: ZSTD from now on, as the other tables since
-- 024 (at 10M spans 5.0 -> 2.2 and 11.2 -> 6.4 MiB; they are read a few thousand rows at a time).
ALTER TABLE span_metrics MODIFY SETTING default_compression_codec = 'ZSTD(1)';
ALTER TABLE trace_groups_daily MODIFY SETTING default_compression_codec = 'ZSTD(1)';

-- The views of 012 with the unpriced count (same bucket expression, see metrics.ts).
DROP VIEW IF EXISTS span_metrics_from_spans;
CREATE MATERIALIZED VIEW IF NOT EXISTS span_metrics_from_spans TO span_metrics AS
SELECT tenant_id, toStartOfHour(start_time) AS hour, type, model, provider, service_name, routing_alias, status, retention_days,
       toInt64(count()) AS spans,
       toInt64(countIf(status != 'success')) AS errors,
       sum(ifNull(cost_usd, 0)) AS cost_usd,
       toInt64(countIf(isNull(spans.cost_usd) AND (spans.input_tokens > 0 OR spans.output_tokens > 0 OR spans.total_tokens > 0))) AS unpriced,
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
       -toInt64(countIf(isNull(span_revisions.cost_usd) AND (span_revisions.input_tokens > 0 OR span_revisions.output_tokens > 0 OR span_revisions.total_tokens > 0))) AS unpriced,
       -toInt64(sum(input_tokens)) AS input_tokens,
       -toInt64(sum(output_tokens)) AS output_tokens,
       sumMap(map(if(latency_ms > 0, toUInt16(least(65535, greatest(1, 351 + ceil(log(latency_ms) / log(1.02))))), toUInt16(0)), toInt64(-1))) AS latency_hist
FROM span_revisions
WHERE counted = 1
GROUP BY tenant_id, hour, type, model, provider, service_name, routing_alias, status, retention_days;
