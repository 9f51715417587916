// Shapes the REST API returns. Spans are the model's SpanhouseSpan with ISO times
// instead of microseconds; messages may be left out of list/trace responses.
import type { Message, SpanhouseSpan, TraceSummary, TraceStatus } from '@spanhouse/model';
import type { TraceViewSpan } from './fields.ts';

export type { Message, MessagePart, ToolCall, SpanType, TraceSummary, TraceStatus, SpanEvent } from '@spanhouse/model';
// list and report rows, declared once with the collector's store
export type { SessionRow, UserRow, DialectHealth, IngestHealth, OtelMetricPoint, ClusterSummary as Cluster, RunSummary } from '@spanhouse/model';

export interface Score {
  name: string;
  value: number | string | boolean;
  comment?: string;
  /** api, ui, otel (a gen_ai.evaluation.result event), … */
  source?: string;
}

export type Span = Omit<SpanhouseSpan, 'start_time_us' | 'end_time_us' | 'input_messages' | 'output_messages'> & {
  start_time: string;
  end_time: string;
  input_messages?: Message[];
  output_messages?: Message[];
  input_preview?: string;
  output_preview?: string;
  scores?: Score[];
  /** Still open (no end yet): its end time is when it was last seen. */
  running?: boolean;
};

/** A trace list row: the summary plus its trace-level scores. */
export type TraceRow = TraceSummary & { scores?: Score[] };

export interface TracePage {
  data: TraceRow[];
  next_cursor: string | null;
}

export interface ListPage<T> {
  data: T[];
  next_cursor: string | null;
}

export interface Dataset {
  name: string;
  description: string;
  created_at: string;
  item_count: number;
}

export interface DatasetItem {
  id: string;
  dataset: string;
  input: Message[];
  output: Message[];
  metadata: Record<string, string>;
  source_trace_id: string;
  source_span_id: string;
  created_at: string;
}

/** A trace as the trace page reads it (`fields`: TRACE_VIEW_FIELDS). */
export interface TraceDetail {
  /** With its own scores (the trace's, not its spans'). */
  trace: TraceRow;
  spans: TraceViewSpan[];
}

export interface MetricRow {
  bucket: string;
  group: string;
  count: number;
  error_count: number;
  error_rate?: number;
  cost_usd: number | null;
  /** LLM calls with usage that no price covers (left out of cost_usd). */
  unpriced_count?: number;
  input_tokens: number;
  output_tokens: number;
  p50_latency_ms: number | null;
  p90_latency_ms: number | null;
  p99_latency_ms: number | null;
}

/** A stored span event (feedback, annotations) as GET /api/spans/:id/events returns it. */
export interface StoredEvent {
  kind: string;
  source?: string;
  time?: string;
  created_at?: string;
  data?: unknown;
  [key: string]: unknown;
}

export type Status = TraceStatus;

/** GET /api/me. */
export interface Me {
  tenant_id: string;
  key_id: string | null;
  admin: boolean;
  /** False on a loopback collector without keys (requests need none). */
  keys_required: boolean;
}

/** GET /api/admin/tenants. */
export interface TenantSummary {
  tenant_id: string;
  name: string;
  created_at: string;
  active_keys: number;
}
