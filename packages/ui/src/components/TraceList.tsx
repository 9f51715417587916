import { useEffect, useRef } from 'react';
import { ModelChips } from './ModelChips.tsx';
import { ScoreChips } from './ScoreChips.tsx';
import { SortHeader, type SortState } from './SortHeader.tsx';
import { useVirtualizer } from '@tanstack/react-virtual';
import { Link } from 'wouter';
import type { TraceRow as TraceListRow } from '../api/types.ts';
import { costSumTitle, formatCostSum, formatCount, formatDuration, formatRelative, formatTime, formatTimestamp, oneLine, plural, stepComposition } from '../lib/format.ts';
import { StatusDot } from './StatusDot.tsx';
import type { TracePages } from '../hooks/useTracePages.ts';
import { LoadMore } from './LoadMore.tsx';
import { errorMessage } from './Notice.tsx';

const ROW_HEIGHT = 52;

function TraceRow({ trace, nowMs }: { trace: TraceListRow; nowMs: number }) {
  return (
    <Link href={`/traces/${encodeURIComponent(trace.trace_id)}`} className="trace-row" data-trace-id={trace.trace_id}>
      <StatusDot status={trace.status} />
      <div className="cell time" title={formatTimestamp(trace.start_time)}>
        <div>{formatTime(trace.start_time)}</div>
        <div className="rel">{formatRelative(trace.start_time, nowMs)}</div>
      </div>
      <div className="cell">
        <div className="name" title={trace.name}>
          {trace.name || <span className="faint">(unnamed)</span>}
        </div>
        <div className="sub">
          <span>{stepComposition(trace.span_count, trace.llm_count, trace.tool_count)}</span>
          {trace.error_count > 0 && <span style={{ color: 'var(--err)' }}>· {trace.error_count} failed</span>}
          <ModelChips models={trace.models} max={3} />
        </div>
      </div>
      <div className={`cell preview ${trace.input ? '' : 'empty'}`} title={oneLine(trace.input, 600)}>
        {oneLine(trace.input) || '—'}
      </div>
      <div className={`cell preview ${trace.output ? '' : 'empty'}`} title={oneLine(trace.output, 600)}>
        {oneLine(trace.output) || '—'}
      </div>
      <div className="cell num">{formatDuration(trace.duration_ms)}</div>
      <div className="cell num" title={`${trace.input_tokens} in / ${trace.output_tokens} out`}>
        {trace.total_tokens ? formatCount(trace.total_tokens) : '—'}
      </div>
      <div className="cell num" title={costSumTitle(trace.unpriced_count, trace.cost_usd)}>
        {formatCostSum(trace.cost_usd, trace.unpriced_count, { compact: true })}
      </div>
      <div className="cell scores">
        <ScoreChips scores={trace.scores} />
      </div>
    </Link>
  );
}

/** "50 of 2,020 traces" (the total when the server counted it). */
export function traceCount(loaded: number, total: number | null | undefined): string {
  const exact = (n: number | null | undefined) => (n ?? 0).toLocaleString('en-US');
  if (total === null || total === undefined) return `${plural(loaded, 'trace', 'traces', exact)} loaded`;
  return `${exact(loaded)} of ${plural(total, 'trace', 'traces', exact)}`;
}

/** The virtualised trace table; asks for the next page when the user scrolls near the end. */
export function TraceList({ pages, nowMs, sort, onSort, total, resetKey }: { pages: TracePages; nowMs: number; sort: SortState; onSort: (next: SortState) => void; total: number | null | undefined; resetKey: string }) {
  const scroller = useRef<HTMLDivElement>(null);
  const { traces, hasMore, loadMore, loadingMore } = pages;
  const virtualizer = useVirtualizer({
    count: traces.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length > 0 ? items[items.length - 1].index : -1;

  // new filters or a new sort start at the top of the list
  useEffect(() => {
    if (scroller.current) scroller.current.scrollTop = 0;
  }, [resetKey]);

  useEffect(() => {
    if (hasMore && !loadingMore && lastIndex >= traces.length - 15) loadMore();
  }, [lastIndex, traces.length, hasMore, loadingMore, loadMore]);

  return (
    <section className="panel list-panel" aria-label="Traces">
      <div className="list-head" role="row">
        <span />
        <SortHeader label="Time" sortKey="time" state={sort} onSort={onSort} />
        <span>Trace</span>
        <span>Input</span>
        <span>Output</span>
        <SortHeader label="Duration" sortKey="latency" state={sort} onSort={onSort} className="num" />
        <SortHeader label="Tokens" sortKey="tokens" state={sort} onSort={onSort} className="num" />
        <SortHeader label="Cost" sortKey="cost" state={sort} onSort={onSort} className="num" />
        <span>Scores</span>
      </div>
      {pages.loading ? <div className="loading-bar" /> : <div style={{ height: 2 }} />}
      <div className="list-scroll" ref={scroller}>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => (
            <div key={traces[item.index].trace_id} style={{ position: 'absolute', top: 0, left: 0, right: 0, transform: `translateY(${item.start}px)` }}>
              <TraceRow trace={traces[item.index]} nowMs={nowMs} />
            </div>
          ))}
        </div>
      </div>
      <div className="list-foot">
        <span className="list-count" aria-label="Trace count">
          {traceCount(traces.length, total)}
          {hasMore ? ', scroll for more' : ''}
        </span>
        {pages.error !== undefined && traces.length > 0 && <span style={{ color: 'var(--err)' }}>{errorMessage(pages.error)}</span>}
        <LoadMore hasMore={hasMore} loadingMore={loadingMore} loadMore={loadMore} />
      </div>
    </section>
  );
}
