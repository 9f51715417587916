import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { api, ApiError } from '../api/client.ts';
import type { TraceRow } from '../api/types.ts';
import type { TraceViewSpan } from '../api/fields.ts';
import { useApi } from '../hooks/useApi.ts';
import { buildSpanTree, expandTo, initialCollapsed, visibleRows, type SpanTree as Tree } from '../lib/span-tree.ts';
import { costSumTitle, formatCostSum, formatCount, formatDuration, formatTimestamp, plural, stepComposition } from '../lib/format.ts';
import { CopyButton } from '../components/CopyButton.tsx';
import { ScoreChips } from '../components/ScoreChips.tsx';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { SpanDetail } from '../components/SpanDetail.tsx';
import { SpanTree } from '../components/SpanTree.tsx';
import { playgroundLink } from '../components/QuickActions.tsx';
import { StatusBadge } from '../components/StatusDot.tsx';
import { AgentGraphView } from '../components/AgentGraphView.tsx';
import { TraceSearchBar } from '../components/TraceSearchBar.tsx';
import { hasAgents } from '../lib/agent-graph.ts';
import { costliestSpan, EMPTY_SPAN_QUERY, isActive, matchingRows, slowestSpan } from '../lib/trace-search.ts';

/**
 * A running span has no end yet (the store keeps end = start): it is drawn up to the
 * trace's latest known end, or now, so it reads as still going rather than as instant.
 */
export function withRunningEnds(spans: TraceViewSpan[]): TraceViewSpan[] {
  if (!spans.some((s) => s.running)) return spans;
  const latest = Math.max(...spans.map((s) => Date.parse(s.end_time)).filter(Number.isFinite), Date.now());
  return spans.map((s) => (s.running && Date.parse(s.end_time) < latest ? { ...s, end_time: new Date(latest).toISOString() } : s));
}

function TraceStats({ trace, spans }: { trace: TraceRow; spans: TraceViewSpan[] }) {
  return (
    <div className="stats" aria-label="Trace totals">
      <div className="stat">
        <div className="label">Duration</div>
        <div className="value">{formatDuration(trace.duration_ms)}</div>
      </div>
      <div className="stat">
        <div className="label">Steps</div>
        <div className="value">
          {formatCount(trace.span_count || spans.length)} <small>{stepComposition(trace.span_count || spans.length, trace.llm_count, trace.tool_count).split(' · ').slice(1).join(' · ')}</small>
        </div>
      </div>
      <div className="stat">
        <div className="label">Tokens</div>
        <div className="value">
          {formatCount(trace.total_tokens)} <small>{formatCount(trace.input_tokens)} in · {formatCount(trace.output_tokens)} out</small>
        </div>
      </div>
      <div className="stat">
        <div className="label">Cost</div>
        <div className="value" title={costSumTitle(trace.unpriced_count, trace.cost_usd ?? null)}>{formatCostSum(trace.cost_usd, trace.unpriced_count)}</div>
      </div>
      {trace.error_count > 0 && (
        <div className="stat">
          <div className="label">Failed spans</div>
          <div className="value" style={{ color: 'var(--err)' }}>{trace.error_count}</div>
        </div>
      )}
      <div className="stat">
        <div className="label">Started</div>
        <div className="value" style={{ fontSize: 13 }}>{formatTimestamp(trace.start_time)}</div>
      </div>
      {trace.scores && trace.scores.length > 0 && (
        <div className="stat" data-testid="trace-scores">
          <div className="label">Scores</div>
          <div className="value" style={{ fontSize: 13 }}>
            <ScoreChips scores={trace.scores} />
          </div>
        </div>
      )}
    </div>
  );
}

