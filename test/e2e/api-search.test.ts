// Search and analytics through the REST API, on a real collector with embedded
// ClickHouse: every filter of GET /api/spans and /api/traces, the three sort orders,
// cursor pagination while spans stream in and get revised, and GET /api/metrics.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningCollector, SpanProcessor } from '@spanhouse/collector';
import type { ClickHouseSettings } from '@clickhouse/client';
import { SPAN_LIST_SETTINGS, TRACE_LIST_SETTINGS, traceListSettings } from '../../collector/src/store/search.ts';
import { spanConditions } from '../../collector/src/store/span-filters.ts';
import { apiClient, iso } from '../support/api.ts';
import { startTestCollector, tempDataDir } from '../support/collector.ts';

const data = tempDataDir('api-search');
let collector: RunningCollector;
let api: ReturnType<typeof apiClient>;

/** A pipeline stage, to see that API writes pass the same stages as OTLP (clusters by model here). */
const clusterByModel: SpanProcessor = {
  name: 'test-cluster',
  process: (spans) => spans.map((s) => (s.model ? { ...s, cluster_id: `c-${s.model}` } : s)),
};

const T0 = Date.now() - 3 * 3600_000;
const at = (minutes: number) => iso(T0 + minutes * 60_000);

interface Call {
  key: string;
  body: Record<string, unknown>;
}
// Eight LLM calls, one minute apart, each different on the filtered fields.
const CALLS: Call[] = [
  { key: 'a', body: { model: 'gpt-4o', provider: 'openai', input: 'Find a flight to Lisbon on Friday', output: 'TP1351 leaves at 9:00', input_tokens: 100, output_tokens: 20, cost_usd: 0.01, latency_ms: 900, start_time: at(0), user_id: 'u1', session_id: 's1', metadata: { tier: 'pro', region: 'eu' }, tags: ['prod', 'travel'], routing_alias: 'fast', service: 'planner' } },
  { key: 'b', body: { model: 'gpt-4o', provider: 'openai', input: 'Book a hotel in Porto', output: 'Hotel booked near the river', input_tokens: 300, output_tokens: 60, cost_usd: 0.03, latency_ms: 2500, start_time: at(1), user_id: 'u2', session_id: 's1', metadata: { tier: 'free' }, tags: ['prod'], routing_alias: 'smart', service: 'planner' } },
  { key: 'c', body: { model: 'claude-sonnet-4', provider: 'anthropic', input: 'Summarise the quarterly report', output: 'Revenue grew; costs fell', input_tokens: 2000, output_tokens: 150, cost_usd: 0.5, latency_ms: 4000, start_time: at(2), user_id: 'u1', session_id: 's2', metadata: { tier: 'pro' }, tags: ['batch'], service: 'reports', status: 'error', error: 'overloaded' } },
  { key: 'd', body: { model: 'claude-sonnet-4', provider: 'anthropic', input: 'Translate "good morning" to Portuguese', output: 'Bom dia', input_tokens: 20, output_tokens: 5, cost_usd: 0.001, latency_ms: 300, start_time: at(3), user_id: 'u3', session_id: 's3', tags: ['prod'], service: 'translator' } },
  { key: 'e', body: { model: 'gemini-2.5-flash', provider: 'google', input: 'What is the capital of Portugal?', output: 'Lisbon is the capital', input_tokens: 15, output_tokens: 8, cost_usd: 0.0005, latency_ms: 150, start_time: at(4), user_id: 'u3', session_id: 's3', metadata: { region: 'us' }, service: 'translator', status: 'timeout', error: 'deadline exceeded' } },
  { key: 'f', body: { model: 'gpt-4o-mini', provider: 'openai', input: 'Classify this ticket: printer on fire', output: 'urgent', input_tokens: 40, output_tokens: 1, cost_usd: 0.0001, latency_ms: 120, start_time: at(5), user_id: 'u4', session_id: 's4', tags: ['support'], routing_alias: 'fast', service: 'support' } },
  { key: 'g', body: { model: 'gpt-4o-mini', provider: 'openai', input: 'Is the flight to Lisbon delayed?', output: 'No, on time', input_tokens: 30, output_tokens: 4, latency_ms: 200, start_time: at(6), user_id: 'u1', session_id: 's1', service: 'planner', operation: 'chat' } },
  { key: 'h', body: { model: 'text-embedding-3-small', provider: 'openai', operation: 'embeddings', input: 'lisbon travel guide', input_tokens: 5, cost_usd: 0.00001, latency_ms: 50, start_time: at(7), service: 'search' } },
];
const ids: Record<string, { trace_id: string; span_id: string }> = {};
const LONG = 'word '.repeat(2000);

