// Rows of the REST API's lists and reports that are not spans or traces: what the collector's
// store returns and the web UI reads, declared once for both.
import type { Message } from './types.ts';

/** GET /api/sessions: one row per session of the window. */
export interface SessionRow {
  session_id: string;
  /** The session's user (the largest id when it has several; see user_ids). */
  user_id: string;
  /** Every user id seen on the session's traces in the window, sorted. */
  user_ids: string[];
  first_time: string;
  last_time: string;
  trace_count: number;
  error_count: number;
  /** Sum over the priced calls; see unpriced_count. */
  cost_usd: number;
  /** LLM calls with token usage but no price: their cost is not in cost_usd. */
  unpriced_count: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  models: string[];
}

/** GET /api/users: one row per user of the window. */
export interface UserRow {
  user_id: string;
  first_time: string;
  last_seen: string;
  session_count: number;
  trace_count: number;
  error_count: number;
  /** Sum over the priced calls; see unpriced_count. */
  cost_usd: number;
  /** LLM calls with token usage but no price: their cost is not in cost_usd. */
  unpriced_count: number;
  total_tokens: number;
  models: string[];
}

/** GET /api/ingest-health: how well the window's spans were understood, per dialect. */
export interface DialectHealth {
  /** A dialect id (`otel-genai`, `openinference`, …), or `none` for spans no dialect recognised. */
  dialect: string;
  spans: number;
  /** Generation and embedding spans. */
  llm_spans: number;
  /** Of the LLM spans: no model name, no token counts, no prompt or response (generations only). */
  missing_model: number;
  missing_tokens: number;
  missing_content: number;
}

export interface IngestHealth {
  since: string;
  until: string;
  /** The same counts over every span (each once). */
  total: Omit<DialectHealth, 'dialect'>;
  dialects: DialectHealth[];
  /** Spans by conventions generation of their gen_ai.* names (`2026`, `legacy`, `mixed`, `` for none). */
  semconv: Array<{ semconv: string; spans: number }>;
  /** Fields filled by inference rather than read (e.g. provider from the model name). */
  inferred: Array<{ field: string; spans: number }>;
  top_unmapped: Array<{ key: string; spans: number }>;
}

/** GET /api/otel-metrics: one metric's sums in one bucket (and group). */
export interface OtelMetricPoint {
  bucket: string;
  name: string;
  unit: string;
  type: string;
  group: string;
  /** Histograms: observations in the bucket; gauges: data points; sums: 0. */
  count: number;
  /** Histograms: sum of the observations; sums: the increase; gauges: sum of the values. */
  sum: number;
  min: number | null;
  max: number | null;
  /** Histograms whose points share their bounds: observations per bucket (one more than bounds). */
  bucket_counts: number[];
  explicit_bounds: number[];
}

/** GET /api/clusters: a prompt cluster with the totals of its spans. */
export interface ClusterSummary {
  cluster_id: string;
  label: string;
  /** Spans assigned to the cluster (including ids merged into it). */
  size: number;
  /** Sum over the priced spans; see unpriced_count. */
  cost_usd: number;
  /** Calls with token usage but no price: their cost is not in cost_usd. */
  unpriced_count: number;
  latency_ms_total: number;
  latency_ms_avg: number;
  error_count: number;
  aliases: string[];
}

/** POST /api/playground/runs: the fields the side-by-side comparison shows, of the source span or of the run's. */
export interface RunSummary {
  trace_id: string;
  span_id: string;
  status: string;
  model: string;
  routing_alias: string;
  output_messages: Message[];
  output_text: string;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost_usd: number | null;
  latency_ms: number;
  ttft_ms: number | null;
  error_message: string;
}
