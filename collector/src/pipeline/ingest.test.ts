import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OtlpSpan, OtlpTraceRequest } from '@spanhouse/model';
import { mapInTurns, mapTraceRequest } from './ingest.ts';

const T0 = 1_780_000_000_000_000;
const span = (i: number, valid = true): OtlpSpan => ({
  traceId: (i % 7).toString(16).padStart(32, 'a'),
  spanId: valid ? (i + 1).toString(16).padStart(16, '0') : 'not-hex',
  parentSpanId: '',
  name: `chat ${i}`,
  kind: 3,
  startTimeUs: T0 + i,
  endTimeUs: T0 + i + 1000,
  attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': i },
  events: [],
  links: [],
  status: { code: 0, message: '' },
});

test('an export mapped in turns of the event loop gives the spans, counts and reasons of mapping it at once', async () => {
  let n = 0;
  // every `invalidEvery`-th span has an invalid id (refused with a reason)
  const spans = (count: number, invalidEvery = 0) =>
    Array.from({ length: count }, () => {
      const i = n++;
      return span(i, !(invalidEvery > 0 && i % invalidEvery === 0));
    });
  const request: OtlpTraceRequest = {
    resourceSpans: [
      { resource: { 'service.name': 'a' }, scopeSpans: [{ scope: { name: 's1', version: '1' }, spans: spans(70) }, { scope: { name: 's2', version: '' }, spans: spans(3) }] },
      { resource: { 'service.name': 'refused', tenant: 'bad tenant' }, scopeSpans: [{ scope: { name: 's3', version: '' }, spans: spans(90) }] },
      { resource: { 'service.name': 'b' }, scopeSpans: [] },
      { resource: { 'service.name': 'c' }, scopeSpans: [{ scope: { name: 's4', version: '' }, spans: spans(130, 9) }] },
    ],
  };
  const tenantOf = (resource: Record<string, unknown>) => (resource.tenant === 'bad tenant' ? null : 'default');
  const whole = mapTraceRequest(request, tenantOf);
  const sliced = await mapInTurns(request, tenantOf, () => null);
  assert.equal(whole.spans.length + whole.rejected, 293);
  assert.ok(whole.rejected > 90, 'the refused resource and the invalid spans are counted');
  assert.deepEqual(sliced, whole);
  assert.deepEqual(await mapInTurns({ resourceSpans: [] }, 'default', () => null), { spans: [], rejected: 0, reasons: [] });
});

test('mapping an export leaves the event loop to other requests between slices', async () => {
  const request: OtlpTraceRequest = { resourceSpans: [{ resource: {}, scopeSpans: [{ scope: { name: 's', version: '' }, spans: Array.from({ length: 300 }, (_, i) => span(i)) }] }] };
  const order: string[] = [];
  setImmediate(() => order.push('another request'));
  await mapInTurns(request, 'default').then(() => order.push('mapped'));
  assert.deepEqual(order, ['another request', 'mapped']);
});
