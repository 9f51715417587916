-- The time projection of `traces` no longer holds the input and output previews.
--
-- At 10M spans they were 535 of the projection's 721 MiB (the same text is in the table,
-- where it compresses better, 360 MiB), and every trace insert wrote them twice. A
-- newest-first page reads ~60 rows of the projection and then looks their versions up by
-- primary key anyway (search.ts, tracePage); that lookup now brings the previews too.
-- Everything else is as in 019: same order, same 256-row granules.
ALTER TABLE traces DROP PROJECTION IF EXISTS p_traces_by_time;
ALTER TABLE traces ADD PROJECTION IF NOT EXISTS p_traces_by_time
(
    SELECT tenant_id, start_time, trace_id, version, end_time, duration_ms, name, status, span_count,
           llm_count, tool_count, error_count, input_tokens, output_tokens, total_tokens, cost_usd,
           models, providers, services, tags, routing_aliases, span_types, cluster_ids, metadata,
           user_id, session_id
    ORDER BY tenant_id, start_time, trace_id
) WITH SETTINGS (index_granularity = 256);
ALTER TABLE traces MATERIALIZE PROJECTION p_traces_by_time SETTINGS mutations_sync = 1;
