// What the daily-use views of the web UI ask the API, on a real collector with embedded
// ClickHouse: trace sort by tokens, model substrings, the total count of a filtered list,
// autocomplete values from the rollup, and editing, deleting and exporting dataset items.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningCollector } from '@spanhouse/collector';
import { apiClient, iso } from '../support/api.ts';
import { startTestCollector, tempDataDir } from '../support/collector.ts';

const data = tempDataDir('api-lists');
let collector: RunningCollector;
let api: ReturnType<typeof apiClient>;
const T0 = Date.now() - 3600_000;
const CALLS = [
  { key: 'a', model: 'gpt-4o', service: 'planner', input_tokens: 100, output_tokens: 10, input: 'Connect to PostgreSQL please' },
  { key: 'b', model: 'gpt-4o-mini', service: 'planner', input_tokens: 5, output_tokens: 1, input: 'hello there' },
  { key: 'c', model: 'claude-sonnet-4', service: 'reports', input_tokens: 900, output_tokens: 90, input: 'postgres tuning' },
  { key: 'd', model: 'GPT-4.1', service: 'reports', input_tokens: 50, output_tokens: 50, input: 'Summarise', status: 'error', error: 'boom' },
];
const ids: Record<string, { trace_id: string; span_id: string }> = {};

before(async () => {
  collector = await startTestCollector(data.dir);
  api = apiClient(collector.url);
  for (const [i, { key, ...call }] of CALLS.entries()) {
    const res = await api('POST', '/api/traces', { ...call, output: 'ok', start_time: iso(T0 + i * 60_000), latency_ms: 100 });
    assert.equal(res.status, 201, res.text);
    ids[key] = res.body;
  }
});
after(async () => {
  await collector?.close();
  data.remove();
});

const traceKeys = async (query: string) => {
  const res = await api<{ data: { trace_id: string }[] }>('GET', `/api/traces?${query}`);
  assert.equal(res.status, 200, res.text);
  return res.body.data.map((t) => Object.keys(ids).find((k) => ids[k].trace_id === t.trace_id));
};

describe('trace list', () => {
  test('sorts by total tokens both ways and pages by cursor', async () => {
    assert.deepEqual(await traceKeys('sort=tokens'), ['c', 'a', 'd', 'b']);
    assert.deepEqual(await traceKeys('sort=tokens&order=asc'), ['b', 'd', 'a', 'c']);
    const first = await api<{ data: unknown[]; next_cursor: string }>('GET', '/api/traces?sort=tokens&limit=3');
    const rest = await traceKeys(`sort=tokens&limit=3&cursor=${encodeURIComponent(first.body.next_cursor)}`);
    assert.deepEqual(rest, ['b']);
  });

  test('model_contains matches a substring of any model, any case; model stays exact', async () => {
    assert.deepEqual((await traceKeys('model_contains=gpt')).sort(), ['a', 'b', 'd']);
    assert.deepEqual((await traceKeys('model_contains=4O-MI')).sort(), ['b']);
    assert.deepEqual((await traceKeys('model=gpt-4o')).sort(), ['a']);
    const spans = await api<{ data: { model: string }[] }>('GET', '/api/spans?model_contains=sonnet');
    assert.deepEqual(spans.body.data.map((s) => s.model), ['claude-sonnet-4']);
  });

  test('a word matches whole words, and word prefixes when no trace holds it whole', async () => {
    assert.deepEqual((await traceKeys('q=postgres')).sort(), ['c'], 'the whole word');
    assert.deepEqual((await traceKeys('q=postgr')).sort(), ['a', 'c'], '`postgr` starts PostgreSQL and postgres');
    assert.deepEqual(await traceKeys('q=ostgres'), [], 'inside a word is no match');
  });

  test('GET /api/traces/count counts what the list filters', async () => {
    const count = async (query: string) => {
      const res = await api<{ count: number | null }>('GET', `/api/traces/count?${query}`);
      assert.equal(res.status, 200, res.text);
      return res.body.count;
    };
    assert.equal(await count(''), 4);
    assert.equal(await count('status=error'), 1);
    assert.equal(await count('model_contains=gpt&service=planner'), 2);
    assert.equal(await count('q=postgres'), 1);
    assert.equal(await count(`since=${encodeURIComponent(iso(Date.now() + 60_000))}`), 0);
    const bad = await api('GET', '/api/traces/count?sort=cost');
    assert.equal(bad.status, 400, 'paging parameters are not filters');
  });
});

describe('GET /api/values', () => {
  test('known models, services and trace names, filtered by substring', async () => {
    const values = async (query: string) => {
      const res = await api<{ data: string[] }>('GET', `/api/values?${query}`);
      assert.equal(res.status, 200, res.text);
      return res.body.data;
    };
    assert.deepEqual(await values('field=model'), ['GPT-4.1', 'claude-sonnet-4', 'gpt-4o', 'gpt-4o-mini'].sort());
    assert.deepEqual(await values('field=model&contains=4o'), ['gpt-4o', 'gpt-4o-mini']);
    assert.deepEqual(await values('field=service'), ['planner', 'reports']);
    assert.ok((await values('field=name')).length >= 1);
    assert.deepEqual(await values(`field=model&since=${encodeURIComponent(iso(Date.now() + 7200_000))}`), []);
    for (const query of ['field=nope', '', 'field=model&limit=0']) assert.equal((await api('GET', `/api/values?${query}`)).status, 400, query);
  });
});

describe('dataset items', () => {
  test('edit, delete and export', async () => {
    for (const key of ['a', 'c']) assert.equal((await api('POST', '/api/datasets/evals/items', { span_id: ids[key].span_id })).status, 201);
    const edited = await api<{ input: { content: string }[]; output: { content: string }[]; metadata: Record<string, string>; source_span_id: string }>(
      'PATCH', `/api/datasets/evals/items/${ids.a.span_id}`, { output: 'the expected answer', metadata: { reviewed: true } },
    );
    assert.equal(edited.status, 200, edited.text);
    assert.equal(edited.body.output[0].content, 'the expected answer');
    assert.match(edited.body.input[0].content, /PostgreSQL/, 'the input stays');
    assert.deepEqual(edited.body.metadata, { reviewed: 'true' });
    assert.equal(edited.body.source_span_id, ids.a.span_id, 'the source link stays');

    const removed = await api('DELETE', `/api/datasets/evals/items/${ids.c.span_id}`);
    assert.equal(removed.status, 204, removed.text);
    const items = await api<{ data: { id: string; output: { content: string }[] }[] }>('GET', '/api/datasets/evals/items');
    assert.deepEqual(items.body.data.map((i) => i.id), [ids.a.span_id]);
    assert.equal(items.body.data[0].output[0].content, 'the expected answer');
    const datasets = await api<{ data: { name: string; item_count: number }[] }>('GET', '/api/datasets');
    assert.equal(datasets.body.data.find((d) => d.name === 'evals')?.item_count, 1);

    const exported = await api('GET', '/api/datasets/evals/export');
    const lines = exported.text.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 1);
    assert.equal(lines[0].output[0].content, 'the expected answer');

    assert.equal((await api('DELETE', `/api/datasets/evals/items/${ids.c.span_id}`)).status, 404, 'already gone');
    assert.equal((await api('PATCH', '/api/datasets/evals/items/nope', { output: 'x' })).status, 404);
    assert.equal((await api('PATCH', `/api/datasets/evals/items/${ids.a.span_id}`, { bogus: 1 })).status, 400);
  });
});
