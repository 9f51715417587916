import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isoFromMicros, rollUp, traceSummaryOf, type TraceRollup } from './trace-rollup.ts';
import type { SpanhouseSpan } from './types.ts';

const T = 1_780_000_000_000_000;
function span(id: string, parent: string, startMs: number, endMs: number, extra: Partial<SpanhouseSpan> = {}): SpanhouseSpan {
  return {
    tenant_id: 't', trace_id: 'a'.repeat(32), span_id: id, parent_span_id: parent, name: `step-${id}`, type: 'span', kind: 'internal',
    start_time_us: T + startMs * 1000, end_time_us: T + endMs * 1000, latency_ms: endMs - startMs, status: 'success', error_type: '', error_message: '',
    model: '', request_model: '', provider: '', operation: '', routing_alias: '', input_messages: [], output_messages: [], input_text: '', output_text: '',
    input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0, total_tokens: 0, cost_usd: null, cost_source: '',
    cost_details: {}, cluster_id: null, tool_name: '', tool_call_id: '', agent_name: '', user_id: '', session_id: '', metadata: {}, tags: [], finish_reasons: [],
    ttft_ms: null, service_name: 'svc', scope_name: '', resource_attributes: {}, span_attributes: {}, events: [], mapping: { dialects: [], unmapped: [] }, truncated: false,
    ...extra,
  };
}

const spans = [
  span('root', '', 0, 1000, { name: 'agent', type: 'agent', input_text: 'plan a trip', output_text: 'here is the plan', metadata: { tier: 'pro' }, user_id: 'u1' }),
  span('llm1', 'root', 10, 300, { type: 'generation', model: 'gpt-4o', provider: 'openai', input_text: 'first question', output_text: 'first answer', input_tokens: 100, output_tokens: 10, total_tokens: 110, cost_usd: 0.01, metadata: { tier: 'free', region: 'eu' }, session_id: 's9', cluster_id: 'c1' }),
  span('tool', 'root', 310, 350, { type: 'tool', tags: ['search'] }),
  span('llm2', 'root', 400, 900, { type: 'generation', model: 'claude-sonnet-4', provider: 'anthropic', input_text: 'second question', output_text: 'last answer', input_tokens: 50, output_tokens: 5, total_tokens: 55, cost_usd: 0.002, status: 'error', routing_alias: 'smart', tags: ['search', 'beta'] }),
  span('emb', 'llm1', 20, 30, { type: 'embedding', model: 'text-embedding-3-small', input_tokens: 7, total_tokens: 7, cost_usd: null }),
];

/** Order-free comparison: list fields as sets. */
function normal(r: TraceRollup) {
  const sorted = (a: string[]) => [...a].sort();
  return { ...r, models: sorted(r.models), providers: sorted(r.providers), services: sorted(r.services), tags: sorted(r.tags), routing_aliases: sorted(r.routing_aliases), span_types: sorted(r.span_types), cluster_ids: sorted(r.cluster_ids), span_ids: sorted(r.span_ids), llm_calls: sorted(r.llm_calls), cost_usd: r.cost_usd === null ? null : Math.round(r.cost_usd * 1e9) / 1e9 };
}

test('rolls a whole trace up', () => {
  const r = rollUp(null, spans);
  assert.equal(r.name, 'agent');
  assert.equal(r.span_count, 5);
  assert.equal(r.llm_count, 3);
  assert.equal(r.tool_count, 1);
  assert.equal(r.error_count, 1);
  assert.equal(r.status, 'error');
  assert.equal(r.input_tokens, 157);
  assert.equal(r.total_tokens, 172);
  assert.ok(Math.abs((r.cost_usd ?? 0) - 0.012) < 1e-12);
  assert.equal(r.unpriced_count, 1, 'the embedding used tokens and has no cost');
  assert.equal(r.input, 'plan a trip');
  assert.equal(r.output, 'here is the plan');
  assert.deepEqual(r.metadata, { tier: 'pro', region: 'eu' });
  assert.deepEqual([r.user_id, r.session_id], ['u1', 's9']);
  assert.deepEqual(normal(r).routing_aliases, ['smart']);
  assert.deepEqual(normal(r).cluster_ids, ['c1']);
  const summary = traceSummaryOf(r);
  assert.equal(summary.duration_ms, 1000);
  assert.deepEqual(summary.models, ['claude-sonnet-4', 'gpt-4o', 'text-embedding-3-small']);
});

test('any arrival order and any split gives the same rollup', () => {
  const whole = normal(rollUp(null, spans));
  // every rotation, each split into every pair of requests, plus one span at a time reversed
  for (let shift = 0; shift < spans.length; shift++) {
    const order = [...spans.slice(shift), ...spans.slice(0, shift)];
    for (let cut = 1; cut < order.length; cut++) {
      assert.deepEqual(normal(rollUp(rollUp(null, order.slice(0, cut)), order.slice(cut))), whole, `shift ${shift} cut ${cut}`);
    }
  }
  const oneByOne = [...spans].reverse().reduce<TraceRollup | null>((r, s) => rollUp(r, [s]), null)!;
  assert.deepEqual(normal(oneByOne), whole);
});

