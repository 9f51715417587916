import { useMemo } from 'react';
import type { TraceViewSpan as Span } from '../api/fields.ts';
import { agentGraph, layoutColumns, type GraphNode } from '../lib/agent-graph.ts';
import type { SpanTree } from '../lib/span-tree.ts';
import { plural } from '../lib/format.ts';

const BOX_W = 212;
const BOX_H = 34;
const COL_GAP = 90;
const ROW_GAP = 16;
const PAD = 16;

const KIND_COLOR: Record<GraphNode['kind'], string> = { agent: 'var(--t-agent)', tool: 'var(--t-tool)', model: 'var(--t-generation)', root: 'var(--t-span)' };

/** Shortens a label to fit its box at whole words where it can (the full text is in the tooltip). */
function fit(label: string, max = 26): string {
  if (label.length <= max) return label;
  const cut = label.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`;
}

/** Agents, tools and models of the trace as boxes, calls as arrows with their counts. Click a box to open its first span. */
export function AgentGraphView({ tree, selectedId, onSelect }: { tree: SpanTree<Span>; selectedId: string | undefined; onSelect: (spanId: string) => void }) {
  const { graph, positions, width, height } = useMemo(() => {
    const graph = agentGraph(tree);
    const columns = layoutColumns(graph);
    const positions = new Map<string, { x: number; y: number }>();
    columns.forEach((ids, c) => ids.forEach((id, r) => positions.set(id, { x: PAD + c * (BOX_W + COL_GAP), y: PAD + r * (BOX_H + ROW_GAP) })));
    const rows = Math.max(...columns.map((c) => c.length), 1);
    return { graph, positions, width: PAD * 2 + columns.length * BOX_W + Math.max(columns.length - 1, 0) * COL_GAP, height: PAD * 2 + rows * BOX_H + (rows - 1) * ROW_GAP };
  }, [tree]);
  return (
    <div className="graph-scroll" aria-label="Agent graph">
      <svg width={width} height={height} role="img" aria-label={`${graph.nodes.length} nodes, ${graph.edges.length} edges`}>
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0 0 10 5 0 10z" fill="#94a3b8" />
          </marker>
        </defs>
        {graph.edges.map((e) => {
          const a = positions.get(e.from)!;
          const b = positions.get(e.to)!;
          const x1 = a.x + BOX_W;
          const y1 = a.y + BOX_H / 2;
          const x2 = b.x;
          const y2 = b.y + BOX_H / 2;
          const back = x2 <= x1;
          const path = back ? `M${a.x + BOX_W / 2} ${a.y + BOX_H} C ${a.x + BOX_W / 2} ${y2 + 40}, ${b.x + BOX_W / 2} ${y2 + 40}, ${b.x + BOX_W / 2} ${b.y + BOX_H}` : `M${x1} ${y1} C ${x1 + COL_GAP / 2} ${y1}, ${x2 - COL_GAP / 2} ${y2}, ${x2} ${y2}`;
          return (
            <g key={`${e.from}→${e.to}`} className="graph-edge" data-from={e.from} data-to={e.to}>
              <path d={path} fill="none" stroke="#94a3b8" strokeWidth={1.4} markerEnd="url(#arrow)" />
              <text x={(x1 + x2) / 2} y={(y1 + y2) / 2 - 4} textAnchor="middle" className="edge-label">
                {e.calls > 1 ? `×${e.calls}` : ''}
              </text>
            </g>
          );
        })}
        {graph.nodes.map((n) => {
          const p = positions.get(n.id)!;
          const selected = selectedId !== undefined && n.spanIds.includes(selectedId);
          return (
            <g
              key={n.id}
              className={`graph-node ${selected ? 'selected' : ''}`}
              data-node={n.id}
              transform={`translate(${p.x},${p.y})`}
              onClick={() => onSelect(n.spanIds[0])}
              role="button"
              aria-label={`${n.kind} ${n.label}`}
            >
              <title>{`${n.kind}: ${n.label} · ${plural(n.spanIds.length, 'span')}${n.errors ? ` · ${n.errors} failed` : ''}`}</title>
              <rect width={BOX_W} height={BOX_H} rx={6} fill="#fff" stroke={n.errors ? 'var(--err)' : '#cbd5e1'} strokeWidth={selected ? 2.4 : 1.2} />
              <rect width={5} height={BOX_H} rx={2} fill={KIND_COLOR[n.kind]} />
              <text x={12} y={14} className="node-kind">
                {n.kind}
                {n.spanIds.length > 1 ? ` · ${n.spanIds.length}×` : ''}
              </text>
              <text x={12} y={27} className="node-label">
                {fit(n.label)}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
