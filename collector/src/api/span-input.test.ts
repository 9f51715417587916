import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapSpan } from '@spanhouse/model';
import { applyPatch, changesSpan, createSpanBody, createSpanDraft, logTraceBody, logTraceDraft, otlpRequestOf, patchSpanBody, spanTimes } from './span-input.ts';

const NOW = Date.parse('2026-11-21T12:00:00Z') * 1000;
const mapped = (draft: ReturnType<typeof logTraceDraft>) => {
  const { resourceSpans } = otlpRequestOf(draft);
  const [{ resource, scopeSpans }] = resourceSpans;
  return mapSpan({ span: scopeSpans[0].spans[0], resource, scope: scopeSpans[0].scope, tenantId: 't' });
};

test('times from any of start, end and latency', () => {
  assert.deepEqual(spanTimes({ latency_ms: 250 }, NOW), { startUs: NOW - 250_000, endUs: NOW });
  assert.deepEqual(spanTimes({ start_time: NOW - 10, latency_ms: 1 }, NOW), { startUs: NOW - 10, endUs: NOW + 990 });
  assert.deepEqual(spanTimes({ end_time: NOW - 5, latency_ms: 1 }, NOW), { startUs: NOW - 1005, endUs: NOW - 5 });
  assert.deepEqual(spanTimes({ start_time: NOW - 10 }, NOW), { startUs: NOW - 10, endUs: NOW - 10 });
  assert.deepEqual(spanTimes({}, NOW, true), { startUs: NOW, endUs: NOW });
  assert.throws(() => spanTimes({ start_time: NOW, end_time: NOW - 1 }, NOW), /end_time/);
});

test('a log_trace body maps to the span the OTLP path would make', () => {
  const body = logTraceBody.parse({
    model: 'gpt-4o', provider: 'azure.ai.openai', input: 'hi', output: [{ role: 'assistant', content: 'hello' }],
    input_tokens: 3, output_tokens: 2, cost_usd: 0.5, latency_ms: 100, metadata: { a: 1 }, tags: ['t'], user_id: 'u', session_id: 's',
    routing_alias: 'fast', status: 'error', error: { type: 'E', message: 'boom' }, ttft_ms: 40,
  });
  const span = mapped(logTraceDraft(body, NOW));
  assert.equal(span.type, 'generation');
  assert.equal(span.provider, 'azure');
  assert.deepEqual(span.input_messages, [{ role: 'user', content: 'hi' }]);
  assert.equal(span.output_text, 'hello');
  assert.deepEqual([span.input_tokens, span.output_tokens, span.total_tokens, span.cost_usd, span.cost_source], [3, 2, 5, 0.5, 'client']);
  assert.deepEqual([span.status, span.error_type, span.error_message], ['error', 'E', 'boom']);
  assert.deepEqual([span.user_id, span.session_id, span.routing_alias, span.ttft_ms], ['u', 's', 'fast', 40]);
  assert.deepEqual(span.metadata, { a: '1' });
  assert.deepEqual(span.mapping.unmapped, []);
  assert.equal(span.latency_ms, 100);
});

test('a custom span without an end is open; its type is the one asked for', () => {
  const open = createSpanDraft(createSpanBody.parse({ name: 'step', type: 'retriever', input: { q: 'x' } }), 'a'.repeat(32), NOW);
  assert.equal(open.attributes['spanhouse.span.open'], true);
  const span = mapped(open);
  assert.equal(span.type, 'retriever');
  assert.equal(span.span_attributes['spanhouse.span.open'], 'true');
  const closed = createSpanDraft(createSpanBody.parse({ name: 'step', latency_ms: 3 }), 'a'.repeat(32), NOW);
  assert.equal(closed.attributes['spanhouse.span.open'], undefined);
});

test('a PATCH closes, fails, merges and re-counts', () => {
  const base = mapped(createSpanDraft(createSpanBody.parse({ name: 'llm', model: 'm', metadata: { keep: 'y', drop: 'z' } }), 'b'.repeat(32), NOW));
  const patch = patchSpanBody.parse({ output: 'done', end_time: new Date(NOW / 1000 + 2000).toISOString(), error: 'bad', metadata: { drop: null, add: 2 }, input_tokens: 4, output_tokens: 6 });
  const next = applyPatch(base, patch, NOW);
  assert.equal(next.output_text, 'done');
  assert.equal(next.latency_ms, 2000);
  assert.equal(next.span_attributes['spanhouse.span.open'], undefined);
  assert.deepEqual([next.status, next.error_message], ['error', 'bad']);
  assert.deepEqual(next.metadata, { keep: 'y', add: '2' });
  assert.equal(next.total_tokens, 10);
  assert.deepEqual(base.metadata, { keep: 'y', drop: 'z' }, 'the stored span object is not changed');
  assert.ok(!changesSpan(patchSpanBody.parse({ score: { name: 'a', value: 1 } })));
  assert.ok(changesSpan(patch));
  assert.throws(() => applyPatch(base, patchSpanBody.parse({ end_time: new Date(NOW / 1000 - 5000).toISOString() }), NOW), /end_time/);
});
