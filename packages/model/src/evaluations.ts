// OTel GenAI evaluation results (`gen_ai.evaluation.result`), as span events or as log
// records, become scores on the evaluated span: the event's span (a span event) or the
// log record's span context. Pure: the collector's evaluation stage stores what this finds.
import { asNumber, asString, parseJsonValue } from './attributes.ts';
import type { SpanLog } from './logs.ts';
import type { AttributeValue, Attributes } from './otlp.ts';
import type { SpanhouseSpan } from './types.ts';

export const EVALUATION_EVENT = 'gen_ai.evaluation.result';
/** The score source of evaluations read from OTLP. */
export const OTEL_SCORE_SOURCE = 'otel';

export interface EvaluationScore {
  tenant_id: string;
  trace_id: string;
  span_id: string;
  name: string;
  /** The numeric score when given, else the label. */
  value: number | string;
  /** The explanation, after the label when a numeric score has one too. */
  comment: string;
}

/** One evaluation's attributes (or log body) as a score; null when it names no evaluation or has neither score nor label. */
export function evaluationScore(target: { tenant_id: string; trace_id: string; span_id: string }, attributes: Attributes | AttributeValue): EvaluationScore | null {
  const parsed = parseJsonValue(attributes as AttributeValue);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const name = asString(parsed['gen_ai.evaluation.name'])?.trim();
  if (!name) return null;
  const score = asNumber(parsed['gen_ai.evaluation.score.value']);
  const label = asString(parsed['gen_ai.evaluation.score.label'])?.trim() || undefined;
  const explanation = asString(parsed['gen_ai.evaluation.explanation']) ?? '';
  if (score === undefined && label === undefined) return null;
  const comment = score !== undefined && label !== undefined ? [label, explanation].filter((t) => t !== '').join(': ') : explanation;
  return { ...target, name, value: score ?? (label as string), comment };
}

/** Evaluation results recorded as events on the span they evaluate. */
export function spanEvaluationScores(span: SpanhouseSpan): EvaluationScore[] {
  return span.events
    .filter((e) => e.name === EVALUATION_EVENT)
    .map((e) => evaluationScore(span, e.attributes as Attributes))
    .filter((s): s is EvaluationScore => s !== null);
}

/** Evaluation results sent as log records: the record's span context is the evaluated span; attributes or body carry the result. */
export function logEvaluationScores(logs: SpanLog[]): EvaluationScore[] {
  return logs
    .filter((l) => l.event_name === EVALUATION_EVENT)
    .map((l) => {
      const body = parseJsonValue(l.body);
      const fields = { ...l.attributes, ...(body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {}) };
      return evaluationScore(l, fields);
    })
    .filter((s): s is EvaluationScore => s !== null);
}

/** A score as an OTel `gen_ai.evaluation.result` event (how Spanhouse exports its scores on request). */
export function evaluationEventOf(score: { name: string; value: number | string | boolean; comment: string; created_at: string }): {
  name: string;
  time: string;
  attributes: Record<string, string | number>;
} {
  const attributes: Record<string, string | number> = { 'gen_ai.evaluation.name': score.name };
  if (typeof score.value === 'number') attributes['gen_ai.evaluation.score.value'] = score.value;
  else if (typeof score.value === 'boolean') {
    attributes['gen_ai.evaluation.score.value'] = score.value ? 1 : 0;
    attributes['gen_ai.evaluation.score.label'] = String(score.value);
  } else attributes['gen_ai.evaluation.score.label'] = score.value;
  if (score.comment) attributes['gen_ai.evaluation.explanation'] = score.comment;
  return { name: EVALUATION_EVENT, time: score.created_at, attributes };
}

/**
 * Scores as an OTLP/JSON logs export request (`ExportLogsServiceRequest`): one
 * `gen_ai.evaluation.result` record per score, in its span's context, ready to POST to any
 * OTLP `/v1/logs` endpoint (Spanhouse's own turns them back into scores).
 */
export function evaluationLogsRequest(
  scores: Array<{ trace_id: string; span_id: string; name: string; value: number | string | boolean; comment: string; created_at: string }>,
) {
  const anyValue = (v: string | number) => (typeof v === 'number' ? { doubleValue: v } : { stringValue: v });
  return {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'spanhouse' } }] },
        scopeLogs: [
          {
            scope: { name: 'spanhouse.scores' },
            logRecords: scores.map((score) => {
              const event = evaluationEventOf(score);
              const nanos = String(BigInt(Date.parse(score.created_at)) * 1_000_000n);
              return {
                timeUnixNano: nanos,
                observedTimeUnixNano: nanos,
                eventName: EVALUATION_EVENT,
                traceId: score.trace_id,
                spanId: score.span_id,
                attributes: Object.entries(event.attributes).map(([key, value]) => ({ key, value: anyValue(value) })),
              };
            }),
          },
        ],
      },
    ],
  };
}