before(async () => {
  collector = await startTestCollector(data.dir, {}, [clusterByModel]);
  api = apiClient(collector.url);
  for (const call of CALLS) {
    const res = await api('POST', '/api/traces', call.body);
    assert.equal(res.status, 201, res.text);
    ids[call.key] = res.body;
  }
  // an agent trace holding a tool span, so trace filters have spans to look into
  const root = await api('POST', '/api/spans', { name: 'plan trip', type: 'agent', input: 'plan a weekend in Lisbon', start_time: at(8), end_time: at(9) });
  const tool = await api('POST', '/api/spans', { name: 'search_flights', type: 'tool', parent_span_id: root.body.span_id, start_time: at(8.5), end_time: at(8.6), metadata: { tool_kind: 'http' } });
  ids.root = root.body;
  ids.tool = tool.body;
  // a prompt far longer than a preview
  ids.long = (await api('POST', '/api/traces', { model: 'gpt-4o', input: LONG, output: 'ok', start_time: at(-10), service: 'long' })).body;
  await api('POST', `/api/spans/${ids.c.span_id}/scores`, { name: 'accuracy', value: 0.2, comment: 'missed costs' });
  await api('POST', `/api/spans/${ids.a.span_id}/scores`, { name: 'accuracy', value: 0.9 });
  await api('POST', `/api/spans/${ids.b.span_id}/scores`, { name: 'label', value: 'helpful' });
  await api('POST', `/api/traces/${ids.root.trace_id}/scores`, { name: 'resolved', value: true });
});
after(async () => {
  await collector?.close();
  data.remove();
});

const keysOf = (rows: Array<{ span_id?: string; trace_id: string }>, by: 'span_id' | 'trace_id' = 'span_id') =>
  rows
    .map((r) => Object.entries(ids).find(([, v]) => v[by] === r[by])?.[0] ?? `?${r[by]}`)
    .sort();

async function spanKeys(query: string): Promise<string[]> {
  const res = await api('GET', `/api/spans?limit=500&${query}`);
  assert.equal(res.status, 200, `${query}: ${res.text}`);
  return keysOf(res.body.data);
}
async function traceKeys(query: string): Promise<string[]> {
  const res = await api('GET', `/api/traces?limit=500&${query}`);
  assert.equal(res.status, 200, `${query}: ${res.text}`);
  return keysOf(res.body.data, 'trace_id').map((k) => (k === 'tool' ? 'root' : k));
}

