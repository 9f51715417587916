// The fields a page asks the API for (`fields=`). A span is read by key column by column (at
// 10M spans about half a millisecond a column), so a page reads only what it shows.
// test/bench/scale.ts times the requests these make.
import type { Span } from './types.ts';

/** The Generations table's columns. */
export const GENERATION_TABLE_FIELDS = [
  'name', 'status', 'start_time', 'model', 'input_preview', 'input_tokens', 'output_tokens', 'total_tokens', 'latency_ms', 'cost_usd', 'running',
] as const;

/**
 * What the trace page draws of every span: the tree, timeline, agent graph and search, and
 * the selected span's first paint (its full record replaces it when it arrives), and `scores`:
 * the trace's own scores in its header (and the spans', which the tree does not draw; the API
 * reads both in the one extra statement).
 */
export const TRACE_VIEW_FIELDS = [
  'parent_span_id', 'name', 'type', 'status', 'start_time', 'end_time', 'running', 'latency_ms', 'model', 'provider', 'routing_alias',
  'tool_name', 'agent_name', 'input_tokens', 'output_tokens', 'total_tokens', 'cost_usd', 'input_preview', 'output_preview',
  'error_type', 'error_message', 'scores',
] as const;

/** A span of the trace page: its keys and TRACE_VIEW_FIELDS; the rest only in its full record. */
export type TraceViewSpan = Pick<Span, 'tenant_id' | 'trace_id' | 'span_id' | (typeof TRACE_VIEW_FIELDS)[number]> & Partial<Span>;
