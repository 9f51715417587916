import { useMemo } from 'react';
import { Link } from 'wouter';
import { api } from '../api/client.ts';
import type { SessionRow } from '../api/types.ts';
import { DataTable, type Column } from '../components/DataTable.tsx';
import { FilterInput } from '../components/FilterInput.tsx';
import type { SortState } from '../components/SortHeader.tsx';
import { WindowSelect, windowSince } from '../components/WindowSelect.tsx';
import { useCursorPages } from '../hooks/useCursorPages.ts';
import { useQueryParams } from '../hooks/useQueryParams.ts';
import { costSumTitle, formatCostSum, formatCount, formatRelative, formatTime, formatTimestamp } from '../lib/format.ts';
import { ModelChips } from '../components/ModelChips.tsx';

const enc = encodeURIComponent;

const COLUMNS: Column<SessionRow>[] = [
  { key: 'session', label: 'Session', render: (s) => <Link href={`/sessions/${enc(s.session_id)}`} className="mono">{s.session_id}</Link> },
  { key: 'user', label: 'User', render: (s) => <SessionUsers users={s.user_ids ?? (s.user_id ? [s.user_id] : [])} /> },
  { key: 'first', label: 'First', sort: 'first', render: (s) => <span title={formatTimestamp(s.first_time)}>{formatTime(s.first_time)}</span> },
  { key: 'last', label: 'Last', sort: 'last', render: (s) => <span title={formatTimestamp(s.last_time)}>{formatRelative(s.last_time)}</span> },
  { key: 'traces', label: 'Traces', sort: 'traces', num: true, render: (s) => formatCount(s.trace_count) },
  { key: 'errors', label: 'Errors', sort: 'errors', num: true, render: (s) => (s.error_count > 0 ? <span style={{ color: 'var(--err)' }}>{s.error_count}</span> : '0') },
  { key: 'tokens', label: 'Tokens', sort: 'tokens', num: true, render: (s) => formatCount(s.total_tokens) },
  { key: 'cost', label: 'Cost', sort: 'cost', num: true, render: (s) => <span title={costSumTitle(s.unpriced_count)}>{formatCostSum(s.cost_usd, s.unpriced_count)}</span> },
  { key: 'models', label: 'Models', render: (s) => <ModelChips models={s.models} max={2} /> },
];

/** Users shown in a row before the rest fold into "+N". */
const USERS_SHOWN = 2;

/** A session's users, each a link to their sessions; a shared session shows the first few and how many more. */
function SessionUsers({ users }: { users: string[] }) {
  if (users.length === 0) return <span className="faint">—</span>;
  const rest = users.slice(USERS_SHOWN);
  return (
    <span className="session-users">
      {users.slice(0, USERS_SHOWN).map((user, i) => (
        <span key={user}>
          {i > 0 && ', '}
          <Link href={`/sessions?user_id=${enc(user)}`}>{user}</Link>
        </span>
      ))}
      {rest.length > 0 && (
        <span className="faint" title={rest.join(', ')}>
          {' '}+{rest.length}
        </span>
      )}
    </span>
  );
}

/** One row per session of the window: who, when, how many traces, what it cost. */
export function SessionsPage() {
  const [params, patch] = useQueryParams();
  const sort: SortState = { sort: params.get('sort') ?? 'last', order: params.get('order') === 'asc' ? 'asc' : 'desc' };
  const query = useMemo(
    () => ({
      since: windowSince(params.get('range'), Date.now()),
      search: params.get('search') ?? undefined,
      user_id: params.get('user_id') ?? undefined,
      errors_only: params.get('errors_only') ?? undefined,
      sort: sort.sort,
      order: sort.order,
      limit: 50,
    }),
    [params],
  );
  const pages = useCursorPages(JSON.stringify(query), (cursor, signal) => api.sessions({ ...query, since: query.since, cursor }, signal));
  return (
    <main className="page">
      <div className="filters" role="search">
        <div className="filter-row">
          <h1 className="page-title">Sessions</h1>
          <WindowSelect value={params.get('range')} onChange={(range) => patch({ range })} />
          <FilterInput className="input medium" placeholder="Session id contains…" aria-label="Session search" value={params.get('search') ?? ''} onCommit={(search) => patch({ search })} />
          <FilterInput className="input medium" placeholder="User id" aria-label="User" value={params.get('user_id') ?? ''} onCommit={(user_id) => patch({ user_id })} />
          <label className="check">
            <input type="checkbox" checked={params.get('errors_only') === 'true'} onChange={(e) => patch({ errors_only: e.target.checked ? 'true' : undefined })} /> With errors
          </label>
        </div>
      </div>
      <DataTable
        label="Sessions"
        columns={COLUMNS}
        pages={pages}
        rowKey={(s) => s.session_id}
        rowProps={(s) => ({ 'data-session-id': s.session_id })}
        sort={sort}
        onSort={(next) => patch({ sort: next.sort, order: next.order })}
        noun={['session', 'sessions']}
        empty="No sessions in this time range. Traces carry a session when their spans set session.id (or the SDK's sessionId)."
      />
    </main>
  );
}
