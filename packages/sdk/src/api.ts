// Helpers over the Spanhouse REST API: logTrace (POST /api/traces), feedback and score. They
// use init's endpoint and key (or the environment when init was not called).
import { trace } from '@opentelemetry/api';
import { resolveConfig } from './config.ts';
import { getTraceContext } from './context.ts';
import { state } from './state.ts';

type Content = string | unknown[] | Record<string, unknown>;
type ScoreValue = number | string | boolean;

/** One LLM call made without a client library: the body of POST /api/traces. */
export interface LogTraceInput {
  model: string;
  provider?: string;
  /** GenAI operation: chat (default), text_completion, embeddings, … */
  operation?: string;
  name?: string;
  input?: Content;
  output?: Content;
  input_tokens?: number;
  output_tokens?: number;
  total_tokens?: number;
  cache_read_tokens?: number;
  cache_write_tokens?: number;
  reasoning_tokens?: number;
  cost_usd?: number;
  /** ISO-8601. */
  start_time?: string;
  end_time?: string;
  latency_ms?: number;
  ttft_ms?: number;
  finish_reasons?: string[];
  status?: 'success' | 'error' | 'timeout';
  error?: string | { type?: string; message?: string };
  metadata?: Record<string, string | number | boolean>;
  tags?: string[];
  user_id?: string;
  session_id?: string;
  routing_alias?: string;
  service?: string;
  /** Default: the active trace, so the call nests under the current span. */
  trace_id?: string;
  parent_span_id?: string;
  span_id?: string;
  scores?: Array<{ name: string; value: ScoreValue; comment?: string }>;
}

export interface LoggedTrace {
  trace_id: string;
  span_id: string;
}

export class SpanhouseApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    message: string,
  ) {
    super(message);
    this.name = 'SpanhouseApiError';
  }
}

const SPAN_ID = /^[0-9a-f]{16}$/i;
const TRACE_ID = /^[0-9a-f]{32}$/i;

async function request<T>(method: string, path: string, body: unknown): Promise<T> {
  const config = state.config ?? resolveConfig();
  const res = await fetch(`${config.apiUrl}${path}`, {
    method,
    headers: { ...config.headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const parsed = text ? JSON.parse(text) : null;
  if (!res.ok) throw new SpanhouseApiError(res.status, parsed, `${method} ${path}: ${res.status} ${parsed?.error?.message ?? text}`);
  return parsed as T;
}

/**
 * Feedback and scores name a span or trace that must already be stored: export what has
 * ended first, then retry a not-found a few times (the span may come from another process).
 */
async function onStored<T>(method: string, path: string, body: unknown): Promise<T> {
  await state.flush?.();
  for (let attempt = 1; ; attempt++) {
    try {
      return await request<T>(method, path, body);
    } catch (err) {
      if (!(err instanceof SpanhouseApiError && err.status === 404) || attempt === 5) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

function target(id: string): 'spans' | 'traces' {
  if (SPAN_ID.test(id)) return 'spans';
  if (TRACE_ID.test(id)) return 'traces';
  throw new TypeError(`not a span id (16 hex) or trace id (32 hex): ${id}`);
}

/**
 * Logs one LLM call through the API (priced, redacted and clustered like any span). Inside a
 * trace it becomes a child of the active span, with withContext's user, session, metadata and tags.
 */
export function logTrace(input: LogTraceInput): Promise<LoggedTrace> {
  const body: LogTraceInput = { ...input };
  const active = trace.getActiveSpan()?.spanContext();
  if (active && trace.isSpanContextValid(active) && !body.trace_id) {
    body.trace_id = active.traceId;
    body.parent_span_id ??= active.spanId;
  }
  const fields = getTraceContext();
  if (fields) {
    body.user_id ??= fields.userId;
    body.session_id ??= fields.sessionId;
    if (fields.metadata) body.metadata = { ...fields.metadata, ...body.metadata };
    if (fields.tags) body.tags = [...new Set([...fields.tags, ...(body.tags ?? [])])];
  }
  if (!body.service && state.config) body.service = state.config.serviceName;
  return request<LoggedTrace>('POST', '/api/traces', body);
}

/**
 * Thumbs up or down on a span (a feedback event, which also sets the boolean score `feedback`)
 * or on a whole trace (the trace score `feedback`).
 */
export async function feedback(spanOrTraceId: string, value: 'up' | 'down', comment?: string): Promise<void> {
  if (value !== 'up' && value !== 'down') throw new TypeError(`feedback is 'up' or 'down', got ${value}`);
  const id = spanOrTraceId.toLowerCase();
  if (target(id) === 'spans') {
    await onStored('POST', `/api/spans/${id}/events`, { kind: 'feedback', source: 'sdk', data: comment === undefined ? { value } : { value, comment } });
  } else {
    await onStored('POST', `/api/traces/${id}/scores`, { name: 'feedback', value: value === 'up', ...(comment === undefined ? {} : { comment }) });
  }
}

/** A numeric, categorical or boolean score on a span or a trace; setting a name again replaces it. */
export async function score(spanOrTraceId: string, name: string, value: ScoreValue, comment?: string): Promise<void> {
  const id = spanOrTraceId.toLowerCase();
  await onStored('POST', `/api/${target(id)}/${id}/scores`, { name, value, ...(comment === undefined ? {} : { comment }) });
}
