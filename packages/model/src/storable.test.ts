import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapSpan } from './map-span.ts';
import type { Attributes, OtlpSpan } from './otlp.ts';
import { MAX_LABEL_CHARS, MAX_STORED_DEPTH, TTL_WRAP_US, storableProblem, wellFormedInPlace } from './storable.ts';
import type { SpanhouseSpan } from './types.ts';

const NOW_US = Date.UTC(2026, 10, 30) * 1000;
const limits = { nowUs: NOW_US, retentionDays: 30 };

function mapped(over: Partial<OtlpSpan> = {}, attributes: Attributes = {}): SpanhouseSpan {
  const span: OtlpSpan = {
    traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), parentSpanId: '', name: 'chat', kind: 3,
    startTimeUs: NOW_US - 1_000_000, endTimeUs: NOW_US, attributes: { 'gen_ai.request.model': 'gpt-4o', ...attributes }, events: [], links: [], status: { code: 0, message: '' },
    ...over,
  };
  return mapSpan({ span, resource: {}, scope: { name: '', version: '' }, tenantId: 't' });
}

test('a normal span passes unchanged', () => {
  const span = mapped({}, { 'gen_ai.usage.input_tokens': 12 });
  const before = structuredClone(span);
  assert.equal(storableProblem(span, limits), null);
  assert.deepEqual(span, before);
});

test('times ClickHouse cannot hold, or that the TTL would delete at once, are refused', () => {
  const cases: Array<[string, Partial<OtlpSpan>, RegExp]> = [
    ['1e300 (as the decoder gives it)', { startTimeUs: 1e297 }, /outside 1970/],
    ['26 digits of nanoseconds', { startTimeUs: 1e23 }, /outside 1970/],
    ['u64 max', { startTimeUs: 18446744073709551 }, /outside 1970|future/],
    ['year 2400', { startTimeUs: Date.UTC(2400, 0, 1) * 1000 }, /outside 1970|future/],
    ['year 2200', { startTimeUs: Date.UTC(2200, 0, 1) * 1000 }, /future/],
    ['2106, the TTL wrap', { startTimeUs: TTL_WRAP_US - 1_000_000 }, /future/],
    ['before the retention window', { startTimeUs: NOW_US - 31 * 86_400_000_000, endTimeUs: NOW_US - 31 * 86_400_000_000 }, /older than the retention window of 30 days/],
    ['end time 1e300', { endTimeUs: 1e297 }, /end time/],
    ['NaN', { startTimeUs: Number.NaN }, /outside 1970/],
  ];
  for (const [what, over, reason] of cases) assert.match(storableProblem(mapped(over), limits) ?? 'passed', reason, what);
  // just inside the window passes
  assert.equal(storableProblem(mapped({ startTimeUs: NOW_US - 29 * 86_400_000_000 }), limits), null);
});

test('token counts: negative, past 2^53 or not numbers are refused; fractions are rounded', () => {
  for (const bad of [-5, 1e30, 2 ** 64, Number.NaN, -(2 ** 63)]) {
    const span = mapped();
    span.input_tokens = bad;
    assert.match(storableProblem(span, limits) ?? 'passed', /input_tokens/, String(bad));
  }
  const span = mapped();
  span.output_tokens = 1.5;
  assert.equal(storableProblem(span, limits), null);
  assert.equal(span.output_tokens, 2);
});

test('negative or non-finite costs are refused; a bad time to first token becomes unknown', () => {
  for (const bad of [-1, Number.POSITIVE_INFINITY, Number.NaN]) {
    const span = mapped();
    span.cost_usd = bad;
    assert.match(storableProblem(span, limits) ?? 'passed', /cost/, String(bad));
  }
  const span = mapped();
  span.ttft_ms = Number.NaN;
  assert.equal(storableProblem(span, limits), null);
  assert.equal(span.ttft_ms, null);
});

test('lone surrogates anywhere become U+FFFD', () => {
  const span = mapped({ name: 'a\ud800b' }, { 'key\udc00': 'v\ud800', nested: { deep: ['x\udbff'] } });
  span.metadata = { 'm\ud800': 'v\udfff' };
  assert.equal(storableProblem(span, limits), null);
  assert.equal(span.name, 'a\ufffdb');
  assert.equal(span.span_attributes['key\ufffd'], 'v\ufffd');
  assert.deepEqual(span.metadata, { 'm\ufffd': 'v\ufffd' });
  assert.ok(JSON.stringify(span).isWellFormed());
});

test('values nested past the bound are refused, iteratively (no stack overflow at 100,000 levels)', () => {
  let deep: unknown = 'x';
  for (let i = 0; i < 100_000; i++) deep = [deep];
  assert.equal(wellFormedInPlace({ deep }), true);
  let ok: unknown = 'x';
  for (let i = 0; i < MAX_STORED_DEPTH - 1; i++) ok = [ok];
  assert.equal(wellFormedInPlace({ ok }), false);
  const span = mapped();
  span.events = [{ name: 'e', time: new Date(NOW_US / 1000).toISOString(), attributes: { deep } as never }];
  assert.match(storableProblem(span, limits) ?? 'passed', /nested deeper/);
});

test('labels past MAX_LABEL_CHARS are cut and the span flagged truncated', () => {
  const span = mapped({ name: 'n'.repeat(5_000_000) }, { 'user.id': 'u'.repeat(20_000) });
  assert.equal(storableProblem(span, limits), null);
  assert.equal(span.name.length, MAX_LABEL_CHARS);
  assert.equal(span.user_id.length, MAX_LABEL_CHARS);
  assert.equal(span.truncated, true);
});
