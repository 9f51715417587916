// The agent graph of a trace: agents, tools and models as nodes, calls as edges. An edge
// goes from the nearest agent above a span (or the trace's root) to the span's node;
// repeated calls fold into one edge with a count.
import type { SpanTree, TreeNode } from './span-tree.ts';
import type { SearchableSpan } from './trace-search.ts';

export type GraphNodeKind = 'agent' | 'tool' | 'model' | 'root';

export interface GraphNode {
  id: string;
  kind: GraphNodeKind;
  label: string;
  /** Spans this node stands for (the first is where a click goes). */
  spanIds: string[];
  errors: number;
}

export interface GraphEdge {
  from: string;
  to: string;
  calls: number;
}

export interface AgentGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

function nodeOf(span: SearchableSpan): { id: string; kind: GraphNodeKind; label: string } | null {
  if (span.type === 'agent') {
    const label = span.agent_name || span.name;
    return { id: `agent:${label}`, kind: 'agent', label };
  }
  if (span.type === 'tool') {
    const label = span.tool_name || span.name;
    return { id: `tool:${label}`, kind: 'tool', label };
  }
  if ((span.type === 'generation' || span.type === 'embedding') && span.model) return { id: `model:${span.model}`, kind: 'model', label: span.model };
  return null;
}

/** True when the trace has an agent span (the graph view is offered for these). */
export const hasAgents = <S extends SearchableSpan>(tree: SpanTree<S>) => [...tree.byId.values()].some((n) => n.span.type === 'agent');

export function agentGraph<S extends SearchableSpan>(tree: SpanTree<S>): AgentGraph {
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  const add = (key: { id: string; kind: GraphNodeKind; label: string }, span: S) => {
    const node = nodes.get(key.id) ?? { ...key, spanIds: [], errors: 0 };
    node.spanIds.push(span.span_id);
    if (span.status !== 'success') node.errors++;
    nodes.set(key.id, node);
    return node.id;
  };
  // walk from each root with the id of the nearest agent node above
  const stack: Array<{ node: TreeNode<S>; owner: string }> = [];
  for (const root of tree.roots) {
    const own = nodeOf(root.span);
    const id = own ? add(own, root.span) : add({ id: `root:${root.span.name}`, kind: 'root', label: root.span.name || 'trace' }, root.span);
    for (const child of root.children) stack.push({ node: child, owner: id });
  }
  while (stack.length > 0) {
    const { node, owner } = stack.pop()!;
    const key = nodeOf(node.span);
    let next = owner;
    if (key) {
      const id = add(key, node.span);
      if (id !== owner) {
        const edgeKey = `${owner}→${id}`;
        const edge = edges.get(edgeKey) ?? { from: owner, to: id, calls: 0 };
        edge.calls++;
        edges.set(edgeKey, edge);
      }
      if (key.kind === 'agent') next = id;
    }
    for (const child of node.children) stack.push({ node: child, owner: next });
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

/** Columns for drawing: agents (and the root) by call depth, tools and models after the deepest agent that calls them. */
export function layoutColumns(graph: AgentGraph): string[][] {
  const depth = new Map<string, number>();
  const callers = new Map<string, string[]>();
  for (const e of graph.edges) callers.set(e.to, [...(callers.get(e.to) ?? []), e.from]);
  const depthOf = (id: string, seen = new Set<string>()): number => {
    if (depth.has(id)) return depth.get(id)!;
    if (seen.has(id)) return 0;
    seen.add(id);
    const from = callers.get(id) ?? [];
    const d = from.length === 0 ? 0 : Math.max(...from.map((f) => depthOf(f, seen))) + 1;
    depth.set(id, d);
    return d;
  };
  const columns: string[][] = [];
  for (const node of graph.nodes) {
    const d = depthOf(node.id);
    (columns[d] ??= []).push(node.id);
  }
  return columns.filter(Boolean);
}