describe('GET /api/spans filters', () => {
  const cases: Array<[string, string[]]> = [
    ['model=gpt-4o', ['a', 'b', 'long']],
    ['provider=anthropic', ['c', 'd']],
    ['routing_alias=fast', ['a', 'f']],
    ['status=error', ['c']],
    ['status=timeout', ['e']],
    ['service=translator', ['d', 'e']],
    ['name=EMBEDDINGS', ['h']],
    ['type=tool', ['tool']],
    ['type=embedding', ['h']],
    ['user_id=u1', ['a', 'c', 'g']],
    ['session_id=s3', ['d', 'e']],
    ['cluster_id=c-gpt-4o-mini', ['f', 'g']],
    ['tag=prod', ['a', 'b', 'd']],
    ['tag=prod&tag=travel', ['a']],
    ['metadata.tier=pro', ['a', 'c']],
    ['metadata.tier=pro&metadata.region=eu', ['a']],
    ['metadata.tool_kind=http', ['tool']],
    ['min_cost=0.01&max_cost=0.1', ['a', 'b']],
    ['min_latency_ms=2000', ['b', 'c', 'root', 'tool']],
    ['max_latency_ms=150&type=generation', ['e', 'f', 'long']],
    ['min_input_tokens=300', ['b', 'c']],
    ['max_input_tokens=15&type=generation', ['e', 'long']],
    ['min_output_tokens=60', ['b', 'c']],
    ['max_output_tokens=1&type=generation', ['f', 'long']],
    ['min_total_tokens=1000', ['c']],
    // 'long' names gpt-4o and no provider: openai is inferred from the price tables
    ['max_total_tokens=10&provider=openai', ['h', 'long']],
    ['score_name=accuracy', ['a', 'c']],
    ['score_name=accuracy&min_score=0.5', ['a']],
    ['score_name=label&score_value=helpful', ['b']],
    [`since=${encodeURIComponent(at(6))}&until=${encodeURIComponent(at(7))}`, ['g', 'h']],
    [`trace_id=${'0'.repeat(31)}1`, []],
    // full text: words (any order, any case), phrases, input or output side
    ['q=lisbon', ['a', 'e', 'g', 'h', 'root']],
    ['q=LISBON%20friday', ['a']],
    ['q=%22capital%20of%20portugal%22', ['e']],
    ['q=%22portugal%20of%20capital%22', []],
    ['q=river', ['b']],
    ['q=bom', ['d']],
    ['q=lis', []],
  ];
  for (const [query, expected] of cases) {
    test(query, async () => {
      assert.deepEqual(await spanKeys(query), expected.sort());
    });
  }

  test('a trace id filter lists one trace', async () => {
    assert.deepEqual(await spanKeys(`trace_id=${ids.root.trace_id}`), ['root', 'tool']);
  });

  test('list rows carry short previews, never whole prompts, messages or raw attributes', async () => {
    const list = await api('GET', '/api/spans?service=long');
    const row = list.body.data[0];
    assert.equal(row.span_id, ids.long.span_id);
    assert.ok(row.input_preview.length <= 300 && row.input_preview.length > 0);
    assert.equal(row.input_text, '');
    assert.equal(row.input_messages, undefined);
    assert.deepEqual(row.span_attributes, {});
    assert.ok(list.text.length < 5000);
    const full = await api('GET', `/api/spans/${row.span_id}`);
    assert.equal(full.body.input_text, LONG);
  });

  test('scores and the running flag appear on span records', async () => {
    const a = await api('GET', `/api/spans/${ids.a.span_id}`);
    assert.deepEqual(a.body.scores, [{ name: 'accuracy', value: 0.9, comment: '', data_type: 'numeric', source: 'api' }]);
    assert.equal(a.body.running, false);
    const listed = await api('GET', '/api/spans?score_name=label');
    assert.deepEqual(listed.body.data[0].scores, [{ name: 'label', value: 'helpful', comment: '', data_type: 'categorical', source: 'api' }]);
  });
});

describe('GET /api/traces filters', () => {
  const cases: Array<[string, string[]]> = [
    ['model=claude-sonnet-4', ['c', 'd']],
    ['provider=google', ['e']],
    ['status=error', ['c']],
    ['service=support', ['f']],
    ['name=plan', ['root']],
    ['tag=batch', ['c']],
    ['user_id=u3', ['d', 'e']],
    ['session_id=s2', ['c']],
    ['routing_alias=smart', ['b']],
    ['cluster_id=c-gemini-2.5-flash', ['e']],
    ['type=tool', ['root']],
    ['metadata.tool_kind=http', ['root']],
    ['q=weekend', ['root']],
    ['q=lisbon&service=planner', ['a', 'g']],
    ['min_cost=0.4', ['c']],
    ['min_latency_ms=3000', ['c', 'root']],
    ['min_total_tokens=2000', ['c']],
    ['max_input_tokens=5', ['h', 'long', 'root']],
    ['score_name=resolved&score_value=true', ['root']],
    ['score_name=accuracy&max_score=0.5', ['c']],
  ];
  for (const [query, expected] of cases) {
    test(query, async () => {
      assert.deepEqual(await traceKeys(query), expected.sort());
    });
  }

  test('trace scores show on the trace, span scores on its spans', async () => {
    const res = await api('GET', `/api/traces/${ids.root.trace_id}`);
    assert.deepEqual(res.body.trace.scores, [{ name: 'resolved', value: true, comment: '', data_type: 'boolean', source: 'api' }]);
    const list = await api('GET', '/api/traces?score_name=resolved');
    assert.deepEqual(list.body.data[0].scores, [{ name: 'resolved', value: true, comment: '', data_type: 'boolean', source: 'api' }]);
  });
});