function TraceBody({ spans, tree }: { spans: TraceViewSpan[]; tree: Tree<TraceViewSpan> }) {
  const search = useSearch();
  const [location, navigate] = useLocation();
  const selectedParam = new URLSearchParams(search).get('span') ?? '';
  const selectedId = tree.byId.has(selectedParam) ? selectedParam : tree.roots[0]?.span.span_id;
  const [query, setQuery] = useState(EMPTY_SPAN_QUERY);
  const [view, setView] = useState<'tree' | 'graph'>('tree');
  // Escape closes the detail; Enter or a click opens it again
  const [closed, setClosed] = useState(false);
  const detailRef = useRef<HTMLElement>(null);
  const agents = useMemo(() => hasAgents(tree), [tree]);
  const jumps = useMemo(() => ({ slowest: slowestSpan(tree), costliest: costliestSpan(tree) }), [tree]);
  const [collapsed, setCollapsed] = useState(() => {
    const initial = initialCollapsed(tree);
    return selectedParam ? expandTo(tree, initial, selectedParam) : initial;
  });
  const found = useMemo(() => (isActive(query) ? matchingRows(tree, query) : null), [tree, query]);
  const rows = useMemo(() => found?.rows ?? visibleRows(tree.roots, collapsed), [found, tree, collapsed]);

  const select = useCallback(
    (spanId: string) => {
      setCollapsed((prev) => {
        const next = expandTo(tree, prev, spanId);
        return next.size === prev.size ? prev : next;
      });
      setClosed(false);
      navigate(`${location}?span=${encodeURIComponent(spanId)}`, { replace: true });
    },
    [tree, location, navigate],
  );
  const toggle = useCallback((spanId: string) => {
    setCollapsed((prev) => {
      const next = new Set(prev);
      if (next.has(spanId)) next.delete(spanId);
      else next.add(spanId);
      return next;
    });
  }, []);
  const collapseAll = () => setCollapsed(new Set([...tree.byId.values()].filter((n) => n.children.length > 0 && n.depth >= 1).map((n) => n.span.span_id)));
  const selected = selectedId ? tree.byId.get(selectedId)?.span : undefined;
  const hidden = found ? 0 : spans.length - rows.length;
  const open = () => {
    setClosed(false);
    detailRef.current?.querySelector<HTMLElement>('.detail-scroll')?.scrollTo({ top: 0 });
  };

  return (
    <div className="split">
      <section className="panel" aria-label="Span tree">
        <div className="tree-toolbar">
          <span className="muted">
            {plural(spans.length, 'span')}{hidden > 0 ? ` · ${formatCount(hidden)} folded` : ''}
          </span>
          <span className="grow" />
          {agents && (
            <div className="seg" role="group" aria-label="Trace view">
              <button type="button" className={view === 'tree' ? 'on' : ''} onClick={() => setView('tree')}>
                Tree
              </button>
              <button type="button" className={view === 'graph' ? 'on' : ''} onClick={() => setView('graph')}>
                Agent graph
              </button>
            </div>
          )}
          {view === 'tree' && (
            <>
              <button type="button" className="btn small" onClick={() => setCollapsed(new Set())}>
                Expand all
              </button>
              <button type="button" className="btn small" onClick={collapseAll}>
                Collapse
              </button>
            </>
          )}
        </div>
        <TraceSearchBar
          query={query}
          onChange={setQuery}
          matches={found ? found.matches : null}
          onJumpSlowest={jumps.slowest ? () => select(jumps.slowest!) : undefined}
          onJumpCostliest={jumps.costliest ? () => select(jumps.costliest!) : undefined}
        />
        {view === 'graph' ? (
          <AgentGraphView tree={tree} selectedId={selectedId} onSelect={select} />
        ) : (
          <SpanTree tree={tree} rows={rows} collapsed={found ? new Set() : collapsed} onToggle={toggle} selectedId={selectedId} onSelect={select} onOpen={open} onClose={() => setClosed(true)} />
        )}
      </section>
      <section className="panel" aria-label="Span detail" ref={detailRef}>
        {selected && !closed ? (
          <SpanDetail key={selected.span_id} summary={selected} tree={tree} onSelect={select} />
        ) : (
          <div className="panel-body faint">{selected ? 'Detail closed. Press Enter in the tree, or click a span, to open it.' : 'No span selected'}</div>
        )}
      </section>
    </div>
  );
}

export function TracePage({ traceId }: { traceId: string }) {
  const detail = useApi(`trace-${traceId}`, (signal) => api.trace(traceId, signal));
  const data = detail.data?.trace.trace_id === traceId || detail.data?.spans?.[0]?.trace_id === traceId ? detail.data : undefined;
  const tree = useMemo(() => (data ? buildSpanTree(withRunningEnds(data.spans)) : undefined), [data]);

  useEffect(() => {
    document.title = data ? `${data.trace.name || traceId} · Spanhouse` : 'Trace · Spanhouse';
    return () => {
      document.title = 'Spanhouse';
    };
  }, [data, traceId]);

  if (detail.error !== undefined && !data) {
    const notFound = detail.error instanceof ApiError && detail.error.status === 404;
    return (
      <main className="page">
        <nav className="crumbs">
          <Link href="/">Traces</Link>
          <span className="sep">›</span>
          <span className="mono">{traceId}</span>
        </nav>
        {notFound ? <Notice kind="warn">Trace {traceId} was not found. It may not have arrived yet, or it was deleted.</Notice> : <ErrorNotice error={detail.error} />}
      </main>
    );
  }
  if (!data || !tree) {
    return (
      <main className="page">
        <div className="loading-bar" />
        <span className="muted">Loading trace…</span>
      </main>
    );
  }
  const { trace, spans } = data;
  const lastGeneration = spans.filter((s) => s.type === 'generation').sort((a, b) => a.start_time.localeCompare(b.start_time)).at(-1);
  return (
    <main className="page">
      <div className="trace-header">
        <nav className="crumbs">
          <Link href="/">Traces</Link>
          <span className="sep">›</span>
          <span className="mono">{traceId}</span>
          <CopyButton text={traceId} label="Copy ID" className="btn ghost small" done="Trace ID copied" />
        </nav>
        <div className="title-line">
          <h1 title={trace.name}>{trace.name || '(unnamed trace)'}</h1>
          <StatusBadge status={trace.status} />
          {trace.services?.map((s) => (
            <span key={s} className="chip">{s}</span>
          ))}
          {trace.models?.map((m) => (
            <span key={m} className="chip model">{m}</span>
          ))}
          <span style={{ flex: 1 }} />
          {lastGeneration && (
            <Link className="btn small" href={playgroundLink(lastGeneration.span_id)} title="Open the trace's last generation in the playground">
              Open in playground
            </Link>
          )}
          <CopyButton text={() => window.location.href} label="Copy link" done="Link to this trace copied" className="btn small" />
        </div>
        <TraceStats trace={trace} spans={spans} />
      </div>
      {spans.length === 0 ? <Notice kind="plain">This trace has no spans.</Notice> : <TraceBody key={traceId} spans={spans} tree={tree} />}
    </main>
  );
}
