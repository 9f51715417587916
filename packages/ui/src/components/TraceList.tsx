import { useEffect, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { Link } from 'wouter';
import type { TraceSummary } from '../api/types.ts';
import { formatCost, formatCount, formatDuration, formatRelative, formatTime, formatTimestamp, oneLine, stepComposition } from '../lib/format.ts';
import { StatusDot } from './StatusDot.tsx';
import type { TracePages } from '../hooks/useTracePages.ts';
import { errorMessage } from './Notice.tsx';

const ROW_HEIGHT = 52;

function TraceRow({ trace, nowMs }: { trace: TraceSummary; nowMs: number }) {
  const models = trace.models ?? [];
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
          {models.slice(0, 2).map((m) => (
            <span key={m} className="chip model">
              {m}
            </span>
          ))}
          {models.length > 2 && <span className="faint">+{models.length - 2}</span>}
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
      <div className="cell num">{formatCost(trace.cost_usd)}</div>
    </Link>
  );
}

/** The virtualised trace table; asks for the next page when the user scrolls near the end. */
export function TraceList({ pages, nowMs }: { pages: TracePages; nowMs: number }) {
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

  useEffect(() => {
    if (hasMore && !loadingMore && lastIndex >= traces.length - 15) loadMore();
  }, [lastIndex, traces.length, hasMore, loadingMore, loadMore]);

  return (
    <section className="panel list-panel" aria-label="Traces">
      <div className="list-head" role="row">
        <span />
        <span>Time</span>
        <span>Trace</span>
        <span>Input</span>
        <span>Output</span>
        <span className="num">Duration</span>
        <span className="num">Tokens</span>
        <span className="num">Cost</span>
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
        <span>
          {formatCount(traces.length)} {traces.length === 1 ? 'trace' : 'traces'} loaded{hasMore ? ', scroll for more' : ''}
        </span>
        {loadingMore && <span className="faint">Loading more…</span>}
        {pages.error !== undefined && traces.length > 0 && <span style={{ color: 'var(--err)' }}>{errorMessage(pages.error)}</span>}
        {hasMore && !loadingMore && (
          <button type="button" className="btn small" onClick={loadMore}>
            Load more
          </button>
        )}
      </div>
    </section>
  );
}
