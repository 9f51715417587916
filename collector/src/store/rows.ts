// SpanhouseSpan <-> ClickHouse rows of the `spans` table, and the API's span record.
import type { Message, PricingInfo, SpanEvent, SpanLog, SpanStatus, SpanType, SpanhouseSpan } from '@spanhouse/model';

/** A span as the API returns it: ISO times instead of microseconds, plus list previews. */
export type SpanRecord = Omit<SpanhouseSpan, 'start_time_us' | 'end_time_us' | 'input_messages' | 'output_messages'> & {
  start_time: string;
  end_time: string;
  input_preview: string;
  output_preview: string;
  input_messages?: Message[];
  output_messages?: Message[];
};

export interface SpanRow {
  tenant_id: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  name: string;
  type: string;
  kind: string;
  start_time: number | string;
  end_time: number | string;
  latency_ms: number;
  status: string;
  error_type: string;
  error_message: string;
  model: string;
  request_model: string;
  provider: string;
  operation: string;
  routing_alias: string;
  input_messages: string;
  output_messages: string;
  input_text: string;
  output_text: string;
  input_tokens: number | string;
  output_tokens: number | string;
  cache_read_tokens: number | string;
  cache_write_tokens: number | string;
  reasoning_tokens: number | string;
  total_tokens: number | string;
  cost_usd: number | null;
  cost_source: string;
  cost_details: Record<string, number>;
  cluster_id: string | null;
  pricing: string;
  unpriced: boolean;
  retention_days?: number;
  content_retention_days?: number;
  tool_name: string;
  tool_call_id: string;
  agent_name: string;
  user_id: string;
  session_id: string;
  metadata: Record<string, string>;
  tags: string[];
  finish_reasons: string[];
  ttft_ms: number | null;
  service_name: string;
  scope_name: string;
  resource_attributes: Record<string, string>;
  span_attributes: Record<string, string>;
  events: string;
  mapping_dialects: string[];
  mapping_unmapped: string[];
  truncated: boolean;
  version: number | string;
  input_preview?: string;
  output_preview?: string;
}

/** Row for insert. Times go in as integer microseconds (DateTime64(6) ticks). */
export function toRow(span: SpanhouseSpan, version: number): SpanRow {
  return {
    tenant_id: span.tenant_id,
    trace_id: span.trace_id,
    span_id: span.span_id,
    parent_span_id: span.parent_span_id,
    name: span.name,
    type: span.type,
    kind: span.kind,
    start_time: span.start_time_us,
    end_time: span.end_time_us,
    latency_ms: span.latency_ms,
    status: span.status,
    error_type: span.error_type,
    error_message: span.error_message,
    model: span.model,
    request_model: span.request_model,
    provider: span.provider,
    operation: span.operation,
    routing_alias: span.routing_alias,
    input_messages: JSON.stringify(span.input_messages),
    output_messages: JSON.stringify(span.output_messages),
    input_text: span.input_text,
    output_text: span.output_text,
    input_tokens: span.input_tokens,
    output_tokens: span.output_tokens,
    cache_read_tokens: span.cache_read_tokens,
    cache_write_tokens: span.cache_write_tokens,
    reasoning_tokens: span.reasoning_tokens,
    total_tokens: span.total_tokens,
    cost_usd: span.cost_usd,
    cost_source: span.cost_source,
    cost_details: span.cost_details,
    cluster_id: span.cluster_id,
    pricing: span.pricing ? JSON.stringify(span.pricing) : '',
    unpriced: span.unpriced ?? false,
    // left out when unset, so the column default (the storage's retention) applies
    ...(span.retention_days !== undefined ? { retention_days: span.retention_days } : {}),
    ...(span.content_retention_days !== undefined ? { content_retention_days: span.content_retention_days } : {}),
    tool_name: span.tool_name,
    tool_call_id: span.tool_call_id,
    agent_name: span.agent_name,
    user_id: span.user_id,
    session_id: span.session_id,
    metadata: span.metadata,
    tags: span.tags,
    finish_reasons: span.finish_reasons,
    ttft_ms: span.ttft_ms,
    service_name: span.service_name,
    scope_name: span.scope_name,
    resource_attributes: span.resource_attributes,
    span_attributes: span.span_attributes,
    events: JSON.stringify(span.events),
    mapping_dialects: span.mapping.dialects,
    mapping_unmapped: span.mapping.unmapped,
    truncated: span.truncated,
    version,
  };
}

