import { useMemo } from 'react';
import { Link } from 'wouter';
import { api } from '../api/client.ts';
import type { UserRow } from '../api/types.ts';
import { DataTable, type Column } from '../components/DataTable.tsx';
import { FilterInput } from '../components/FilterInput.tsx';
import { ModelChips } from '../components/ModelChips.tsx';
import type { SortState } from '../components/SortHeader.tsx';
import { WindowSelect, windowSince } from '../components/WindowSelect.tsx';
import { useCursorPages } from '../hooks/useCursorPages.ts';
import { useQueryParams } from '../hooks/useQueryParams.ts';
import { costSumTitle, formatCostSum, formatCount, formatRelative, formatTimestamp } from '../lib/format.ts';

const enc = encodeURIComponent;

const COLUMNS: Column<UserRow>[] = [
  { key: 'user', label: 'User', render: (u) => <Link href={`/sessions?user_id=${enc(u.user_id)}`}>{u.user_id}</Link> },
  { key: 'sessions', label: 'Sessions', num: true, render: (u) => formatCount(u.session_count) },
  { key: 'traces', label: 'Traces', sort: 'traces', num: true, render: (u) => <Link href={`/traces?user_id=${enc(u.user_id)}`}>{formatCount(u.trace_count)}</Link> },
  { key: 'errors', label: 'Errors', sort: 'errors', num: true, render: (u) => (u.error_count > 0 ? <span style={{ color: 'var(--err)' }}>{u.error_count}</span> : '0') },
  { key: 'tokens', label: 'Tokens', sort: 'tokens', num: true, render: (u) => formatCount(u.total_tokens) },
  { key: 'cost', label: 'Cost', sort: 'cost', num: true, render: (u) => <span title={costSumTitle(u.unpriced_count)}>{formatCostSum(u.cost_usd, u.unpriced_count)}</span> },
  { key: 'last', label: 'Last seen', sort: 'last', render: (u) => <span title={formatTimestamp(u.last_seen)}>{formatRelative(u.last_seen)}</span> },
  { key: 'models', label: 'Models', render: (u) => <ModelChips models={u.models} max={2} /> },
];

/** One row per user of the window: traces, cost, errors, last seen. */
export function UsersPage() {
  const [params, patch] = useQueryParams();
  const sort: SortState = { sort: params.get('sort') ?? 'last', order: params.get('order') === 'asc' ? 'asc' : 'desc' };
  const query = useMemo(
    () => ({ since: windowSince(params.get('range'), Date.now()), search: params.get('search') ?? undefined, sort: sort.sort, order: sort.order, limit: 50 }),
    [params],
  );
  const pages = useCursorPages(JSON.stringify(query), (cursor, signal) => api.users({ ...query, cursor }, signal));
  return (
    <main className="page">
      <div className="filters" role="search">
        <div className="filter-row">
          <h1 className="page-title">Users</h1>
          <WindowSelect value={params.get('range')} onChange={(range) => patch({ range })} />
          <FilterInput className="input medium" placeholder="User id contains…" aria-label="User search" value={params.get('search') ?? ''} onCommit={(search) => patch({ search })} />
        </div>
      </div>
      <DataTable
        label="Users"
        columns={COLUMNS}
        pages={pages}
        rowKey={(u) => u.user_id}
        rowProps={(u) => ({ 'data-user-id': u.user_id })}
        sort={sort}
        onSort={(next) => patch({ sort: next.sort, order: next.order })}
        noun={['user', 'users']}
        empty="No users in this time range. Traces carry a user when their spans set user.id (or the SDK's userId)."
      />
    </main>
  );
}
