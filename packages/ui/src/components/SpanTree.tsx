import { useEffect, useRef, type KeyboardEvent } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { TraceViewSpan as Span } from '../api/fields.ts';
import type { SpanTree as Tree, TreeNode } from '../lib/span-tree.ts';
import { formatDuration } from '../lib/format.ts';
import { TypeIcon, typeColor } from './TypeIcon.tsx';

const ROW_HEIGHT = 28;
const INDENT = 14;

/** A short grey hint after the name (tool, agent or model) unless the name already says it. */
function spanHint(span: Span): string {
  const hint = span.type === 'tool' ? span.tool_name : span.type === 'agent' ? span.agent_name : span.model;
  return hint && !span.name.includes(hint) ? hint : '';
}

function Caret({ open, onClick }: { open: boolean; onClick: () => void }) {
  return (
    <button
      type="button"
      className="caret"
      aria-label={open ? 'Collapse' : 'Expand'}
      onClick={(e) => {
        e.stopPropagation();
        onClick();
      }}
    >
      <svg width="10" height="10" viewBox="0 0 10 10" aria-hidden="true" style={{ transform: open ? 'rotate(90deg)' : undefined, transition: 'transform 80ms' }}>
        <path d="M3 1.5 7 5 3 8.5" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" />
      </svg>
    </button>
  );
}

function TimelineBar({ node, totalMs }: { node: TreeNode<Span>; totalMs: number }) {
  const left = totalMs > 0 ? (node.offsetMs / totalMs) * 100 : 0;
  const width = totalMs > 0 ? (node.durationMs / totalMs) * 100 : 100;
  const failed = node.span.status !== 'success';
  const running = node.span.running === true;
  // the duration goes after the bar, else before it; a bar that fills the row from the
  // start has room on neither side (before it is the span's name), so its label sits
  // inside the bar's end
  const place = left + width <= 78 ? 'after' : left >= 22 ? 'before' : 'inside';
  return (
    <div className="timeline">
      <div
        className={`bar ${running ? 'running' : ''}`}
        style={{ left: `${left}%`, width: `${width}%`, background: failed ? 'var(--err)' : typeColor(node.span.type) }}
      />
      <span
        className={`bar-label ${place === 'inside' ? 'inside' : ''}`}
        style={
          place === 'after'
            ? { left: `calc(${left + width}% + 4px)` }
            : place === 'before'
              ? { right: `calc(${100 - left}% + 4px)` }
              : { right: `calc(${100 - left - width}% + 3px)` }
        }
      >
        {running ? `running ${formatDuration(node.durationMs)}` : formatDuration(node.durationMs)}
      </span>
    </div>
  );
}

function TimelineScale({ totalMs }: { totalMs: number }) {
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return (
    <div className="timeline-head">
      {ticks.map((t) => (
        <span key={t} style={{ left: `${t * 100}%` }}>
          {formatDuration(totalMs * t)}
        </span>
      ))}
    </div>
  );
}

/**
 * The span tree as a virtualised list: each row shows the span's place in the
 * hierarchy on the left and its timeline bar on the right.
 */
export function SpanTree({
  tree,
  rows,
  collapsed,
  onToggle,
  selectedId,
  onSelect,
  onOpen,
  onClose,
}: {
  tree: Tree<Span>;
  rows: TreeNode<Span>[];
  collapsed: ReadonlySet<string>;
  onToggle: (spanId: string) => void;
  selectedId: string | undefined;
  onSelect: (spanId: string) => void;
  /** Enter: open the selected span's detail. */
  onOpen?: () => void;
  /** Escape: close the detail. */
  onClose?: () => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const totalMs = Math.max(tree.endMs - tree.startMs, 0.001);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
  });
  const selectedIndex = rows.findIndex((r) => r.span.span_id === selectedId);

  useEffect(() => {
    if (selectedIndex >= 0) virtualizer.scrollToIndex(selectedIndex, { align: 'auto' });
  }, [selectedId]);

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && onOpen) {
      onOpen();
      e.preventDefault();
      return;
    }
    if (e.key === 'Escape' && onClose) {
      onClose();
      e.preventDefault();
      return;
    }
    if (rows.length === 0) return;
    const current = rows[selectedIndex];
    if (e.key === 'ArrowDown' || e.key === 'j') onSelect(rows[Math.min(selectedIndex + 1, rows.length - 1)].span.span_id);
    else if (e.key === 'ArrowUp' || e.key === 'k') onSelect(rows[Math.max(selectedIndex - 1, 0)].span.span_id);
    else if (e.key === 'ArrowRight' && current && current.children.length > 0 && collapsed.has(current.span.span_id)) onToggle(current.span.span_id);
    else if (e.key === 'ArrowLeft' && current) {
      if (current.children.length > 0 && !collapsed.has(current.span.span_id)) onToggle(current.span.span_id);
      else if (current.depth > 0 && tree.byId.has(current.span.parent_span_id)) onSelect(current.span.parent_span_id);
    } else return;
    e.preventDefault();
  };

  return (
    <>
      <div className="tree-head">
        <div>Span</div>
        <TimelineScale totalMs={totalMs} />
      </div>
      <div className="tree-scroll" ref={scroller} tabIndex={0} onKeyDown={onKeyDown} role="tree" aria-label="Span tree">
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const node = rows[item.index];
            const { span } = node;
            const open = !collapsed.has(span.span_id);
            const hint = spanHint(span);
            return (
              <div
                key={span.span_id}
                role="treeitem"
                aria-selected={span.span_id === selectedId}
                aria-expanded={node.children.length > 0 ? open : undefined}
                aria-level={node.depth + 1}
                data-span-id={span.span_id}
                className={`tree-row ${span.span_id === selectedId ? 'selected' : ''} ${span.status !== 'success' ? 'error' : ''}`}
                style={{ position: 'absolute', top: 0, left: 0, right: 0, transform: `translateY(${item.start}px)` }}
                onClick={() => onSelect(span.span_id)}
                title={`${span.name} · ${formatDuration(node.durationMs)}`}
              >
                <div className="tree-label" style={{ paddingLeft: 6 + node.depth * INDENT }}>
                  {node.children.length > 0 ? <Caret open={open} onClick={() => onToggle(span.span_id)} /> : <span className="caret leaf" />}
                  <TypeIcon type={span.type} />
                  <span className="span-name">{span.name || '(unnamed)'}</span>
                  {hint && <span className="span-hint">{hint}</span>}
                  {!open && <span className="folded">+{node.descendants}</span>}
                </div>
                <TimelineBar node={node} totalMs={totalMs} />
              </div>
            );
          })}
        </div>
      </div>
    </>
  );
}
