-- Traces sorted by duration (the slowest first, over a day or a week) were found by reading
-- the duration of every trace in the window from the time projection: at 10M spans, 2M
-- durations for a 7-day page. A projection ordered by duration holds the keys such a page
-- needs (its rows come from the primary-key lookup, as for every sorted page), so the page
-- is read in order and stops once it is full (search.ts, sortProjectionFor): at 10M spans
-- over 7 days, 3,840 rows read instead of 2,015,104. 48.9 MiB at 10M spans.
ALTER TABLE traces ADD PROJECTION IF NOT EXISTS p_traces_by_duration
(
    SELECT tenant_id, duration_ms, trace_id, version, start_time
    ORDER BY tenant_id, duration_ms, trace_id
) WITH SETTINGS (index_granularity = 256);
ALTER TABLE traces MATERIALIZE PROJECTION p_traces_by_duration SETTINGS mutations_sync = 1;