describe('sorting', () => {
  test('spans by cost and latency, both directions', async () => {
    const byCost = await api('GET', '/api/spans?type=generation&sort=cost&limit=3&service=planner');
    assert.deepEqual(keysOf(byCost.body.data).length, 3);
    const costs = byCost.body.data.map((s: any) => s.cost_usd);
    assert.deepEqual(costs.slice(0, 2), [0.03, 0.01]);
    assert.ok(costs[2] === null || costs[2] < 0.01, 'g: priced by the pipeline, or not at all');
    const slowest = await api('GET', '/api/spans?sort=latency&limit=2');
    assert.deepEqual(keysOf(slowest.body.data), ['root', 'tool']);
    assert.deepEqual(slowest.body.data.map((s: any) => s.latency_ms), [60_000, 6_000]);
    const latencies = (await api('GET', '/api/spans?sort=latency&order=asc&limit=500&type=generation')).body.data.map((s: any) => s.latency_ms);
    assert.deepEqual(latencies, [...latencies].sort((x, y) => x - y));
    // most expensive first, the page's lowest cost is found first: nothing matching is still an empty page
    assert.deepEqual((await api('GET', '/api/spans?service=nobody&sort=cost')).body, { data: [], next_cursor: null });
    const oldest = await api('GET', '/api/spans?order=asc&limit=1&type=generation');
    assert.equal(oldest.body.data[0].start_time.slice(0, 16), at(-10).slice(0, 16));
  });

  test('by cost, either way: priced rows in order, unpriced ones after them, and pages that walk across both', async () => {
    for (const list of ['spans', 'traces']) {
      for (const order of ['asc', 'desc']) {
        const first: any = await api('GET', `/api/${list}?sort=cost&order=${order}&limit=500`);
        assert.equal(first.status, 200, first.text);
        const all = first.body.data.map((r: any) => r.cost_usd);
        const priced = all.filter((c: number | null) => c !== null);
        assert.ok(priced.length >= 2 && all.length - priced.length >= 2, `${list}: the fixture has priced and unpriced rows`);
        // a page size whose pages also end on an unpriced row with another after it (a cursor on a NULL cost)
        const size = [2, 3, 4, 5].find((n) => Array.from({ length: all.length }, (_, k) => k * n).some((end) => end > priced.length && end < all.length));
        assert.ok(size, `${list}: a page can end inside the unpriced rows`);
        const sorted = [...priced].sort((x, y) => (order === 'asc' ? x - y : y - x));
        assert.deepEqual(all, [...sorted, ...all.filter((c: number | null) => c === null)], `${list} ${order}`);
        const walked: Array<number | null> = [];
        const ids: string[] = [];
        let cursor: string | null = null;
        do {
          const page: any = await api('GET', `/api/${list}?sort=cost&order=${order}&limit=${size}${cursor ? `&cursor=${cursor}` : ''}`);
          assert.equal(page.status, 200, page.text);
          walked.push(...page.body.data.map((r: any) => r.cost_usd));
          ids.push(...page.body.data.map((r: any) => r.span_id ?? r.trace_id));
          cursor = page.body.next_cursor;
        } while (cursor);
        assert.deepEqual(walked, all, `${list} ${order}: pages of ${size} give the same order`);
        assert.equal(new Set(ids).size, ids.length, `${list} ${order}: no row twice`);
        assert.deepEqual(ids, first.body.data.map((r: any) => r.span_id ?? r.trace_id), `${list} ${order}: the same rows in the same order`);
      }
    }
  });

  test('traces by cost and latency', async () => {
    const byCost = await api('GET', '/api/traces?sort=cost&limit=2');
    assert.deepEqual(keysOf(byCost.body.data, 'trace_id'), ['b', 'c']);
    assert.ok(byCost.body.data[0].cost_usd >= byCost.body.data[1].cost_usd);
    const fastest = await api('GET', '/api/traces?sort=latency&order=asc&limit=1');
    assert.deepEqual(keysOf(fastest.body.data, 'trace_id'), ['long']);
  });

  test('a cursor only continues the sort order it came from', async () => {
    const page = await api('GET', '/api/spans?sort=cost&limit=1');
    const other = await api('GET', `/api/spans?sort=latency&limit=1&cursor=${page.body.next_cursor}`);
    assert.equal(other.status, 400);
    const traces = await api('GET', `/api/traces?sort=cost&limit=1&cursor=${page.body.next_cursor}`);
    assert.equal(traces.status, 400, 'a span cursor is not a trace cursor');
    const tampered = page.body.next_cursor.replace(/^./, (c: string) => (c === 'e' ? 'f' : 'e'));
    assert.equal((await api('GET', `/api/spans?sort=cost&limit=1&cursor=${tampered}`)).status, 400);
  });
});

