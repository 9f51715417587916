// A gateway call as OTLP spans in the OTel GenAI conventions, so it goes through the same
// ingest pipeline as any exported span (mapping, pricing, redaction, clustering, retention).
// One span for the call, with one child span per upstream attempt. Pure.
import type { Attributes, OtlpSpan, OtlpTraceRequest } from '@spanhouse/model';
import type { ChatMessage, Usage } from './openai.ts';
import { newSpanId, newTraceId } from '../api/span-input.ts';
import type { AttemptRecord, RouteTarget } from './routing.ts';


export const GATEWAY_SERVICE = 'spanhouse-gateway';
export const GATEWAY_SCOPE = 'spanhouse.gateway';

/** Span fields from the x-spanhouse-* request headers. */
export interface CallFields {
  userId?: string;
  sessionId?: string;
  tags?: string[];
  metadata?: Record<string, string>;
}

export interface CallRecord {
  operation: 'chat' | 'embeddings';
  traceId: string;
  spanId: string;
  /** The caller's span (traceparent), or empty for a new trace. */
  parentSpanId: string;
  startMs: number;
  endMs: number;
  /** The model the client asked for (an alias, `provider/model`, or a model). */
  requestModel: string;
  alias: string | null;
  /** The request body as the client sent it. */
  request: Record<string, unknown>;
  stream: boolean;
  /** The target that answered, if one did. */
  target: RouteTarget | null;
  responseModel: string;
  output: ChatMessage | null;
  finishReasons: string[];
  usage: Usage | null;
  ttftMs: number | null;
  attempts: AttemptRecord[];
  error: { type: string; message: string } | null;
  /** HTTP status the client got. */
  httpStatus: number;
  fields: CallFields;
  /** A span this call replays (playground runs). */
  linkedSpan?: { traceId: string; spanId: string };
}

/** Pure: trace and parent span of a W3C traceparent header; null when absent or malformed. */
export function parseTraceparent(header: string | undefined): { traceId: string; parentSpanId: string } | null {
  const match = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec((header ?? '').trim().toLowerCase());
  if (!match || match[1] === 'ff' || /^0+$/.test(match[2]) || /^0+$/.test(match[3])) return null;
  return { traceId: match[2], parentSpanId: match[3] };
}

const REQUEST_PARAMS: Array<[string, string]> = [
  ['temperature', 'gen_ai.request.temperature'],
  ['top_p', 'gen_ai.request.top_p'],
  ['frequency_penalty', 'gen_ai.request.frequency_penalty'],
  ['presence_penalty', 'gen_ai.request.presence_penalty'],
  ['seed', 'gen_ai.request.seed'],
];

function requestAttributes(request: Record<string, unknown>, a: Attributes): void {
  for (const [field, key] of REQUEST_PARAMS) if (typeof request[field] === 'number') a[key] = request[field] as number;
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (typeof maxTokens === 'number') a['gen_ai.request.max_tokens'] = maxTokens;
  if (typeof request.stop === 'string') a['gen_ai.request.stop_sequences'] = [request.stop];
  else if (Array.isArray(request.stop)) a['gen_ai.request.stop_sequences'] = request.stop.map(String);
  if (Array.isArray(request.tools) && request.tools.length > 0) a['gen_ai.tool.definitions'] = JSON.stringify(request.tools);
  if (request.tool_choice !== undefined) a['spanhouse.gateway.tool_choice'] = JSON.stringify(request.tool_choice);
}

function usageAttributes(usage: Usage, a: Attributes): void {
  a['gen_ai.usage.input_tokens'] = usage.prompt_tokens ?? 0;
  a['gen_ai.usage.output_tokens'] = usage.completion_tokens ?? 0;
  if (typeof usage.total_tokens === 'number') a['gen_ai.usage.total_tokens'] = usage.total_tokens;
  const cached = usage.prompt_tokens_details?.cached_tokens;
  if (cached) a['gen_ai.usage.cache_read.input_tokens'] = cached;
  if (usage.cache_creation_input_tokens) a['gen_ai.usage.cache_creation.input_tokens'] = usage.cache_creation_input_tokens;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  if (reasoning) a['gen_ai.usage.reasoning.output_tokens'] = reasoning;
}

