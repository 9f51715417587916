// The demo data must be valid OTLP/JSON that our own receiver decodes and our mapper
// understands: the UI's empty state and `spanhouse demo` depend on it looking real.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapSpan, type SpanhouseSpan } from '@spanhouse/model';
import { decodeTraceRequest } from '../receivers/otlp-codec.ts';
import { buildDemoTraces, dailyActivity, DEMO_HOURS, rhythmicHoursAgo } from './sample-traces.ts';

const NOW = Date.parse('2025-06-01T12:00:00Z');

function mappedSpans(nowMs: number): SpanhouseSpan[] {
  const decoded = decodeTraceRequest(Buffer.from(JSON.stringify(buildDemoTraces(nowMs))), 'json');
  return decoded.resourceSpans.flatMap((rs) =>
    rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => mapSpan({ span, resource: rs.resource, scope: ss.scope, tenantId: 'default' }))),
  );
}

const byTrace = (spans: SpanhouseSpan[]) => {
  const traces = new Map<string, SpanhouseSpan[]>();
  for (const span of spans) traces.set(span.trace_id, [...(traces.get(span.trace_id) ?? []), span]);
  return traces;
};

test('is deterministic for one nowMs and fresh for another', () => {
  assert.deepEqual(buildDemoTraces(NOW), buildDemoTraces(NOW));
  const ids = (body: ReturnType<typeof buildDemoTraces>) => body.resourceSpans.map((rs) => rs.scopeSpans[0].spans[0].traceId);
  const first = new Set(ids(buildDemoTraces(NOW)));
  assert.ok(ids(buildDemoTraces(NOW + 1)).every((id) => !first.has(id)));
});

test('about twenty well-formed traces in the two days before now, one with ~300 spans', () => {
  const spans = mappedSpans(NOW);
  const traces = byTrace(spans);
  assert.ok(traces.size >= 18 && traces.size <= 24, `got ${traces.size} traces`);
  for (const [traceId, list] of traces) {
    assert.match(traceId, /^[0-9a-f]{32}$/);
    const ids = new Set(list.map((s) => s.span_id));
    assert.equal(ids.size, list.length, 'span ids are unique');
    assert.equal(list.filter((s) => s.parent_span_id === '').length, 1, `trace ${traceId} has one root`);
    for (const span of list) {
      assert.match(span.span_id, /^[0-9a-f]{16}$/);
      assert.ok(span.parent_span_id === '' || ids.has(span.parent_span_id), 'parents are in the trace');
      assert.ok(span.start_time_us <= span.end_time_us);
      assert.ok(span.end_time_us <= NOW * 1000, 'ended before now');
      assert.ok(span.start_time_us >= (NOW - (DEMO_HOURS + 0.5) * 3_600_000) * 1000, 'within the last two days');
    }
  }
  const sizes = [...traces.values()].map((l) => l.length);
  assert.ok(sizes.some((n) => n >= 250 && n <= 350), `a ~300-span trace (sizes: ${sizes.join(',')})`);
});

test('maps to every span type, several providers, and real failures', () => {
  const spans = mappedSpans(NOW);
  const types = new Set(spans.map((s) => s.type));
  for (const type of ['generation', 'embedding', 'tool', 'agent', 'chain', 'retriever']) assert.ok(types.has(type as never), `has ${type}`);
  const providers = new Set(spans.map((s) => s.provider).filter(Boolean));
  for (const provider of ['openai', 'anthropic', 'google']) assert.ok(providers.has(provider), `has provider ${provider}`);
  const models = new Set(spans.map((s) => s.request_model).filter(Boolean));
  for (const model of ['gpt-4o', 'gpt-4o-mini', 'gemini-2.5-pro', 'gemini-2.5-flash']) assert.ok(models.has(model), `has model ${model}`);
  assert.ok([...models].some((m) => m.startsWith('claude')));
  const statuses = new Set(spans.map((s) => s.status));
  assert.ok(statuses.has('error') && statuses.has('timeout') && statuses.has('success'));
  const failed = spans.filter((s) => s.status !== 'success');
  assert.ok(failed.every((s) => s.error_message !== ''), 'failures carry a message');
});

