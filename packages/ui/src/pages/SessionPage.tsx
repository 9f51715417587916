import { Link } from 'wouter';
import { api } from '../api/client.ts';
import type { TraceRow } from '../api/types.ts';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { StatusDot } from '../components/StatusDot.tsx';
import { useCursorPages } from '../hooks/useCursorPages.ts';
import { formatCost, formatCount, formatDuration, formatTimestamp } from '../lib/format.ts';

/** One trace of the session as a turn: what came in, what went out (text nodes only). */
function Turn({ trace }: { trace: TraceRow }) {
  return (
    <article className="turn" data-trace-id={trace.trace_id}>
      <div className="turn-head">
        <StatusDot status={trace.status} />
        <span className="muted nowrap">{formatTimestamp(trace.start_time)}</span>
        <Link href={`/traces/${encodeURIComponent(trace.trace_id)}`} className="turn-name">
          {trace.name || '(unnamed)'}
        </Link>
        <span className="grow" />
        <span className="muted nowrap">
          {formatDuration(trace.duration_ms)} · {formatCount(trace.total_tokens)} tokens · {formatCost(trace.cost_usd)}
        </span>
      </div>
      {trace.input && (
        <div className="msg user" data-role="user">
          <div className="msg-body">{trace.input}</div>
        </div>
      )}
      {trace.output && (
        <div className="msg assistant" data-role="assistant">
          <div className="msg-body">{trace.output}</div>
        </div>
      )}
    </article>
  );
}

/** A session as a conversation: its traces oldest first, each as a turn. */
export function SessionPage({ sessionId }: { sessionId: string }) {
  const pages = useCursorPages(`session-${sessionId}`, (cursor, signal) =>
    api.traces({ session_id: sessionId, sort: 'time', order: 'asc', limit: 100, cursor }, signal),
  );
  const { rows } = pages;
  const cost = rows.reduce((sum, t) => sum + (t.cost_usd ?? 0), 0);
  const user = rows.find((t) => t.user_id)?.user_id;
  return (
    <main className="page scroll">
      <nav className="crumbs">
        <Link href="/sessions">Sessions</Link>
        <span className="sep">›</span>
        <span className="mono">{sessionId}</span>
      </nav>
      <div className="title-line">
        <h1>Session</h1>
        {user && (
          <span className="chip">
            user <Link href={`/sessions?user_id=${encodeURIComponent(user)}`}>{user}</Link>
          </span>
        )}
        <span className="muted">
          {formatCount(rows.length)} traces{pages.hasMore ? '+' : ''} · {formatCost(cost)}
        </span>
      </div>
      {pages.loading && <div className="loading-bar" />}
      {pages.error !== undefined && <ErrorNotice error={pages.error} />}
      {!pages.loading && rows.length === 0 && pages.error === undefined && <Notice kind="plain">No traces in session {sessionId}.</Notice>}
      <div className="conversation" aria-label="Conversation">
        {rows.map((trace) => (
          <Turn key={trace.trace_id} trace={trace} />
        ))}
      </div>
      {pages.hasMore && (
        <button type="button" className="btn" onClick={pages.loadMore} disabled={pages.loadingMore}>
          Load later turns
        </button>
      )}
    </main>
  );
}