describe('span list fields', () => {
  const TABLE = ['name', 'status', 'start_time', 'model', 'input_preview', 'total_tokens', 'latency_ms', 'cost_usd', 'running'];

  test('rows carry their keys and the fields named, with the values of full rows', async () => {
    const full = await api('GET', '/api/spans?type=generation&limit=20');
    const narrow = await api('GET', `/api/spans?type=generation&limit=20&fields=${TABLE.join(',')}`);
    assert.equal(narrow.status, 200, narrow.text);
    assert.equal(narrow.body.data.length, full.body.data.length);
    narrow.body.data.forEach((row: any, i: number) => {
      assert.deepEqual(Object.keys(row).sort(), ['span_id', 'tenant_id', 'trace_id', ...TABLE].sort());
      const expected = Object.fromEntries(Object.keys(row).map((key) => [key, full.body.data[i][key]]));
      assert.deepEqual(row, expected);
    });
    const scored = await api('GET', `/api/spans?trace_id=${ids.c.trace_id}&fields=scores,status`);
    assert.deepEqual(scored.body.data[0], { tenant_id: 'default', trace_id: ids.c.trace_id, span_id: ids.c.span_id, status: 'error', scores: [{ name: 'accuracy', value: 0.2, comment: 'missed costs', data_type: 'numeric', source: 'api' }] });
  });

  test('every field named gives the full row', async () => {
    const full = await api('GET', '/api/spans?limit=30');
    const fields = Object.keys(full.body.data[0]);
    const named = await api('GET', `/api/spans?limit=30&fields=${fields.join(',')}`);
    assert.equal(named.status, 200, named.text);
    assert.deepEqual(named.body, full.body);
  });

  test('a revised span and a running one show their current state', async () => {
    const open = (await api('POST', '/api/spans', { name: 'still going', type: 'agent', start_time: at(-60), service: 'fields-open' })).body;
    const running = await api('GET', '/api/spans?service=fields-open&fields=running,end_time');
    assert.equal(running.body.data[0].running, true);
    await api('PATCH', `/api/spans/${open.span_id}`, { end_time: at(-59), metadata: { outcome: 'done' } });
    const ended = await api('GET', '/api/spans?service=fields-open&fields=running,metadata,end_time');
    assert.deepEqual(ended.body.data, [{ tenant_id: 'default', trace_id: open.trace_id, span_id: open.span_id, running: false, metadata: { outcome: 'done' }, end_time: ended.body.data[0].end_time }]);
    assert.equal(ended.body.data[0].end_time.slice(0, 16), at(-59).slice(0, 16));
  });

  test('pages by cursor like full rows', async () => {
    const walk = async (extra: string) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: any = await api('GET', `/api/spans?sort=cost&limit=3${extra}${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...res.body.data.map((s: any) => s.span_id));
        cursor = res.body.next_cursor;
      } while (cursor);
      return seen;
    };
    assert.deepEqual(await walk('&fields=cost_usd'), await walk(''));
  });

  test('an unknown field is a 400 that names it', async () => {
    const res = await api('GET', '/api/spans?fields=model,input_messages');
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /fields: no field input_messages; a comma-separated list of: tenant_id, trace_id/);
    assert.equal((await api('GET', '/api/spans?fields=,')).status, 400);
  });

  test('a text with no word to look up is a 400, not a page of everything', async () => {
    for (const path of ['/api/traces?q=%21%21', '/api/spans?q=%20', '/api/traces?q=%25', '/api/traces?q=%22%22']) {
      const res = await api('GET', path);
      assert.equal(res.status, 400, path);
      assert.match(res.body.error.message, /q: has no word to search for/, path);
    }
    assert.equal((await api('GET', '/api/traces?q=capital')).status, 200);
  });

  test('a query string that is not valid percent-encoding is a 400, as such a path is', async () => {
    for (const path of ['/api/traces?q=%zz', '/api/traces?q=%E0%A4', '/api/spans?model=%FF', '/api/traces?q=50%']) {
      const res = await api('GET', path);
      assert.equal(res.status, 400, path);
      assert.match(res.body.error.message, /not valid percent-encoding/, path);
    }
    assert.equal((await api('GET', '/api/traces?q=capital+city&model=gpt%2D4o')).status, 200);
  });

  test('a time that is not ISO-8601 says so once', async () => {
    const res = await api('GET', '/api/traces?since=yesterday');
    assert.equal(res.status, 400);
    assert.equal(res.body.error.message, 'since: must be an ISO-8601 time');
  });

  test('a trace read for a few fields: the same summary, spans with their keys and those fields', async () => {
    const full = await api('GET', `/api/traces/${ids.c.trace_id}`);
    const narrow = await api('GET', `/api/traces/${ids.c.trace_id}?fields=name,scores,tool_name`);
    assert.equal(narrow.status, 200, narrow.text);
    assert.deepEqual(narrow.body.trace, full.body.trace);
    assert.equal(narrow.body.spans.length, full.body.spans.length);
    narrow.body.spans.forEach((span: any, i: number) => {
      assert.deepEqual(Object.keys(span).sort(), ['name', 'scores', 'span_id', 'tenant_id', 'tool_name', 'trace_id']);
      assert.deepEqual(span, Object.fromEntries(Object.keys(span).map((key) => [key, full.body.spans[i][key]])));
    });
    assert.ok(narrow.body.spans.some((span: any) => span.scores.length > 0), 'span scores come along when named');
    // a trace score comes with `scores`; without it neither the trace nor its spans carry scores (none are read)
    const made = (await api('POST', '/api/traces', { model: 'm', input: 'a trace with a score of its own', service: 'fields-trace' })).body;
    assert.equal((await api('POST', `/api/traces/${made.trace_id}/scores`, { name: 'quality', value: 0.9 })).status, 201);
    const scored = await api('GET', `/api/traces/${made.trace_id}?fields=name,scores`);
    assert.deepEqual(scored.body.trace.scores.map((s: any) => [s.name, s.value]), [['quality', 0.9]]);
    const unscored = await api('GET', `/api/traces/${made.trace_id}?fields=name`);
    const { scores: _, ...summary } = scored.body.trace;
    assert.deepEqual(unscored.body.trace, summary);
    assert.deepEqual(unscored.body.spans.map((span: any) => Object.keys(span).sort()), [['name', 'span_id', 'tenant_id', 'trace_id']]);
    const unknown = await api('GET', `/api/traces/${ids.c.trace_id}?fields=name,input_messages`);
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.message, /fields: no field input_messages/);
    const both = await api('GET', `/api/traces/${ids.c.trace_id}?fields=name&include=content`);
    assert.equal(both.status, 400);
    assert.match(both.body.error.message, /fields names light fields and include=content/);
  });
});

describe('pagination while data streams in', () => {
  async function walk(base: string, during: (page: number) => Promise<void>) {
    const seen: string[] = [];
    let cursor: string | null = null;
    let page = 0;
    do {
      const res: any = await api('GET', `${base}&limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.status, 200, res.text);
      seen.push(...res.body.data.map((s: any) => s.span_id ?? s.trace_id));
      cursor = res.body.next_cursor;
      await during(page++);
    } while (cursor);
    return seen;
  }

  for (const sort of ['time', 'cost', 'latency'] as const) {
    test(`spans sorted by ${sort}: every span once, none twice, while inserts and revisions run`, async () => {
      const service = `stream-${sort}`;
      const before: string[] = [];
      for (let i = 0; i < 18; i++) {
        const res = await api('POST', '/api/traces', { model: 'gpt-4o', input: `q${i}`, cost_usd: (i % 5) / 100, latency_ms: 100 + (i % 7) * 10, start_time: at(20 + i), service });
        before.push(res.body.span_id);
      }
      let extra = 0;
      const seen = await walk(`/api/spans?service=${service}&sort=${sort}`, async (page) => {
        // between pages: new spans (newest, oldest and in between) and a revision of an already-listed span
        await Promise.all([
          api('POST', '/api/traces', { model: 'gpt-4o', input: 'new', cost_usd: 0.02, latency_ms: 130, start_time: at(20 + (page % 3) * 9 + 0.5), service }).then(() => extra++),
          api('PATCH', `/api/spans/${before[page]}`, { metadata: { revised: String(page) } }),
        ]);
      });
      assert.equal(new Set(seen).size, seen.length, 'no span twice');
      for (const id of before) assert.ok(seen.includes(id), `span ${id} listed`);
      assert.ok(extra > 0);
    });
  }

  test('traces by time: every trace once while new ones arrive', async () => {
    const service = 'stream-traces';
    const before: string[] = [];
    for (let i = 0; i < 10; i++) before.push((await api('POST', '/api/traces', { model: 'm', input: 'x', start_time: at(60 + i), service })).body.trace_id);
    const seen = await walk(`/api/traces?service=${service}`, async () => {
      await api('POST', '/api/traces', { model: 'm', input: 'y', service });
    });
    assert.equal(new Set(seen).size, seen.length);
    for (const id of before) assert.ok(seen.includes(id));
  });
});