test('chat spans carry system/user/assistant turns, tool calls and token usage', () => {
  const spans = mappedSpans(NOW);
  const chats = spans.filter((s) => s.type === 'generation');
  assert.ok(chats.length > 50);
  assert.ok(chats.every((s) => s.input_tokens > 0 && s.model !== ''));
  assert.ok(chats.some((s) => s.input_messages[0]?.role === 'system' && s.input_messages.some((m) => m.role === 'user')));
  assert.ok(chats.some((s) => s.output_messages.some((m) => m.tool_calls?.some((c) => c.name === 'web_search'))));
  assert.ok(chats.some((s) => s.input_messages.some((m) => m.role === 'tool' && m.tool_call_id)));
  const tools = spans.filter((s) => s.type === 'tool');
  assert.ok(tools.every((s) => s.tool_name !== '' && s.input_messages.length > 0));
  assert.ok(spans.some((s) => s.agent_name === 'research_assistant'));
  assert.ok(spans.some((s) => s.metadata.customer_tier === 'enterprise' && s.tags.includes('support')));
});

test('one prompt carries HTML that the UI must show as text', () => {
  const spans = mappedSpans(NOW);
  const text = spans.map((s) => s.input_text).join('\n');
  assert.ok(text.includes('<script>alert(1)</script>'));
  assert.ok(text.includes('<img src=x onerror=alert(1)>'));
});

test('GenAI attributes are understood by a dialect (few left for the "not understood" list)', () => {
  const spans = mappedSpans(NOW);
  const unmapped = new Set(spans.flatMap((s) => s.mapping.unmapped));
  // A real semconv key the dialect does not read yet: it shows the UI's mapping section at work.
  const expectedGaps = new Set(['gen_ai.embeddings.dimension.count']);
  for (const key of unmapped) {
    if (expectedGaps.has(key)) continue;
    assert.doesNotMatch(key, /^gen_ai\.|^spanhouse\./, `${key} should be mapped`);
  }
});

test('start times spread over two days with a daily rhythm: busy days, quiet nights, one trace minutes old', () => {
  const hours = rhythmicHoursAgo(NOW, 20);
  assert.equal(hours.length, 20);
  assert.deepEqual([...hours].sort((a, b) => b - a), hours, 'oldest first');
  assert.ok(hours[0] > 24, `some traces are over a day old (${hours[0]} h)`);
  assert.equal(hours[hours.length - 1], 0.1);
  const utcHour = (ago: number) => new Date(NOW - ago * 3_600_000).getUTCHours();
  const daytime = hours.filter((h) => utcHour(h) >= 8 && utcHour(h) < 19).length;
  assert.ok(daytime >= 14, `most traces in working hours (${daytime} of 20)`);
  assert.ok(dailyActivity(14) > 5 * dailyActivity(3), 'afternoons are busier than nights');
  const starts = [...byTrace(mappedSpans(NOW)).values()].map((spans) => Math.min(...spans.map((s) => s.start_time_us)) / 1000);
  const days = new Set(starts.map((ms) => new Date(ms).getUTCDate()));
  assert.ok(days.size >= 2, 'the traces cover more than one day');
});

test('docs questions of one visitor share a session', () => {
  const roots = mappedSpans(NOW).filter((s) => s.parent_span_id === '' && s.name === 'rag.answer_question');
  const sessions = new Map<string, string[]>();
  for (const r of roots) sessions.set(r.session_id, [...(sessions.get(r.session_id) ?? []), r.user_id]);
  assert.equal(roots.length, 5);
  assert.equal(sessions.size, 3);
  for (const [session, users] of sessions) assert.equal(new Set(users).size, 1, `one user in ${session}`);
});