test('without a root: first generation input, last generation output; a re-sent span counts once', () => {
  const children = spans.slice(1);
  const r = rollUp(null, children);
  assert.equal(r.name, 'step-llm1');
  assert.equal(r.input, 'first question');
  assert.equal(r.output, 'last answer');
  const again = rollUp(r, [children[0], children[2]]);
  assert.equal(again.span_count, 4);
  assert.equal(again.input_tokens, r.input_tokens);
  assert.equal(again.cost_usd, r.cost_usd);
  // the root arriving last takes over name and previews
  const withRoot = rollUp(again, [spans[0]]);
  assert.equal(withRoot.name, 'agent');
  assert.equal(withRoot.input, 'plan a trip');
  assert.equal(withRoot.output, 'here is the plan');
});

test('times keep their microseconds', () => {
  assert.equal(isoFromMicros(1_780_000_000_123_456), '2026-05-28T20:26:40.123456Z');
});

/** Every order of `list` (small lists only). */
function permutations<T>(list: T[]): T[][] {
  if (list.length <= 1) return [list];
  return list.flatMap((item, i) => permutations([...list.slice(0, i), ...list.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/** Every order, each split into every pair of requests and span by span: the same totals. */
function assertCounts(trace: SpanhouseSpan[], expected: { llm_count: number; input_tokens: number; output_tokens: number; cost_usd: number | null; unpriced_count: number }) {
  const counts = (r: TraceRollup) => ({ llm_count: r.llm_count, input_tokens: r.input_tokens, output_tokens: r.output_tokens, cost_usd: r.cost_usd, unpriced_count: r.unpriced_count });
  for (const order of permutations(trace)) {
    const label = order.map((s) => s.span_id).join(',');
    assert.deepEqual(counts(rollUp(null, order)), expected, label);
    for (let cut = 1; cut < order.length; cut++) assert.deepEqual(counts(rollUp(rollUp(null, order.slice(0, cut)), order.slice(cut))), expected, `${label} cut ${cut}`);
    assert.deepEqual(counts(order.reduce<TraceRollup | null>((r, s) => rollUp(r, [s]), null)!), expected, `${label} one by one`);
  }
}

test('an SDK wrapper repeating its inner call usage counts as one call, in every arrival order', () => {
  // OpenLLMetry's and OpenInference's Anthropic spans around one messages.create call, under an app span
  const usage = { type: 'generation' as const, model: 'claude-sonnet-4-5', input_tokens: 40, output_tokens: 12, total_tokens: 52 };
  assertCounts(
    [
      span('app', '', 0, 100),
      span('wrapper', 'app', 1, 99, { ...usage, cost_usd: 0.001 }),
      span('inner', 'wrapper', 2, 98, { ...usage, cost_usd: 0.001 }),
    ],
    { llm_count: 1, input_tokens: 40, output_tokens: 12, cost_usd: 0.001, unpriced_count: 0 },
  );
});

test('an unpriced call counts once, under a wrapper that repeats its usage too; a call without usage is not unpriced', () => {
  const usage = { type: 'generation' as const, model: 'acme-private-llm-7', input_tokens: 40, output_tokens: 12, total_tokens: 52 };
  assertCounts(
    [span('app', '', 0, 100), span('wrapper', 'app', 1, 99, usage), span('inner', 'wrapper', 2, 98, usage), span('free', 'app', 3, 9, { type: 'generation' })],
    { llm_count: 2, input_tokens: 40, output_tokens: 12, cost_usd: null, unpriced_count: 1 },
  );
  // beside a priced call: the cost is partial
  assertCounts(
    [span('app', '', 0, 100), span('priced', 'app', 1, 50, { ...usage, model: 'gpt-4o', cost_usd: 0.25 }), span('unpriced', 'app', 51, 99, { ...usage, input_tokens: 7 })],
    { llm_count: 2, input_tokens: 47, output_tokens: 24, cost_usd: 0.25, unpriced_count: 1 },
  );
});

test("the AI SDK's ai.embed around doEmbed, and an inner span without usage, count once", () => {
  const embedding = { type: 'embedding' as const, model: 'text-embedding-3-small', input_tokens: 3, total_tokens: 3 };
  assertCounts([span('embed', '', 0, 10, embedding), span('doEmbed', 'embed', 1, 9, embedding)], { llm_count: 1, input_tokens: 3, output_tokens: 0, cost_usd: null, unpriced_count: 1 });
  // the inner HTTP-level span saw no usage: the wrapper's usage is the call's
  assertCounts(
    [span('wrapper', '', 0, 10, { type: 'generation', input_tokens: 9, output_tokens: 4, total_tokens: 13, cost_usd: 0.5 }), span('http', 'wrapper', 1, 9, { type: 'generation' })],
    { llm_count: 1, input_tokens: 9, output_tokens: 4, cost_usd: 0.5, unpriced_count: 0 },
  );
});

test('real nested calls with different usage all count (an agent step calling a model twice)', () => {
  assertCounts(
    [
      span('step', '', 0, 100, { type: 'generation', input_tokens: 30, output_tokens: 10, total_tokens: 40 }),
      span('call1', 'step', 1, 40, { type: 'generation', input_tokens: 10, output_tokens: 5, total_tokens: 15 }),
      span('call2', 'step', 50, 90, { type: 'generation', input_tokens: 20, output_tokens: 5, total_tokens: 25 }),
    ],
    { llm_count: 3, input_tokens: 60, output_tokens: 20, cost_usd: null, unpriced_count: 3 },
  );
});
