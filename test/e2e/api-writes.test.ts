// Every write route through the REST API on a real collector: log_trace, custom spans
// (open, running, closed by PATCH), scores, span events, datasets and export, the demo
// load, and the `spanhouse demo` command. API writes pass the pipeline's stages.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { RunningCollector, SpanProcessor } from '@spanhouse/collector';
import type { Message } from '@spanhouse/model';
import { apiClient, iso } from '../support/api.ts';
import { startTestCollector, tempDataDir } from '../support/collector.ts';

const data = tempDataDir('api-writes');
let collector: RunningCollector;
let api: ReturnType<typeof apiClient>;

/** A stage of our own next to the built-in ones (pricing): API writes and revisions run both. */
const redact = (messages: Message[]) => messages.map((m) => ({ ...m, content: m.content.replaceAll('SECRET', '[redacted]') }));
const stages: SpanProcessor = {
  name: 'test-redact',
  // the stored text is derived from the messages, so the stage rewrites those
  process: (spans) => spans.map((s) => ({ ...s, input_messages: redact(s.input_messages), output_messages: redact(s.output_messages) })),
};
// gpt-4o list prices (USD per token) in the bundled price table
const GPT4O_IN = 2.5e-6;
const GPT4O_OUT = 10e-6;
const near = (a: number, b: number) => Math.abs(a - b) < 1e-12;

before(async () => {
  collector = await startTestCollector(data.dir, {}, [stages]);
  api = apiClient(collector.url);
});
after(async () => {
  await collector?.close();
  data.remove();
});

