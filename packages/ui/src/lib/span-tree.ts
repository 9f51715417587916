// Builds the span tree of one trace and flattens it into the rows the virtualised
// list draws. Iterative everywhere: a 5,000-span chain must not blow the stack.

export interface TreeSpan {
  span_id: string;
  parent_span_id: string;
  start_time: string;
  end_time: string;
}

export interface TreeNode<S extends TreeSpan = TreeSpan> {
  span: S;
  depth: number;
  children: TreeNode<S>[];
  /** Every node below this one. */
  descendants: number;
  /** Start offset from the trace start and duration, in ms. */
  offsetMs: number;
  durationMs: number;
}

export interface SpanTree<S extends TreeSpan = TreeSpan> {
  roots: TreeNode<S>[];
  byId: Map<string, TreeNode<S>>;
  startMs: number;
  endMs: number;
  /** Deepest depth in the tree (0 for roots only). */
  maxDepth: number;
}

const timeMs = (iso: string) => {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : 0;
};

/** Millisecond precision from ISO strings keeps sub-ms digits ("…:05.123456Z"). */
export function isoToMs(iso: string): number {
  const base = timeMs(iso);
  const fraction = /\.(\d+)/.exec(iso)?.[1];
  if (!fraction || fraction.length <= 3) return base;
  return base + Number(`0.${fraction.slice(3)}`);
}

export function buildSpanTree<S extends TreeSpan>(spans: S[]): SpanTree<S> {
  const byId = new Map<string, TreeNode<S>>();
  let startMs = Infinity;
  let endMs = -Infinity;
  for (const span of spans) {
    const start = isoToMs(span.start_time);
    const end = Math.max(isoToMs(span.end_time), start);
    startMs = Math.min(startMs, start);
    endMs = Math.max(endMs, end);
    byId.set(span.span_id, { span, depth: 0, children: [], descendants: 0, offsetMs: start, durationMs: end - start });
  }
  if (!Number.isFinite(startMs)) startMs = endMs = 0;

  const roots: TreeNode<S>[] = [];
  for (const node of byId.values()) {
    node.offsetMs -= startMs;
    const parent = node.span.parent_span_id ? byId.get(node.span.parent_span_id) : undefined;
    // A missing parent (not yet arrived, or outside the trace) makes the span a root.
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  const byStart = (a: TreeNode<S>, b: TreeNode<S>) => a.offsetMs - b.offsetMs || a.span.span_id.localeCompare(b.span.span_id);

  // Walk from the roots; any node not reached sits in a parent cycle: promote it to a root.
  const reached = new Set<TreeNode<S>>();
  const order: TreeNode<S>[] = [];
  const walk = (start: TreeNode<S>[]) => {
    const stack = [...start];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (reached.has(node)) continue;
      reached.add(node);
      order.push(node);
      for (const child of node.children) {
        if (reached.has(child)) continue;
        child.depth = node.depth + 1;
        stack.push(child);
      }
    }
  };
  walk(roots);
  for (const node of byId.values()) {
    if (reached.has(node)) continue;
    node.depth = 0;
    roots.push(node);
    walk([node]);
  }
  // Drop child links that point back into an already-walked part (cycle edges).
  let maxDepth = 0;
  for (const node of order) {
    node.children = node.children.filter((c) => c.depth === node.depth + 1);
    node.children.sort(byStart);
    maxDepth = Math.max(maxDepth, node.depth);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i];
    node.descendants = node.children.reduce((sum, c) => sum + 1 + c.descendants, 0);
  }
  roots.sort(byStart);
  return { roots, byId, startMs, endMs, maxDepth };
}

/** Pre-order rows, skipping the children of collapsed nodes. */
export function visibleRows<S extends TreeSpan>(roots: TreeNode<S>[], collapsed: ReadonlySet<string>): TreeNode<S>[] {
  const rows: TreeNode<S>[] = [];
  const stack = [...roots].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    rows.push(node);
    if (collapsed.has(node.span.span_id)) continue;
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
  }
  return rows;
}

/**
 * What starts collapsed: nothing for small traces; for large ones every node from
 * depth `openDepth` down that has children, so the first screen shows the top-level steps.
 */
export function initialCollapsed<S extends TreeSpan>(tree: SpanTree<S>, smallTraceLimit = 300, openDepth = 1): Set<string> {
  const collapsed = new Set<string>();
  if (tree.byId.size <= smallTraceLimit) return collapsed;
  for (const node of tree.byId.values()) {
    if (node.children.length > 0 && node.depth >= openDepth) collapsed.add(node.span.span_id);
  }
  return collapsed;
}

/** Root-first chain of ancestors of a span (excluding the span itself). */
export function ancestors<S extends TreeSpan>(tree: SpanTree<S>, spanId: string): TreeNode<S>[] {
  const chain: TreeNode<S>[] = [];
  const seen = new Set<string>();
  let node = tree.byId.get(spanId);
  while (node && node.depth > 0) {
    const parent = tree.byId.get(node.span.parent_span_id);
    if (!parent || seen.has(parent.span.span_id)) break;
    seen.add(parent.span.span_id);
    chain.unshift(parent);
    node = parent;
  }
  return chain;
}

/** Removes the span's ancestors from the collapsed set so it shows in the list. */
export function expandTo<S extends TreeSpan>(tree: SpanTree<S>, collapsed: ReadonlySet<string>, spanId: string): Set<string> {
  const next = new Set(collapsed);
  for (const node of ancestors(tree, spanId)) next.delete(node.span.span_id);
  return next;
}
