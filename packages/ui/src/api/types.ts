// Shapes the REST API returns. Spans are the model's SpanhouseSpan with ISO times
// instead of microseconds; messages may be left out of list/trace responses.
import type { Message, SpanhouseSpan, TraceSummary, TraceStatus } from '@spanhouse/model';

export type { Message, ToolCall, SpanType, TraceSummary, TraceStatus, SpanEvent } from '@spanhouse/model';

export interface Score {
  name: string;
  value: number | string | boolean;
  comment?: string;
}

export type Span = Omit<SpanhouseSpan, 'start_time_us' | 'end_time_us' | 'input_messages' | 'output_messages'> & {
  start_time: string;
  end_time: string;
  input_messages?: Message[];
  output_messages?: Message[];
  input_preview?: string;
  output_preview?: string;
  scores?: Score[];
};

export interface TracePage {
  data: TraceSummary[];
  next_cursor: string | null;
}

export interface TraceDetail {
  trace: TraceSummary;
  spans: Span[];
}

export interface MetricRow {
  bucket: string;
  group: string;
  count: number;
  error_count: number;
  error_rate?: number;
  cost_usd: number | null;
  input_tokens: number;
  output_tokens: number;
  p50_latency_ms: number | null;
  p90_latency_ms: number | null;
  p99_latency_ms: number | null;
}

/** GET /api/clusters: prompt clusters with the totals of their spans, largest first. */
export interface Cluster {
  cluster_id: string;
  label: string;
  size: number;
  cost_usd: number;
  latency_ms_total: number;
  latency_ms_avg: number;
  error_count: number;
  aliases: string[];
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

/** GET /api/otel-metrics: one metric's sums in one bucket (and group). */
export interface OtelMetricPoint {
  bucket: string;
  name: string;
  unit: string;
  type: string;
  group: string;
  count: number;
  sum: number;
  min: number | null;
  max: number | null;
}

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
