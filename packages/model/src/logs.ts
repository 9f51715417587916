// GenAI content delivered as OTLP log records (the official Node
// @opentelemetry/instrumentation-openai, OTel conventions v1.28–1.36, OpenLLMetry's
// events mode) is joined to its span by trace and span id. Pure functions only: the
// collector stores SpanLogs and calls attachLogs whichever arrives first.
import { asString, parseJsonValue } from './attributes.ts';
import { eventMessages } from './dialects/otel-genai.ts';
import { messagesText, toMessages } from './messages.ts';
import { SPAN_ID_PATTERN, TRACE_ID_PATTERN, type AttributeValue, type Attributes, type OtlpLogsRequest } from './otlp.ts';
import { MAX_STORED_TIME_US, wellFormedInPlace } from './storable.ts';
import type { Message, SpanhouseSpan } from './types.ts';

/** A log record that belongs to a span. */
export interface SpanLog {
  tenant_id: string;
  trace_id: string;
  span_id: string;
  time_us: number;
  /** Position of the record in its export request: orders records stamped with the same time. */
  seq?: number;
  event_name: string;
  body: AttributeValue;
  attributes: Attributes;
  /** Retention of the log (content), set from the tenant's policy at ingest. */
  retention_days?: number;
  content_retention_days?: number;
}

const INPUT_ROLES: Record<string, string> = {
  'gen_ai.system.message': 'system',
  'gen_ai.user.message': 'user',
  'gen_ai.assistant.message': 'assistant',
  'gen_ai.tool.message': 'tool',
};
const OPERATION_DETAILS = 'gen_ai.client.inference.operation.details';

/** The event name wherever the sender put it: LogRecord.event_name, `event.name` attribute, or inside the body. */
export function logEventName(eventName: string, attributes: Attributes, body: AttributeValue): string {
  if (eventName) return eventName;
  const fromAttributes = asString(attributes['event.name']);
  if (fromAttributes) return fromAttributes;
  const parsed = parseJsonValue(body);
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return asString(parsed['event.name']) ?? '';
  return '';
}

/**
 * The tenant of a resource's data: one tenant for the whole request, or decided per resource
 * (a trusted relay forwarding many tenants); null when the resource names no valid tenant.
 */
export type TenantOf = string | ((resource: Attributes) => string | null);

export function tenantOfResource(tenantOf: TenantOf, resource: Attributes): string | null {
  return typeof tenantOf === 'string' ? tenantOf : tenantOf(resource);
}

/** Log records with a span context become SpanLogs; the rest (and those of an invalid tenant) are counted as unattached. */
export function spanLogsFromRequest(request: OtlpLogsRequest, tenantOf: TenantOf): { logs: SpanLog[]; unattached: number } {
  const logs: SpanLog[] = [];
  let unattached = 0;
  for (const { resource, scopeLogs } of request.resourceLogs) {
    const tenantId = tenantOfResource(tenantOf, resource);
    for (const { logRecords } of scopeLogs) {
      for (const record of logRecords) {
        const seq = logs.length + unattached;
        const timeUs = record.timeUs || record.observedTimeUs;
        // what ClickHouse cannot store (a time outside 1970–2106, nesting past MAX_STORED_DEPTH) is not attached either
        const storable = Number.isSafeInteger(timeUs) && timeUs >= 0 && timeUs < MAX_STORED_TIME_US && !wellFormedInPlace(record as unknown as Record<string, unknown>);
        if (tenantId === null || !TRACE_ID_PATTERN.test(record.traceId) || !SPAN_ID_PATTERN.test(record.spanId) || !storable) {
          unattached++;
          continue;
        }
        logs.push({
          tenant_id: tenantId,
          trace_id: record.traceId,
          span_id: record.spanId,
          time_us: timeUs,
          seq,
          event_name: logEventName(record.eventName, record.attributes, record.body),
          body: record.body,
          attributes: record.attributes,
        });
      }
    }
  }
  return { logs, unattached };
}

function logMessages(log: SpanLog): { input: Message[]; output: Message[] } {
  if (Object.hasOwn(INPUT_ROLES, log.event_name)) return { input: eventMessages(log.body, INPUT_ROLES[log.event_name]), output: [] };
  if (log.event_name === 'gen_ai.choice') return { input: [], output: eventMessages(log.body, 'assistant') };
  if (log.event_name === OPERATION_DETAILS) {
    const body = parseJsonValue(log.body);
    const source = { ...log.attributes, ...(body && typeof body === 'object' && !Array.isArray(body) ? body : {}) };
    const system = toMessages(source['gen_ai.system_instructions'], 'system').map((m) => ({ ...m, role: 'system' }));
    return {
      input: [...system, ...toMessages(source['gen_ai.input.messages'], 'user')],
      output: toMessages(source['gen_ai.output.messages'], 'assistant'),
    };
  }
  return { input: [], output: [] };
}

const hasText = (m: Message) => m.content !== '' || (m.tool_calls?.length ?? 0) > 0;

/** Span events that came from log records carry the log body under this attribute. */
export const LOG_BODY_ATTRIBUTE = 'log.body';
const LOGS_DIALECT = 'otel-genai-logs';

/**
 * Joins logs to their span: every log becomes a span event (body under `log.body`),
 * and GenAI message logs fill input/output unless the span's own attributes carried
 * messages. Idempotent and order-free: a log already attached is not added twice, and
 * messages are rebuilt from all log events each time, in log time order.
 */
export function attachLogs(span: SpanhouseSpan, logs: SpanLog[]): SpanhouseSpan {
  const mine = logs
    .filter((l) => l.trace_id === span.trace_id && l.span_id === span.span_id)
    .sort((a, b) => a.time_us - b.time_us || (a.seq ?? 0) - (b.seq ?? 0));
  if (mine.length === 0) return span;
  const events = [...span.events];
  const seen = new Set(events.map((e) => eventKey(e.name, e.time, e.attributes[LOG_BODY_ATTRIBUTE])));
  for (const log of mine) {
    const name = log.event_name || 'log';
    const time = new Date(log.time_us / 1000).toISOString();
    const key = eventKey(name, time, log.body);
    if (seen.has(key)) continue;
    seen.add(key);
    events.push({ name, time, attributes: { ...log.attributes, [LOG_BODY_ATTRIBUTE]: log.body } });
  }
  events.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));

  const input: Message[] = [];
  const output: Message[] = [];
  for (const event of events) {
    if (!(LOG_BODY_ATTRIBUTE in event.attributes)) continue;
    const messages = logMessages({
      ...mine[0],
      event_name: event.name,
      body: event.attributes[LOG_BODY_ATTRIBUTE] as AttributeValue,
      attributes: event.attributes as Attributes,
    });
    input.push(...messages.input.filter(hasText));
    output.push(...messages.output.filter(hasText));
  }
  const next: SpanhouseSpan = { ...span, events };
  const fromLogs = span.mapping.dialects.includes(LOGS_DIALECT);
  let used = false;
  if ((span.input_messages.length === 0 || fromLogs) && input.length > 0) {
    next.input_messages = input;
    next.input_text = messagesText(input);
    used = true;
  }
  if ((span.output_messages.length === 0 || fromLogs) && output.length > 0) {
    next.output_messages = output;
    next.output_text = messagesText(output);
    used = true;
  }
  if (used && !fromLogs) next.mapping = { ...span.mapping, dialects: [...span.mapping.dialects, LOGS_DIALECT] };
  return next;
}

function eventKey(name: string, time: string, body: unknown): string {
  return `${name}\u0000${time}\u0000${JSON.stringify(body ?? null)}`;
}
