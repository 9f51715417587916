import { Link } from 'wouter';
import { api } from '../api/client.ts';
import type { TraceRow } from '../api/types.ts';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { StatusDot } from '../components/StatusDot.tsx';
import { useCursorPages } from '../hooks/useCursorPages.ts';
import { costSumTitle, formatCostSum, formatCount, formatDuration, formatTimestamp, plural, previewWithEllipsis } from '../lib/format.ts';

/** One trace of the session as a turn: what came in, what went out (text nodes only). */
function Turn({ trace }: { trace: TraceRow }) {
  const href = `/traces/${encodeURIComponent(trace.trace_id)}`;
  const side = (role: 'user' | 'assistant', text: string) => {
    const preview = previewWithEllipsis(text);
    return (
      <div className={`msg ${role}`} data-role={role}>
        <div className="msg-body">
          {preview.text}
          {preview.cut && (
            <>
              {' '}
              <Link href={href} className="nowrap">
                Full text in the trace
              </Link>
            </>
          )}
        </div>
      </div>
    );
  };
  return (
    <article className="turn" data-trace-id={trace.trace_id}>
      <div className="turn-head">
        <StatusDot status={trace.status} />
        <span className="muted nowrap">{formatTimestamp(trace.start_time)}</span>
        <Link href={href} className="turn-name">
          {trace.name || '(unnamed)'}
        </Link>
        <span className="grow" />
        <span className="muted nowrap">
          {formatDuration(trace.duration_ms)} · {plural(trace.total_tokens, 'token')} ·{' '}
          <span title={costSumTitle(trace.unpriced_count, trace.cost_usd)}>{formatCostSum(trace.cost_usd, trace.unpriced_count)}</span>
        </span>
      </div>
      {trace.input && side('user', trace.input)}
      {trace.output && side('assistant', trace.output)}
    </article>
  );
}

/** A session as a conversation: its traces oldest first, each as a turn. */
export function SessionPage({ sessionId }: { sessionId: string }) {
  const pages = useCursorPages(`session-${sessionId}`, (cursor, signal) =>
    api.traces({ session_id: sessionId, sort: 'time', order: 'asc', limit: 100, cursor }, signal),
  );
  const { rows } = pages;
  // unknown (not $0) when no trace of the session has a price
  const cost = rows.some((t) => t.cost_usd !== null && t.cost_usd !== undefined) ? rows.reduce((sum, t) => sum + (t.cost_usd ?? 0), 0) : null;
  const unpriced = rows.reduce((n, t) => n + (t.unpriced_count ?? 0), 0);
  // a session may be shared: every user of its traces, sorted as the sessions list sorts them
  const users = [...new Set(rows.map((t) => t.user_id).filter(Boolean))].sort();
  return (
    <main className="page scroll">
      <nav className="crumbs">
        <Link href="/sessions">Sessions</Link>
        <span className="sep">›</span>
        <span className="mono">{sessionId}</span>
      </nav>
      <div className="title-line">
        <h1>Session</h1>
        {users.map((user) => (
          <span className="chip" key={user}>
            user <Link href={`/sessions?user_id=${encodeURIComponent(user)}`}>{user}</Link>
          </span>
        ))}
        <span className="muted">
          {pages.hasMore ? `${formatCount(rows.length)}+ traces` : plural(rows.length, 'trace')} ·{' '}
          <span title={costSumTitle(unpriced, cost)}>{formatCostSum(cost, unpriced)}</span>
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