describe('POST /api/traces (log_trace)', () => {
  test('one LLM call in one body: mapped, enriched and stored like an OTLP span', async () => {
    const res = await api('POST', '/api/traces', {
      model: 'gpt-4o',
      provider: 'OpenAI',
      input: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'My password is SECRET, what is 2+2?' },
      ],
      output: '4',
      input_tokens: 30,
      output_tokens: 1,
      latency_ms: 420,
      metadata: { tier: 'pro', attempt: 2 },
      tags: ['math'],
      user_id: 'u-9',
      session_id: 'chat-1',
      routing_alias: 'cheap',
      ttft_ms: 120,
      scores: [{ name: 'correct', value: true }],
    });
    assert.equal(res.status, 201, res.text);
    assert.match(res.body.trace_id, /^[0-9a-f]{32}$/);
    const span = (await api('GET', `/api/spans/${res.body.span_id}`)).body;
    assert.equal(span.type, 'generation');
    assert.equal(span.name, 'chat gpt-4o');
    assert.equal(span.provider, 'openai');
    assert.equal(span.latency_ms, 420);
    assert.equal(span.ttft_ms, 120);
    assert.equal(span.input_text, 'You are terse.\nMy password is [redacted], what is 2+2?');
    assert.deepEqual(span.output_messages, [{ role: 'assistant', content: '4' }]);
    assert.ok(near(span.cost_usd, 30 * GPT4O_IN + 1 * GPT4O_OUT), String(span.cost_usd));
    assert.equal(span.cost_source, 'computed');
    assert.deepEqual(span.metadata, { tier: 'pro', attempt: '2' });
    assert.deepEqual(span.tags, ['math']);
    assert.equal(span.routing_alias, 'cheap');
    assert.equal(span.session_id, 'chat-1');
    assert.deepEqual(span.scores, [{ name: 'correct', value: true, comment: '', data_type: 'boolean', source: 'api' }]);
    const trace = (await api('GET', `/api/traces/${res.body.trace_id}`)).body.trace;
    assert.equal(trace.span_count, 1);
    assert.equal(trace.user_id, 'u-9');
  });

  test('joins an existing trace under a parent; an error call; explicit ids; a repeated id is 409', async () => {
    const first = await api('POST', '/api/traces', { model: 'm1', input: 'a' });
    const now = Date.now();
    const child = await api('POST', '/api/traces', {
      model: 'm2',
      input: 'b',
      trace_id: first.body.trace_id,
      parent_span_id: first.body.span_id,
      span_id: 'abcdef0123456789',
      status: 'error',
      error: { type: 'RateLimitError', message: '429 slow down' },
      start_time: iso(now - 2000),
      end_time: iso(now - 1000),
    });
    assert.equal(child.status, 201, child.text);
    assert.equal(child.body.span_id, 'abcdef0123456789');
    const span = (await api('GET', '/api/spans/abcdef0123456789')).body;
    assert.equal(span.parent_span_id, first.body.span_id);
    assert.equal(span.status, 'error');
    assert.equal(span.error_type, 'RateLimitError');
    assert.equal(span.error_message, '429 slow down');
    assert.equal(span.latency_ms, 1000);
    assert.equal((await api('GET', `/api/traces/${first.body.trace_id}`)).body.trace.span_count, 2);
    const again = await api('POST', '/api/traces', { model: 'm2', input: 'b', trace_id: first.body.trace_id, span_id: 'abcdef0123456789' });
    assert.equal(again.status, 409);
  });

  test('bad bodies are 400 with the field named', async () => {
    for (const [bodyValue, field] of [
      [{ input: 'no model' }, 'model'],
      [{ model: 'm', input_tokens: -1 }, 'input_tokens'],
      [{ model: 'm', trace_id: 'xyz' }, 'trace_id'],
      [{ model: 'm', start_time: 'yesterday' }, 'start_time'],
      [{ model: 'm', colour: 'red' }, 'colour'],
      [{ model: 'm', start_time: iso(Date.now()), end_time: iso(Date.now() - 5000) }, 'end_time'],
    ] as const) {
      const res = await api('POST', '/api/traces', bodyValue);
      assert.equal(res.status, 400, JSON.stringify(bodyValue));
      assert.equal(res.body.error.code, 'bad_request');
      assert.match(res.body.error.message, new RegExp(field));
    }
    const notJson = await fetch(`${collector.url}/api/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    assert.equal(notJson.status, 400);
  });

  test('a body that is not sent as JSON is a 415 saying so, not a missing field', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded']) {
      const res = await fetch(`${collector.url}/api/traces`, { method: 'POST', headers: { 'content-type': contentType }, body: JSON.stringify({ model: 'm' }) });
      assert.equal(res.status, 415, contentType);
      const body = await res.json();
      assert.equal(body.error.code, 'unsupported_media_type');
      assert.match(body.error.message, /send it as JSON \(Content-Type: application\/json\)/);
    }
    const json = await fetch(`${collector.url}/api/traces`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ model: 'm' }) });
    assert.equal(json.status, 201);
  });
});

describe('custom spans', () => {
  test('a span with no parent starts a trace; an open one shows as running until PATCHed', async () => {
    const root = await api('POST', '/api/spans', { name: 'agent run', type: 'agent', input: 'plan my week', metadata: { env: 'dev' } });
    assert.equal(root.status, 201, root.text);
    assert.equal(root.body.running, true);
    const open = (await api('GET', `/api/spans/${root.body.span_id}`)).body;
    assert.equal(open.running, true);
    assert.equal(open.type, 'agent');
    assert.deepEqual(open.mapping.unmapped, []);
    // a child found through its parent's id alone
    const step = await api('POST', '/api/spans', { name: 'fetch calendar', type: 'tool', parent_span_id: root.body.span_id, input: { days: 7 }, latency_ms: 30 });
    assert.equal(step.body.trace_id, root.body.trace_id);
    assert.equal(step.body.running, false);
    const retriever = await api('POST', '/api/spans', { name: 'search notes', type: 'retriever', trace_id: root.body.trace_id, parent_span_id: root.body.span_id, status: 'success' });
    assert.equal((await api('GET', `/api/spans/${retriever.body.span_id}`)).body.type, 'retriever');
    // an open span is listed (not lost) and flagged
    const listed = await api('GET', `/api/spans?trace_id=${root.body.trace_id}`);
    assert.deepEqual(listed.body.data.map((s: any) => [s.name, s.running]).sort(), [['agent run', true], ['fetch calendar', false], ['search notes', false]]);

    const patched = await api('PATCH', `/api/spans/${root.body.span_id}`, {
      output: 'Week planned; SECRET kept',
      end_time: iso(Date.now() + 1500),
      metadata: { env: null, outcome: 'ok' },
      score: { name: 'helpfulness', value: 4, comment: 'clear' },
      metrics: [{ name: 'steps', value: 3 }],
    });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.running, false);
    assert.equal(patched.body.output_text, 'Week planned; [redacted] kept');
    assert.ok(patched.body.latency_ms >= 1500);
    assert.deepEqual(patched.body.metadata, { outcome: 'ok' });
    assert.deepEqual(
      patched.body.scores.map((s: any) => [s.name, s.value, s.comment]).sort(),
      [['helpfulness', 4, 'clear'], ['steps', 3, '']],
    );
    // the trace rollup follows the new version, once
    const trace = (await api('GET', `/api/traces/${root.body.trace_id}`)).body;
    assert.equal(trace.trace.span_count, 3);
    assert.equal(trace.trace.output, 'Week planned; [redacted] kept');
    assert.equal(trace.spans.length, 3);
    // and so does every list
    const closed = await api('GET', `/api/spans?trace_id=${root.body.trace_id}&type=agent`);
    assert.deepEqual(closed.body.data.map((s: any) => s.running), [false]);
    assert.equal((await api('GET', `/api/spans?metadata.env=dev`)).body.data.length, 0, 'old versions never match');
  });

  test('PATCH sets an error, usage and tags; concurrent PATCHes keep every change', async () => {
    const span = await api('POST', '/api/spans', { name: 'llm step', model: 'gpt-4o', input: 'hi' });
    const id = span.body.span_id;
    await Promise.all(Array.from({ length: 5 }, (_, i) => api('PATCH', `/api/spans/${id}`, { metadata: { [`k${i}`]: String(i) } })));
    const failed = await api('PATCH', `/api/spans/${id}`, { error: { type: 'Timeout', message: 'took too long' }, status: 'timeout', input_tokens: 10, output_tokens: 5, tags: ['x'] });
    assert.equal(failed.status, 200);
    assert.equal(failed.body.status, 'timeout');
    assert.equal(failed.body.error_type, 'Timeout');
    assert.equal(failed.body.total_tokens, 15);
    assert.ok(near(failed.body.cost_usd, 10 * GPT4O_IN + 5 * GPT4O_OUT), 'priced again by the pipeline stages');
    assert.equal(failed.body.running, false);
    assert.deepEqual(Object.keys(failed.body.metadata).sort(), ['k0', 'k1', 'k2', 'k3', 'k4']);
    const errors = await api('GET', `/api/metrics?bucket=hour&type=all&name=llm%20step`);
    assert.deepEqual(errors.body.data.map((p: any) => [p.count, p.error_count]), [[1, 1]]);
  });

  test('errors: unknown span 404, unknown parent 404, bad ids 400, existing id 409', async () => {
    assert.equal((await api('PATCH', `/api/spans/${'9'.repeat(16)}`, { output: 'x' })).status, 404);
    assert.equal((await api('PATCH', `/api/spans/${'9'.repeat(16)}`, { score: { name: 'a', value: 1 } })).status, 404);
    assert.equal((await api('POST', '/api/spans', { name: 'x', parent_span_id: '8'.repeat(16) })).status, 404);
    assert.equal((await api('PATCH', '/api/spans/nothex', { output: 'x' })).status, 400);
    assert.equal((await api('POST', '/api/spans', { name: 'x', type: 'robot' })).status, 400);
    const made = await api('POST', '/api/spans', { name: 'x' });
    assert.equal((await api('POST', '/api/spans', { name: 'x', span_id: made.body.span_id })).status, 409);
    assert.equal((await api('PATCH', `/api/spans/${made.body.span_id}`, { end_time: iso(Date.now() - 86_400_000) })).status, 400);
  });
});

describe('scores', () => {
  test('numeric, categorical and boolean on spans and traces; setting a name again replaces it', async () => {
    const call = await api('POST', '/api/traces', { model: 'm', input: 'q' });
    const s1 = await api('POST', `/api/spans/${call.body.span_id}/scores`, { scores: [{ name: 'accuracy', value: 0.5 }, { name: 'tone', value: 'polite', comment: 'nice' }] });
    assert.equal(s1.status, 201, s1.text);
    await api('POST', `/api/spans/${call.body.span_id}/scores`, { name: 'accuracy', value: 0.75 });
    await api('POST', `/api/traces/${call.body.trace_id}/scores`, { name: 'resolved', value: false, comment: 'user left' });
    const span = (await api('GET', `/api/spans/${call.body.span_id}`)).body;
    assert.deepEqual(span.scores.map((s: any) => [s.name, s.value, s.data_type]).sort(), [['accuracy', 0.75, 'numeric'], ['tone', 'polite', 'categorical']]);
    const trace = (await api('GET', `/api/traces/${call.body.trace_id}`)).body;
    assert.deepEqual(trace.trace.scores, [{ name: 'resolved', value: false, comment: 'user left', data_type: 'boolean', source: 'api' }]);
    assert.equal((await api('GET', '/api/spans?score_name=accuracy&max_score=0.6')).body.data.length, 0);
    assert.equal((await api('GET', '/api/spans?score_name=accuracy&min_score=0.7')).body.data.length, 1);
    assert.equal((await api('GET', '/api/traces?score_name=resolved&score_value=false')).body.data.length, 1);
    assert.equal((await api('POST', `/api/traces/${'7'.repeat(32)}/scores`, { name: 'x', value: 1 })).status, 404);
    assert.equal((await api('POST', `/api/spans/${call.body.span_id}/scores`, { name: 'x', value: null })).status, 400);
  });
});

describe('span events', () => {
  test('thumbs up/down from an app; guardrail and custom events; listed in time order', async () => {
    const call = await api('POST', '/api/traces', { model: 'm', input: 'q', output: 'a' });
    const id = call.body.span_id;
    const t = Date.now();
    const up = await api('POST', `/api/spans/${id}/events`, { kind: 'feedback', source: 'ui', data: { value: 'up' } });
    assert.equal(up.status, 201, up.text);
    assert.equal(up.body.kind, 'feedback');
    await api('POST', `/api/spans/${id}/events`, { kind: 'guardrail', source: 'pii-filter', data: { verdict: 'pass' }, time: iso(t + 1000) });
    // the same id twice (a client retry) is one event
    await api('POST', `/api/spans/${id}/events`, { kind: 'custom', data: { note: 'x' }, id: 'evt-1', time: iso(t + 2000) });
    await api('POST', `/api/spans/${id}/events`, { kind: 'custom', data: { note: 'x' }, id: 'evt-1', time: iso(t + 2000) });
    const down = await api('POST', `/api/spans/${id}/events`, { kind: 'feedback', source: 'ui', data: { value: 'down', comment: 'wrong city' }, time: iso(t + 3000) });
    assert.equal(down.status, 201);
    const list = await api('GET', `/api/spans/${id}/events`);
    assert.deepEqual(list.body.data.map((e: any) => [e.kind, e.source]), [['feedback', 'ui'], ['guardrail', 'pii-filter'], ['custom', 'api'], ['feedback', 'ui']]);
    assert.equal(list.body.next_cursor, null);
    // feedback becomes a filterable boolean score (the latest wins)
    const span = (await api('GET', `/api/spans/${id}`)).body;
    assert.deepEqual(span.scores, [{ name: 'feedback', value: false, comment: 'wrong city', data_type: 'boolean', source: 'ui' }]);
    assert.equal((await api('GET', '/api/spans?score_name=feedback&score_value=false')).body.data[0].span_id, id);
    assert.equal((await api('POST', `/api/spans/${id}/events`, { kind: 'gossip', data: {} })).status, 400);
    assert.equal((await api('POST', `/api/spans/${'6'.repeat(16)}/events`, { kind: 'feedback', data: { value: 'up' } })).status, 404);
    assert.equal((await api('GET', `/api/spans/${'6'.repeat(16)}/events`)).status, 404);
  });
});

describe('datasets', () => {
  test('add spans, list datasets and items with a cursor, export JSONL', async () => {
    const spans: Array<{ trace_id: string; span_id: string }> = [];
    for (let i = 0; i < 3; i++) spans.push((await api('POST', '/api/traces', { model: 'm', input: `question ${i}`, output: `answer ${i}`, metadata: { n: i } })).body);
    for (const s of spans) assert.equal((await api('POST', '/api/datasets/golden-set/items', { span_id: s.span_id, metadata: { source: 'prod' } })).status, 201);
    // the same span again is one item, not two
    await api('POST', '/api/datasets/golden-set/items', { span_id: spans[0].span_id });
    const raw = await api('POST', '/api/datasets/golden-set/items', { id: 'hand-1', input: 'handmade', output: [{ role: 'assistant', content: 'yes' }] });
    assert.equal(raw.status, 201, raw.text);
    assert.equal((await api('POST', '/api/datasets', { name: 'empty-one', description: 'later' })).status, 201);
    assert.equal((await api('POST', '/api/datasets', { name: 'empty-one' })).status, 200);

    const list = await api('GET', '/api/datasets');
    assert.deepEqual(list.body.data.map((d: any) => [d.name, d.item_count]), [['empty-one', 0], ['golden-set', 4]]);
    const page1 = await api('GET', '/api/datasets/golden-set/items?limit=3');
    assert.equal(page1.body.data.length, 3);
    const page2 = await api('GET', `/api/datasets/golden-set/items?limit=3&cursor=${page1.body.next_cursor}`);
    assert.equal(page2.body.data.length, 1);
    assert.equal(page2.body.next_cursor, null);
    // in the order they were added (spans[0] was added again, after the others)
    const order = [spans[1].span_id, spans[2].span_id, spans[0].span_id, 'hand-1'];
    assert.deepEqual([...page1.body.data, ...page2.body.data].map((x: any) => x.id), order);
    const item = [...page1.body.data, ...page2.body.data].find((x: any) => x.id === spans[1].span_id);
    assert.deepEqual(item.input, [{ role: 'user', content: 'question 1' }]);
    assert.deepEqual(item.metadata, { n: '1', source: 'prod' });
    assert.equal(item.source_trace_id, spans[1].trace_id);

    const exported = await api('GET', '/api/datasets/golden-set/export');
    assert.equal(exported.status, 200);
    assert.match(exported.headers.get('content-type') ?? '', /ndjson/);
    const lines = exported.text.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 4);
    assert.deepEqual(lines.map((l) => l.id), order, 'the export keeps the same order');
    assert.deepEqual(lines.find((l) => l.id === 'hand-1'), { id: 'hand-1', input: [{ role: 'user', content: 'handmade' }], output: [{ role: 'assistant', content: 'yes' }], metadata: {}, source: { trace_id: '', span_id: '' } });
    assert.equal((await api('GET', '/api/datasets/nope/items')).status, 404);
    assert.equal((await api('GET', '/api/datasets/nope/export')).status, 404);
    assert.equal((await api('POST', '/api/datasets/bad%20name/items', { span_id: spans[0].span_id })).status, 400);
    assert.equal((await api('POST', '/api/datasets/golden-set/items', { span_id: '5'.repeat(16) })).status, 404);
  });
});

describe('sample traces', () => {
  test('POST /api/demo loads them through the pipeline', async () => {
    const res = await api('POST', '/api/demo');
    assert.equal(res.status, 201, res.text);
    assert.ok(res.body.traces >= 10);
    assert.equal(res.body.rejected, 0);
    const traces = await api('GET', '/api/traces?limit=500');
    assert.ok(traces.body.data.length >= res.body.traces);
  });

  test('`spanhouse demo --url` sends them to a running collector over OTLP', async () => {
    const bin = fileURLToPath(new URL('../../collector/bin/spanhouse.mjs', import.meta.url));
    const before = (await api('GET', '/api/metrics?bucket=day&type=all')).body.data.reduce((n: number, p: any) => n + p.count, 0);
    // async: the collector answering the command runs in this process
    const run = await promisify(execFile)(process.execPath, [bin, 'demo', '--url', collector.url], { encoding: 'utf8', timeout: 60_000 });
    assert.match(run.stdout, /sent \d+ sample spans/);
    const afterCount = (await api('GET', '/api/metrics?bucket=day&type=all')).body.data.reduce((n: number, p: any) => n + p.count, 0);
    assert.ok(afterCount > before);
    const down = await promisify(execFile)(process.execPath, [bin, 'demo', '--url', 'http://127.0.0.1:9'], { encoding: 'utf8', timeout: 60_000 }).then(
      () => assert.fail('should fail'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(down.code, 1);
    assert.match(down.stderr, /cannot reach a collector/);
  });
});
