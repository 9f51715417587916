// JSON bodies of the write routes, and how they become OTLP spans. The API writes
// through the same mapping and pipeline as OTLP, so a span logged here is priced,
// redacted and clustered like any other; these functions only build the OTLP shape.
import { randomBytes } from 'node:crypto';
import {
  MAX_TEXT_CHARS,
  SPAN_ID_PATTERN,
  SPAN_TYPES,
  TRACE_ID_PATTERN,
  messagesText,
  toMessages,
  type Attributes,
  type OtlpTraceRequest,
  type SpanhouseSpan,
} from '@spanhouse/model';
import { z } from 'zod';
import { OPEN_SPAN_ATTRIBUTE } from '../store/search.ts';
import { ApiError } from './errors.ts';
import { timeParam } from './filters.ts';


const short = (max = 1000) => z.string().max(max);
/** An ISO-8601 time, as unix microseconds. */
const time = timeParam.transform((date) => date.getTime() * 1000);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const traceId = z.string().toLowerCase().regex(TRACE_ID_PATTERN, 'must be 32 hex characters');
const spanId = z.string().toLowerCase().regex(SPAN_ID_PATTERN, 'must be 16 hex characters');

/** Input or output: a string, a message list in any common shape, or any JSON object. */
export const content = z.union([z.string(), z.array(z.unknown()), z.record(z.string(), z.unknown())]);
const metadata = z.record(short(200), z.union([short(10_000), z.number(), z.boolean()])).refine((m) => Object.keys(m).length <= 100, 'at most 100 keys');
const tags = z.array(short(200)).max(50);
const status = z.enum(['success', 'error', 'timeout']);
const error = z.union([short(10_000), z.object({ type: short(200).optional(), message: short(10_000).optional() }).strict()]);

export const scoreBody = z
  .object({ name: z.string().min(1).max(200), value: z.union([z.number().finite(), z.string().min(1).max(1000), z.boolean()]), comment: short(10_000).optional() })
  .strict();

const usage = {
  input_tokens: count.optional(),
  output_tokens: count.optional(),
  total_tokens: count.optional(),
  cache_read_tokens: count.optional(),
  cache_write_tokens: count.optional(),
  reasoning_tokens: count.optional(),
  cost_usd: z.number().finite().min(0).optional(),
};

const common = {
  trace_id: traceId.optional(),
  span_id: spanId.optional(),
  parent_span_id: spanId.optional(),
  name: short(500).min(1).optional(),
  model: short(200).optional(),
  provider: short(200).optional(),
  input: content.optional(),
  output: content.optional(),
  ...usage,
  start_time: time.optional(),
  end_time: time.optional(),
  latency_ms: z.number().finite().min(0).optional(),
  status: status.optional(),
  error: error.optional(),
  metadata: metadata.optional(),
  tags: tags.optional(),
  user_id: short(500).optional(),
  session_id: short(500).optional(),
  routing_alias: short(200).optional(),
  service: short(200).optional(),
  scores: z.array(scoreBody).max(50).optional(),
  /** Trusted-relay keys only. */
  tenant_id: short(63).optional(),
};

/** POST /api/traces: one LLM call in one body. */
export const logTraceBody = z
  .object({
    ...common,
    model: short(200).min(1),
    /** GenAI operation: chat (default), text_completion, embeddings, … */
    operation: short(100).optional(),
    ttft_ms: z.number().finite().min(0).optional(),
    finish_reasons: z.array(short(100)).max(20).optional(),
  })
  .strict();

/** POST /api/spans: any span; without end_time (and status) it stays open, shown as running. */
export const createSpanBody = z
  .object({
    ...common,
    name: short(500).min(1),
    type: z.enum(SPAN_TYPES).optional(),
    attributes: z.record(short(200), z.union([short(100_000), z.number(), z.boolean()])).optional(),
  })
  .strict();

/** PATCH /api/spans/:id. */
export const patchSpanBody = z
  .object({
    output: content.optional(),
    end_time: time.optional(),
    status: status.optional(),
    error: error.optional(),
    /** Merged into the span's metadata; a null value removes the key. */
    metadata: z.record(short(200), z.union([short(10_000), z.number(), z.boolean(), z.null()])).optional(),
    tags: tags.optional(),
    model: short(200).optional(),
    ...usage,
    score: scoreBody.optional(),
    scores: z.array(scoreBody).max(50).optional(),
    /** Named measurements (latency of a sub-step, a grader's number, …), stored as numeric scores. */
    metrics: z.array(z.object({ name: z.string().min(1).max(200), value: z.number().finite(), comment: short(10_000).optional() }).strict()).max(50).optional(),
    tenant_id: short(63).optional(),
  })
  .strict();

