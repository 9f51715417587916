// Shared by the dialect tests: a minimal OTLP span and mapSpan with fixed context.
import { mapSpan } from '../map-span.ts';
import type { Attributes, OtlpSpan } from '../otlp.ts';
import type { SpanhouseSpan } from '../types.ts';

export const START_US = 1_700_000_000_000_000;

export function otlpSpan(attributes: Attributes, extra: Partial<OtlpSpan> = {}): OtlpSpan {
  return {
    traceId: 'a'.repeat(32),
    spanId: 'b'.repeat(16),
    parentSpanId: '',
    name: 'span',
    kind: 1,
    startTimeUs: START_US,
    endTimeUs: START_US + 2_000_000,
    attributes,
    events: [],
    links: [],
    status: { code: 0, message: '' },
    ...extra,
  };
}

export function mapAttributes(attributes: Attributes, extra: Partial<OtlpSpan> = {}): SpanhouseSpan {
  return mapSpan({ span: otlpSpan(attributes, extra), resource: { 'service.name': 'svc' }, scope: { name: 'test', version: '' }, tenantId: 't1' });
}
