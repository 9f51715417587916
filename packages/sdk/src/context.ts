// withContext(): user, session, metadata and tags for everything that runs inside, carried in
// the OTel context and stamped on every span started there (the app's, the helpers' and the
// instrumentations' alike) by a span processor, as the attributes the collector maps.
import { context, trace, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface TraceContext {
  userId?: string;
  sessionId?: string;
  metadata?: Record<string, string | number | boolean>;
  tags?: string[];
}

// Symbol.for: the ESM and CommonJS builds of the SDK, if both get loaded, share one key.
const CONTEXT_KEY = Symbol.for('spanhouse.sdk.trace-context');

/** The TraceContext in force in `ctx` (merged over every enclosing withContext). */
export function getTraceContext(ctx: Context = context.active()): TraceContext | undefined {
  return ctx.getValue(CONTEXT_KEY) as TraceContext | undefined;
}

function merge(outer: TraceContext | undefined, inner: TraceContext): TraceContext {
  if (!outer) return inner;
  return {
    userId: inner.userId ?? outer.userId,
    sessionId: inner.sessionId ?? outer.sessionId,
    metadata: outer.metadata || inner.metadata ? { ...outer.metadata, ...inner.metadata } : undefined,
    tags: outer.tags || inner.tags ? [...new Set([...(outer.tags ?? []), ...(inner.tags ?? [])])] : undefined,
  };
}

/** Runs fn with these fields on every span started inside it; nested calls merge (inner wins). */
export function withContext<T>(fields: TraceContext, fn: () => T): T {
  const active = context.active();
  return context.with(active.setValue(CONTEXT_KEY, merge(getTraceContext(active), fields)), fn);
}

/** The Spanhouse attributes for a TraceContext (`spanhouse.*`, read by the collector's spanhouse dialect). */
export function contextAttributes(fields: TraceContext): Record<string, string | string[]> {
  const attributes: Record<string, string | string[]> = {};
  if (fields.userId) attributes['spanhouse.user_id'] = fields.userId;
  if (fields.sessionId) attributes['spanhouse.session_id'] = fields.sessionId;
  if (fields.tags?.length) attributes['spanhouse.tags'] = fields.tags;
  for (const [key, value] of Object.entries(fields.metadata ?? {})) attributes[`spanhouse.metadata.${key}`] = String(value);
  return attributes;
}

/** Stamps the TraceContext of the context a span starts in onto the span. */
export class TraceContextProcessor implements SpanProcessor {
  onStart(span: Span, parentContext: Context): void {
    const fields = getTraceContext(parentContext);
    if (fields) span.setAttributes(contextAttributes(fields));
  }
  onEnd(_span: ReadableSpan): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** The active trace's id (32 hex characters), for linking app logs; undefined outside a trace. */
export function currentTraceId(): string | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && trace.isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

/** The active span's id (16 hex characters), e.g. to give feedback on it later. */
export function currentSpanId(): string | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && trace.isSpanContextValid(spanContext) ? spanContext.spanId : undefined;
}
