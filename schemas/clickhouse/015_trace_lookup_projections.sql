-- Trace lists filtered by one user or one session. The time projection holds every trace
-- of a window, so finding one user's newest 50 read the window until 50 matched (~150 ms
-- at 2M traces), and a session went through a bloom filter on the trace-id order. These
-- two projections hold only keys (user or session, start time, trace id, version: ~50 MiB
-- each at 2M traces): a page reads them in order and stops at LIMIT, then fetches the rows
-- it shows by primary key, as pages sorted by cost already do (search.ts).
ALTER TABLE traces ADD PROJECTION IF NOT EXISTS p_traces_by_user
(
    SELECT tenant_id, user_id, start_time, trace_id, version
    ORDER BY tenant_id, user_id, start_time, trace_id
);
ALTER TABLE traces ADD PROJECTION IF NOT EXISTS p_traces_by_session
(
    SELECT tenant_id, session_id, start_time, trace_id, version
    ORDER BY tenant_id, session_id, start_time, trace_id
);
ALTER TABLE traces MATERIALIZE PROJECTION p_traces_by_user SETTINGS mutations_sync = 1;
ALTER TABLE traces MATERIALIZE PROJECTION p_traces_by_session SETTINGS mutations_sync = 1;