describe('GET /api/metrics', () => {
  test('per model and minute: counts, errors, cost, tokens, latency percentiles', async () => {
    const res = await api('GET', `/api/metrics?bucket=minute&group_by=model&since=${encodeURIComponent(at(0))}&until=${encodeURIComponent(at(7.5))}`);
    assert.equal(res.status, 200, res.text);
    const claude = res.body.data.filter((p: any) => p.group === 'claude-sonnet-4');
    assert.deepEqual(claude.map((p: any) => p.bucket), [new Date(T0 + 120_000).toISOString().slice(0, 17) + '00.000Z', new Date(T0 + 180_000).toISOString().slice(0, 17) + '00.000Z']);
    assert.deepEqual(claude.map((p: any) => [p.count, p.error_count, p.input_tokens, p.output_tokens]), [[1, 1, 2000, 150], [1, 0, 20, 5]]);
    assert.equal(claude[0].p50_latency_ms, 4000);
    assert.equal(claude[0].cost_usd, 0.5);
  });

  test('bucket=window: one row per group for the whole window, its percentiles over every call (not per bucket)', async () => {
    const window = `since=${encodeURIComponent(at(0))}&until=${encodeURIComponent(at(7.5))}`;
    const res = await api('GET', `/api/metrics?bucket=window&group_by=model&${window}`);
    assert.equal(res.status, 200, res.text);
    const claude = res.body.data.filter((p: any) => p.group === 'claude-sonnet-4');
    assert.equal(claude.length, 1, 'one row for the model');
    assert.equal(claude[0].bucket, new Date(at(0)).toISOString(), 'named by the window start');
    assert.deepEqual([claude[0].count, claude[0].error_count, claude[0].input_tokens, claude[0].output_tokens], [2, 1, 2020, 155]);
    // per minute each call is its own bucket; over the window the percentiles span both calls
    const perMinute = (await api('GET', `/api/metrics?bucket=minute&group_by=model&${window}`)).body.data.filter((p: any) => p.group === 'claude-sonnet-4');
    const [low, high] = perMinute.map((p: any) => p.p50_latency_ms).sort((a: number, b: number) => a - b);
    assert.ok(low < high);
    assert.ok(claude[0].p50_latency_ms > low && claude[0].p50_latency_ms < high, JSON.stringify(claude[0]));
    assert.ok(claude[0].p99_latency_ms > 0.98 * high && claude[0].p99_latency_ms <= high, JSON.stringify(claude[0]));
    const all = (await api('GET', `/api/metrics?bucket=window&${window}`)).body.data;
    assert.equal(all.length, 1);
    assert.equal(all[0].count, res.body.data.reduce((n: number, p: any) => n + p.count, 0), 'ungrouped: the same calls');
  });

  test('one bucket per day, grouped by provider, LLM calls only by default', async () => {
    const res = await api('GET', `/api/metrics?bucket=day&group_by=provider&since=${encodeURIComponent(at(0))}&until=${encodeURIComponent(at(7.5))}`);
    // the calls may straddle midnight: add up each group's buckets
    const byProvider: Record<string, { count: number; error_count: number; cost_usd: number }> = {};
    for (const point of res.body.data) {
      const sum = (byProvider[point.group] ??= { count: 0, error_count: 0, cost_usd: 0 });
      sum.count += point.count;
      sum.error_count += point.error_count;
      sum.cost_usd += point.cost_usd;
      assert.ok(point.p50_latency_ms <= point.p90_latency_ms && point.p90_latency_ms <= point.p99_latency_ms);
    }
    assert.equal(byProvider.openai.count, 5);
    assert.equal(byProvider.anthropic.error_count, 1);
    assert.equal(byProvider.google.error_count, 1);
    assert.equal(byProvider[''], undefined, 'agent and tool spans are not LLM calls');
    const p = byProvider.openai;
    // a, b, f and h carry client costs; g is priced by the pipeline (a fraction of a cent)
    assert.ok(p.cost_usd >= 0.04011 - 1e-9 && p.cost_usd < 0.0402, String(p.cost_usd));
    const all = await api('GET', `/api/metrics?bucket=day&type=all&since=${encodeURIComponent(at(0))}&until=${encodeURIComponent(at(9))}`);
    assert.equal(all.body.data.reduce((n: number, x: any) => n + x.count, 0), 10);
  });

  test('same filters as the lists; metadata grouping', async () => {
    const res = await api('GET', `/api/metrics?bucket=hour&group_by=metadata.tier&user_id=u1&since=${encodeURIComponent(at(0))}&until=${encodeURIComponent(at(7.5))}`);
    // the calls may straddle an hour boundary: add up each group's buckets
    const groups: Record<string, number> = {};
    for (const p of res.body.data) groups[p.group] = (groups[p.group] ?? 0) + p.count;
    assert.deepEqual(groups, { '': 1, pro: 2 });
    const text = await api('GET', `/api/metrics?q=lisbon&bucket=hour&since=${encodeURIComponent(at(0))}`);
    assert.equal(text.body.data.reduce((n: number, x: any) => n + x.count, 0), 4);
  });

  test('bad buckets and groups are 400', async () => {
    assert.equal((await api('GET', '/api/metrics?bucket=week')).status, 400);
    assert.equal((await api('GET', '/api/metrics?group_by=colour')).status, 400);
    assert.equal((await api('GET', `/api/metrics?bucket=minute&since=${encodeURIComponent(iso(Date.now() - 30 * 86_400_000))}`)).status, 400);
  });
});