export type LogTraceBody = z.infer<typeof logTraceBody>;
export type CreateSpanBody = z.infer<typeof createSpanBody>;
export type PatchSpanBody = z.infer<typeof patchSpanBody>;

export const newTraceId = () => randomBytes(16).toString('hex');
export const newSpanId = () => randomBytes(8).toString('hex');

const messagesJson = (value: z.infer<typeof content>, role: string) => JSON.stringify(typeof value === 'string' ? [{ role, content: value }] : value);

/** Start and end in µs from whichever of start, end and latency were given (end defaults to now). */
export function spanTimes(body: { start_time?: number; end_time?: number; latency_ms?: number }, nowUs: number, open = false): { startUs: number; endUs: number } {
  const latencyUs = body.latency_ms !== undefined ? Math.round(body.latency_ms * 1000) : undefined;
  if (body.start_time !== undefined) {
    // A start without an end or latency is a call of unknown length (or a span still open): it ends where it starts.
    const endUs = body.end_time ?? body.start_time + (latencyUs ?? 0);
    if (endUs < body.start_time) throw new ApiError(400, 'bad_request', 'end_time: before start_time');
    return { startUs: body.start_time, endUs };
  }
  const endUs = body.end_time ?? nowUs;
  return { startUs: open ? endUs : endUs - (latencyUs ?? 0), endUs };
}

/** OTLP attributes for the fields shared by both create routes. */
function commonAttributes(body: LogTraceBody | CreateSpanBody): Attributes {
  const a: Attributes = {};
  if (body.model) a['gen_ai.request.model'] = body.model;
  if (body.provider) a['gen_ai.provider.name'] = body.provider;
  if (body.input !== undefined) a['gen_ai.input.messages'] = messagesJson(body.input, 'user');
  if (body.output !== undefined) a['gen_ai.output.messages'] = messagesJson(body.output, 'assistant');
  if (body.input_tokens !== undefined) a['gen_ai.usage.input_tokens'] = body.input_tokens;
  if (body.output_tokens !== undefined) a['gen_ai.usage.output_tokens'] = body.output_tokens;
  if (body.total_tokens !== undefined) a['gen_ai.usage.total_tokens'] = body.total_tokens;
  if (body.cache_read_tokens !== undefined) a['gen_ai.usage.cache_read.input_tokens'] = body.cache_read_tokens;
  if (body.cache_write_tokens !== undefined) a['gen_ai.usage.cache_creation.input_tokens'] = body.cache_write_tokens;
  if (body.reasoning_tokens !== undefined) a['gen_ai.usage.reasoning.output_tokens'] = body.reasoning_tokens;
  if (body.cost_usd !== undefined) a['gen_ai.usage.cost'] = body.cost_usd;
  if (body.user_id) a['spanhouse.user_id'] = body.user_id;
  if (body.session_id) a['spanhouse.session_id'] = body.session_id;
  if (body.routing_alias) a['spanhouse.routing_alias'] = body.routing_alias;
  if (body.tags) a['spanhouse.tags'] = body.tags;
  for (const [key, value] of Object.entries(body.metadata ?? {})) a[`spanhouse.metadata.${key}`] = String(value);
  if (typeof body.error === 'object' && body.error.type) a['error.type'] = body.error.type;
  return a;
}

function otlpStatus(body: { status?: string; error?: z.infer<typeof error> }): { code: number; message: string } {
  const message = typeof body.error === 'string' ? body.error : body.error?.message ?? '';
  if (body.status === 'timeout') return { code: 2, message: message || 'timeout' };
  if (body.status === 'error' || (body.error !== undefined && body.status !== 'success')) return { code: 2, message };
  return { code: body.status === 'success' ? 1 : 0, message: '' };
}

export interface SpanDraft {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  startUs: number;
  endUs: number;
  attributes: Attributes;
  status: { code: number; message: string };
  service: string;
}

export function logTraceDraft(body: LogTraceBody, nowUs: number): SpanDraft {
  const { startUs, endUs } = spanTimes(body, nowUs);
  const attributes = commonAttributes(body);
  const operation = body.operation ?? 'chat';
  attributes['gen_ai.operation.name'] = operation;
  if (body.ttft_ms !== undefined) attributes['gen_ai.response.time_to_first_chunk'] = body.ttft_ms / 1000;
  if (body.finish_reasons) attributes['gen_ai.response.finish_reasons'] = body.finish_reasons;
  return {
    traceId: body.trace_id ?? newTraceId(),
    spanId: body.span_id ?? newSpanId(),
    parentSpanId: body.parent_span_id ?? '',
    name: body.name ?? `${operation} ${body.model}`,
    startUs,
    endUs,
    attributes,
    status: otlpStatus(body),
    service: body.service ?? 'spanhouse-api',
  };
}

