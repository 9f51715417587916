// Finding spans inside one (possibly large) trace: a text/type/errors filter that keeps
// the matches' ancestors so the tree still reads as a tree, and the spans worth jumping to.
import type { SpanTree, TreeNode, TreeSpan } from './span-tree.ts';

export interface SearchableSpan extends TreeSpan {
  name: string;
  type: string;
  status: string;
  model?: string | null;
  tool_name?: string | null;
  agent_name?: string | null;
  cost_usd?: number | null;
}

export interface SpanQuery {
  /** Case-insensitive substring of the name, model, tool or agent. */
  text: string;
  type: string;
  errorsOnly: boolean;
}

export const EMPTY_SPAN_QUERY: SpanQuery = { text: '', type: '', errorsOnly: false };

export const isActive = (q: SpanQuery) => q.text.trim() !== '' || q.type !== '' || q.errorsOnly;

export function spanMatches(span: SearchableSpan, q: SpanQuery): boolean {
  if (q.type && span.type !== q.type) return false;
  if (q.errorsOnly && span.status === 'success') return false;
  const text = q.text.trim().toLowerCase();
  if (!text) return true;
  return [span.name, span.model, span.tool_name, span.agent_name].some((v) => typeof v === 'string' && v.toLowerCase().includes(text));
}

/** Pre-order rows of the matches and their ancestors (collapsing ignored: every match shows). */
export function matchingRows<S extends SearchableSpan>(tree: SpanTree<S>, q: SpanQuery): { rows: TreeNode<S>[]; matches: number } {
  const keep = new Set<string>();
  let matches = 0;
  for (const node of tree.byId.values()) {
    if (!spanMatches(node.span, q)) continue;
    matches++;
    let current: TreeNode<S> | undefined = node;
    while (current && !keep.has(current.span.span_id)) {
      keep.add(current.span.span_id);
      current = current.depth > 0 ? tree.byId.get(current.span.parent_span_id) : undefined;
    }
  }
  const rows: TreeNode<S>[] = [];
  const stack = [...tree.roots].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (!keep.has(node.span.span_id)) continue;
    rows.push(node);
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
  }
  return { rows, matches };
}

/** The longest span below the roots (the root lasts as long as the trace), or the root of a one-span trace. */
export function slowestSpan<S extends SearchableSpan>(tree: SpanTree<S>): string | undefined {
  let best: TreeNode<S> | undefined;
  for (const node of tree.byId.values()) {
    if (node.depth === 0 && tree.byId.size > 1) continue;
    if (!best || node.durationMs > best.durationMs) best = node;
  }
  return best?.span.span_id;
}

/** The span with the highest cost, if any span has one. */
export function costliestSpan<S extends SearchableSpan>(tree: SpanTree<S>): string | undefined {
  let best: S | undefined;
  for (const { span } of tree.byId.values()) {
    if (typeof span.cost_usd === 'number' && span.cost_usd > 0 && (!best || span.cost_usd > (best.cost_usd ?? 0))) best = span;
  }
  return best?.span_id;
}