describe('query plans', () => {
  async function plan(query: string, params: Record<string, unknown>, settings: ClickHouseSettings = {}): Promise<string> {
    const result = await collector.store.client.query({ query, query_params: params, format: 'JSONEachRow', clickhouse_settings: settings });
    return (await result.json<{ explain: string }>()).map((r) => r.explain).join('\n');
  }

  test('full-text search is answered by the text index, not a scan of the text', async () => {
    const { where, params } = spanConditions({ tenantId: 'default', q: 'lisbon "flight to"' });
    const text = await plan(`EXPLAIN indexes = 1 SELECT span_id FROM spans WHERE ${where.join(' AND ')}`, params);
    assert.match(text, /idx_words/);
  });

  test('newest-first span and trace pages read the time projections in order', async () => {
    const spans = await plan(
      `EXPLAIN SELECT trace_id, span_id, version FROM spans WHERE tenant_id = {t:String} AND model = {m:String}
       ORDER BY start_time DESC, trace_id DESC, span_id DESC, version DESC LIMIT 10`,
      { t: 'default', m: 'gpt-4o' },
      SPAN_LIST_SETTINGS,
    );
    assert.match(spans, /ReadFromMergeTree \(p_spans_by_time\)/);
    const traces = await plan(
      `EXPLAIN actions = 1 SELECT trace_id, version FROM traces WHERE tenant_id = {t:String} AND status = 'error'
       ORDER BY start_time DESC, trace_id DESC LIMIT 10`,
      { t: 'default' },
      TRACE_LIST_SETTINGS,
    );
    assert.match(traces, /ReadFromMergeTree \(p_traces_by_time\)/);
    assert.match(traces, /Read type: InReverseOrder/);
  });

  test('a trace page filtered by one user or session reads that key projection in order', async () => {
    for (const [column, search, projection] of [
      ['user_id', { userId: 'u1' }, 'p_traces_by_user'],
      ['session_id', { sessionId: 's1' }, 'p_traces_by_session'],
    ] as const) {
      const settings = traceListSettings({ tenantId: 'default', sort: 'time', order: 'desc', limit: 10, ...search });
      const text = await plan(
        `EXPLAIN actions = 1 SELECT trace_id, version FROM traces WHERE tenant_id = {t:String} AND ${column} = {k:String}
         ORDER BY start_time DESC, trace_id DESC LIMIT 10`,
        { t: 'default', k: column === 'user_id' ? 'u1' : 's1' },
        settings,
      );
      assert.match(text, new RegExp(`ReadFromMergeTree \\(${projection}\\)`));
      assert.match(text, /Read type: InReverseOrder/);
    }
    // with a second filter the key projection cannot answer: the time projection does
    assert.deepEqual(traceListSettings({ tenantId: 'default', sort: 'time', order: 'desc', limit: 10, userId: 'u1', status: 'error' }), TRACE_LIST_SETTINGS);
  });
});