/** A custom span; `traceId` is decided by the caller (from the body, the parent, or new). */
export function createSpanDraft(body: CreateSpanBody, traceId: string, nowUs: number): SpanDraft {
  const open = body.end_time === undefined && body.latency_ms === undefined && body.status === undefined && body.error === undefined;
  const { startUs, endUs } = spanTimes(body, nowUs, open);
  const attributes: Attributes = { ...(body.attributes ?? {}), ...commonAttributes(body) };
  if (body.type) attributes['spanhouse.span.type'] = body.type;
  if (open) attributes[OPEN_SPAN_ATTRIBUTE] = true;
  return {
    traceId,
    spanId: body.span_id ?? newSpanId(),
    parentSpanId: body.parent_span_id ?? '',
    name: body.name,
    startUs,
    endUs,
    attributes,
    status: otlpStatus(body),
    service: body.service ?? 'spanhouse-api',
  };
}

export function otlpRequestOf(draft: SpanDraft): OtlpTraceRequest {
  return {
    resourceSpans: [
      {
        resource: { 'service.name': draft.service },
        scopeSpans: [
          {
            scope: { name: 'spanhouse.api', version: '' },
            spans: [
              {
                traceId: draft.traceId,
                spanId: draft.spanId,
                parentSpanId: draft.parentSpanId,
                name: draft.name,
                kind: 1,
                startTimeUs: draft.startUs,
                endTimeUs: draft.endUs,
                attributes: draft.attributes,
                events: [],
                links: [],
                status: draft.status,
              },
            ],
          },
        ],
      },
    ],
  };
}

/** Applies a PATCH to a stored span (pure); scores are stored apart. */
export function applyPatch(span: SpanhouseSpan, patch: PatchSpanBody, nowUs: number): SpanhouseSpan {
  const next: SpanhouseSpan = { ...span, metadata: { ...span.metadata }, span_attributes: { ...span.span_attributes } };
  if (patch.output !== undefined) {
    const messages = toMessages(messagesJson(patch.output, 'assistant'), 'assistant');
    const text = messagesText(messages);
    next.output_messages = messages;
    next.output_text = text.slice(0, MAX_TEXT_CHARS);
    if (text.length > MAX_TEXT_CHARS) next.truncated = true;
  }
  const closing = patch.end_time !== undefined || patch.status !== undefined || patch.error !== undefined;
  if (closing) {
    const endUs = patch.end_time ?? (span.span_attributes[OPEN_SPAN_ATTRIBUTE] === 'true' ? nowUs : span.end_time_us);
    if (endUs < span.start_time_us) throw new ApiError(400, 'bad_request', 'end_time: before the span started');
    next.end_time_us = endUs;
    next.latency_ms = (endUs - span.start_time_us) / 1000;
    delete next.span_attributes[OPEN_SPAN_ATTRIBUTE];
  }
  if (patch.status !== undefined || patch.error !== undefined) {
    const message = typeof patch.error === 'string' ? patch.error : patch.error?.message ?? '';
    next.status = patch.status ?? 'error';
    next.error_type = next.status === 'success' ? '' : (typeof patch.error === 'object' ? patch.error.type : undefined) ?? next.error_type;
    next.error_message = next.status === 'success' ? '' : message || next.error_message;
  }
  for (const [key, value] of Object.entries(patch.metadata ?? {})) {
    if (value === null) delete next.metadata[key];
    else next.metadata[key] = String(value);
  }
  if (patch.tags) next.tags = [...new Set(patch.tags)];
  if (patch.model) next.model = patch.model;
  if (patch.input_tokens !== undefined) next.input_tokens = patch.input_tokens;
  if (patch.output_tokens !== undefined) next.output_tokens = patch.output_tokens;
  if (patch.cache_read_tokens !== undefined) next.cache_read_tokens = patch.cache_read_tokens;
  if (patch.cache_write_tokens !== undefined) next.cache_write_tokens = patch.cache_write_tokens;
  if (patch.reasoning_tokens !== undefined) next.reasoning_tokens = patch.reasoning_tokens;
  if (patch.input_tokens !== undefined || patch.output_tokens !== undefined || patch.total_tokens !== undefined) {
    next.total_tokens = patch.total_tokens ?? next.input_tokens + next.output_tokens;
  }
  if (patch.cost_usd !== undefined) {
    next.cost_usd = patch.cost_usd;
    next.cost_source = 'client';
  }
  return next;
}

/** Whether a PATCH changes the span itself (not only its scores). */
export function changesSpan(patch: PatchSpanBody): boolean {
  const { score: _s, scores: _ss, metrics: _m, tenant_id: _t, ...rest } = patch;
  return Object.values(rest).some((v) => v !== undefined);
}