function fieldAttributes(fields: CallFields, alias: string | null, a: Attributes): void {
  if (alias) a['spanhouse.routing_alias'] = alias;
  if (fields.userId) a['spanhouse.user_id'] = fields.userId;
  if (fields.sessionId) a['spanhouse.session_id'] = fields.sessionId;
  if (fields.tags?.length) a['spanhouse.tags'] = fields.tags;
  for (const [key, value] of Object.entries(fields.metadata ?? {})) a[`spanhouse.metadata.${key}`] = value;
}

const us = (ms: number) => Math.round(ms * 1000);

/** Pure: the input messages of a call (chat messages, or embedding inputs as user turns). */
function inputMessages(record: CallRecord): unknown {
  if (record.operation === 'chat') return record.request.messages ?? [];
  const input = record.request.input;
  return (Array.isArray(input) ? input : [input]).map((text) => ({ role: 'user', content: typeof text === 'string' ? text : JSON.stringify(text) }));
}

/** Pure: the call's span and one child per attempt, as one OTLP export request. */
export function callSpans(record: CallRecord): OtlpTraceRequest {
  const a: Attributes = { 'gen_ai.operation.name': record.operation, 'gen_ai.request.model': record.requestModel };
  // The target that answered, else the last one tried: a failed call names the upstream model
  // (without the provider prefix) as an answered one does; request_model keeps what the client sent.
  const target = record.target ?? record.attempts[record.attempts.length - 1]?.target;
  if (target) {
    a['gen_ai.provider.name'] = target.provider.providerName;
    a['gen_ai.response.model'] = record.responseModel || target.model;
  }
  a['gen_ai.input.messages'] = JSON.stringify(inputMessages(record));
  if (record.output) a['gen_ai.output.messages'] = JSON.stringify([{ ...record.output, finish_reason: record.finishReasons[0] }]);
  if (record.finishReasons.length > 0) a['gen_ai.response.finish_reasons'] = record.finishReasons;
  if (record.usage) usageAttributes(record.usage, a);
  if (record.ttftMs !== null) a['gen_ai.response.time_to_first_chunk'] = record.ttftMs / 1000;
  requestAttributes(record.request, a);
  fieldAttributes(record.fields, record.alias, a);
  if (record.operation === 'chat') a['gen_ai.request.stream'] = record.stream;
  a['spanhouse.gateway.attempts'] = record.attempts.length;
  a['http.response.status_code'] = record.httpStatus;
  if (record.error) a['error.type'] = record.error.type;
  const call: OtlpSpan = {
    traceId: record.traceId,
    spanId: record.spanId,
    parentSpanId: record.parentSpanId,
    name: `${record.operation} ${record.requestModel}`,
    kind: 2,
    startTimeUs: us(record.startMs),
    endTimeUs: us(Math.max(record.endMs, record.startMs)),
    attributes: a,
    events: [],
    links: record.linkedSpan ? [{ ...record.linkedSpan, attributes: { 'spanhouse.link': 'playground_source' } }] : [],
    status: record.error ? { code: 2, message: record.error.message } : { code: 1, message: '' },
  };
  const attempts: OtlpSpan[] = record.attempts.map((attempt, i) => {
    const attrs: Attributes = {
      'spanhouse.span.type': 'span',
      'spanhouse.gateway.attempt': i + 1,
      'spanhouse.gateway.target': `${attempt.target.provider.name}/${attempt.target.model}`,
      'server.address': safeHost(attempt.target.provider.baseUrl),
    };
    if (attempt.status !== null) attrs['http.response.status_code'] = attempt.status;
    if (attempt.errorType) attrs['error.type'] = attempt.errorType;
    return {
      traceId: record.traceId,
      spanId: newSpanId(),
      parentSpanId: record.spanId,
      name: `attempt ${i + 1} ${attempt.target.provider.name}/${attempt.target.model}`,
      kind: 3,
      startTimeUs: us(attempt.startMs),
      endTimeUs: us(Math.max(attempt.endMs || record.endMs, attempt.startMs)),
      attributes: attrs,
      events: [],
      links: [],
      status: attempt.errorType ? { code: 2, message: attempt.errorMessage } : { code: 1, message: '' },
    };
  });
  return {
    resourceSpans: [{ resource: { 'service.name': GATEWAY_SERVICE }, scopeSpans: [{ scope: { name: GATEWAY_SCOPE, version: '' }, spans: [call, ...attempts] }] }],
  };
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}