/** ClickHouse prints DateTime64 as `2026-11-21 14:00:00.123456` (UTC here); the API speaks ISO-8601. */
export function isoTime(value: string | number): string {
  if (typeof value === 'number') return new Date(value / 1000).toISOString();
  return `${value.replace(' ', 'T')}Z`;
}

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function fromRow(row: SpanRow, withContent: boolean): SpanRecord {
  const record: SpanRecord = {
    tenant_id: row.tenant_id,
    trace_id: row.trace_id,
    span_id: row.span_id,
    parent_span_id: row.parent_span_id,
    name: row.name,
    type: row.type as SpanType,
    kind: row.kind,
    start_time: isoTime(row.start_time),
    end_time: isoTime(row.end_time),
    latency_ms: Number(row.latency_ms),
    status: row.status as SpanStatus,
    error_type: row.error_type,
    error_message: row.error_message,
    model: row.model,
    request_model: row.request_model,
    provider: row.provider,
    operation: row.operation,
    routing_alias: row.routing_alias,
    input_text: withContent ? row.input_text : '',
    output_text: withContent ? row.output_text : '',
    input_preview: row.input_preview ?? '',
    output_preview: row.output_preview ?? '',
    input_tokens: Number(row.input_tokens),
    output_tokens: Number(row.output_tokens),
    cache_read_tokens: Number(row.cache_read_tokens),
    cache_write_tokens: Number(row.cache_write_tokens),
    reasoning_tokens: Number(row.reasoning_tokens),
    total_tokens: Number(row.total_tokens),
    cost_usd: row.cost_usd === null ? null : Number(row.cost_usd),
    cost_source: row.cost_source,
    cost_details: row.cost_details,
    cluster_id: row.cluster_id,
    pricing: row.pricing ? parseJson<PricingInfo | null>(row.pricing, null) : null,
    unpriced: Boolean(row.unpriced),
    retention_days: row.retention_days === undefined ? undefined : Number(row.retention_days),
    content_retention_days: row.content_retention_days === undefined ? undefined : Number(row.content_retention_days),
    tool_name: row.tool_name,
    tool_call_id: row.tool_call_id,
    agent_name: row.agent_name,
    user_id: row.user_id,
    session_id: row.session_id,
    metadata: row.metadata,
    tags: row.tags,
    finish_reasons: row.finish_reasons,
    ttft_ms: row.ttft_ms === null ? null : Number(row.ttft_ms),
    service_name: row.service_name,
    scope_name: row.scope_name,
    resource_attributes: row.resource_attributes,
    span_attributes: row.span_attributes,
    events: parseJson<SpanEvent[]>(row.events, []),
    mapping: { dialects: row.mapping_dialects, unmapped: row.mapping_unmapped },
    truncated: Boolean(row.truncated),
  };
  if (withContent) {
    record.input_messages = parseJson<Message[]>(row.input_messages, []);
    record.output_messages = parseJson<Message[]>(row.output_messages, []);
  }
  return record;
}

/** A stored row back to the model, for rewriting a span (e.g. when its logs arrive late). */
export function rowToSpan(row: SpanRow & { start_us: number | string; end_us: number | string }): SpanhouseSpan {
  const { start_time: _s, end_time: _e, input_preview: _ip, output_preview: _op, ...record } = fromRow(row, true);
  return {
    ...record,
    start_time_us: Number(row.start_us),
    end_time_us: Number(row.end_us),
    input_messages: record.input_messages ?? [],
    output_messages: record.output_messages ?? [],
  };
}

export interface SpanLogRow {
  tenant_id: string;
  trace_id: string;
  span_id: string;
  time: number | string;
  seq: number;
  event_name: string;
  body: string;
  attributes: string;
  retention_days?: number;
  content_retention_days?: number;
}

export function toLogRow(log: SpanLog): SpanLogRow {
  return {
    tenant_id: log.tenant_id,
    trace_id: log.trace_id,
    span_id: log.span_id,
    time: log.time_us,
    seq: log.seq ?? 0,
    event_name: log.event_name,
    body: JSON.stringify(log.body ?? null),
    attributes: JSON.stringify(log.attributes),
    ...(log.retention_days !== undefined ? { retention_days: log.retention_days } : {}),
    ...(log.content_retention_days !== undefined ? { content_retention_days: log.content_retention_days } : {}),
  };
}

export function fromLogRow(row: SpanLogRow & { time_us: number | string }): SpanLog {
  return {
    tenant_id: row.tenant_id,
    trace_id: row.trace_id,
    span_id: row.span_id,
    time_us: Number(row.time_us),
    seq: Number(row.seq),
    event_name: row.event_name,
    body: parseJson(row.body, null),
    attributes: parseJson(row.attributes, {}),
  };
}
