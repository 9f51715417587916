import { useMemo, useState } from 'react';
import { Link } from 'wouter';
import { api } from '../api/client.ts';
import { GENERATION_TABLE_FIELDS } from '../api/fields.ts';
import type { Span } from '../api/types.ts';
import { BulkAddToDataset } from '../components/BulkAddToDataset.tsx';
import { DataTable, type Column } from '../components/DataTable.tsx';
import { FilterInput } from '../components/FilterInput.tsx';
import type { SortState } from '../components/SortHeader.tsx';
import { StatusDot } from '../components/StatusDot.tsx';
import { WindowSelect, windowSince } from '../components/WindowSelect.tsx';
import { useCursorPages } from '../hooks/useCursorPages.ts';
import { useKnownValues } from '../hooks/useKnownValues.ts';
import { useQueryParams } from '../hooks/useQueryParams.ts';
import { formatCost, formatCount, formatDuration, formatTime, formatTimestamp, oneLine } from '../lib/format.ts';

/** Every LLM call of the window: model, tokens, cost, latency, status, preview; sortable, with bulk "add to dataset". */
export function GenerationsPage() {
  const [params, patch] = useQueryParams();
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const models = useKnownValues('model');
  const sort: SortState = { sort: params.get('sort') ?? 'time', order: params.get('order') === 'asc' ? 'asc' : 'desc' };
  const query = useMemo(
    () => ({
      type: 'generation',
      since: windowSince(params.get('range'), Date.now()),
      model_contains: params.get('model') ?? undefined,
      status: params.get('status') ?? undefined,
      q: params.get('q') ?? undefined,
      sort: sort.sort,
      order: sort.order,
      limit: 50,
      fields: GENERATION_TABLE_FIELDS.join(','),
    }),
    [params],
  );
  const listKey = JSON.stringify(query);
  const pages = useCursorPages(listKey, (cursor, signal) => api.spans({ ...query, cursor }, signal));
  // a new search, filter, range or sort starts a new selection: rows no longer shown are never added
  const [selectionKey, setSelectionKey] = useState(listKey);
  if (selectionKey !== listKey) {
    setSelectionKey(listKey);
    setSelected(new Set());
  }
  const visibleSelection = useMemo(() => pages.rows.filter((s) => selected.has(s.span_id)).map((s) => s.span_id), [pages.rows, selected]);
  const toggle = (spanId: string) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(spanId)) next.delete(spanId);
      else next.add(spanId);
      return next;
    });
  const columns: Column<Span>[] = [
    {
      key: 'pick',
      label: '',
      render: (s) => <input type="checkbox" aria-label={`Select ${s.span_id}`} checked={selected.has(s.span_id)} onChange={() => toggle(s.span_id)} />,
    },
    { key: 'status', label: '', render: (s) => <StatusDot status={s.status} /> },
    { key: 'time', label: 'Time', sort: 'time', render: (s) => <span title={formatTimestamp(s.start_time)}>{formatTime(s.start_time)}</span> },
    { key: 'model', label: 'Model', render: (s) => <span className="chip model" title={s.model}>{s.model || '—'}</span> },
    {
      key: 'name',
      label: 'Span',
      render: (s) => <Link href={`/traces/${encodeURIComponent(s.trace_id)}?span=${encodeURIComponent(s.span_id)}`}>{s.name || s.span_id}</Link>,
    },
    { key: 'preview', label: 'Input', render: (s) => <span className="preview-cell" title={oneLine(s.input_preview, 600)}>{oneLine(s.input_preview, 120) || '—'}</span> },
    { key: 'tokens', label: 'Tokens', sort: 'tokens', num: true, render: (s) => <span title={`${s.input_tokens} in / ${s.output_tokens} out`}>{formatCount(s.total_tokens)}</span> },
    { key: 'latency', label: 'Latency', sort: 'latency', num: true, render: (s) => (s.running ? <span className="running">running</span> : formatDuration(s.latency_ms)) },
    { key: 'cost', label: 'Cost', sort: 'cost', num: true, render: (s) => formatCost(s.cost_usd) },
  ];
  return (
    <main className="page">
      <div className="filters" role="search">
        <div className="filter-row">
          <h1 className="page-title">Generations</h1>
          <FilterInput className="input search" type="search" placeholder="Search prompts and responses…" aria-label="Search" value={params.get('q') ?? ''} onCommit={(q) => patch({ q })} />
          <WindowSelect value={params.get('range')} onChange={(range) => patch({ range })} />
          <FilterInput className="input medium" placeholder="Model contains…" aria-label="Model" list="sh-gen-models" value={params.get('model') ?? ''} onCommit={(model) => patch({ model })} />
          <select className="select" aria-label="Status" value={params.get('status') ?? ''} onChange={(e) => patch({ status: e.target.value })}>
            <option value="">Any status</option>
            <option value="success">Success</option>
            <option value="error">Error</option>
            <option value="timeout">Timeout</option>
          </select>
          <span style={{ flex: 1 }} />
          <BulkAddToDataset spanIds={visibleSelection} onDone={() => setSelected(new Set())} />
        </div>
        <datalist id="sh-gen-models">{models.map((m) => <option key={m} value={m} />)}</datalist>
      </div>
      <DataTable
        label="Generations"
        columns={columns}
        pages={pages}
        rowKey={(s) => s.span_id}
        rowProps={(s) => ({ 'data-span-id': s.span_id })}
        sort={sort}
        onSort={(next) => patch({ sort: next.sort, order: next.order })}
        noun={['generation', 'generations']}
        empty="No LLM calls in this time range."
      />
    </main>
  );
}
