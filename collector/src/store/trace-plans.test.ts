// Which part of `traces` a time-ordered list reads. ClickHouse picks a projection only
// when it reads fewer marks than the table; a list that bounds nothing it orders by (no
// `since`, or a window older than the data) reads every mark of either, and with equal
// granules the count then depends on where parts happen to end. At 10M spans the table
// won by two marks and the first page sorted all 2M rows (instead of reading ~3,000 in
// order), so the time projection has coarser granules than the table (migration 019).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TRACE_LIST_SETTINGS, traceCandidateQuery, type SearchCursor, type TraceSearch } from './search.ts';
import { SpanStore } from './span-store.ts';
import { TRACE_CANDIDATE_SELECT } from './traces.ts';
import { testStorage, type TestStorage } from '../../../test/support/storage.ts';

let storage: TestStorage;
let store: SpanStore;
before(async () => {
  storage = await testStorage('trace-plans');
  store = await SpanStore.open(storage.options);
  // enough rows for many granules of both the table and the projection
  await store.client.command({
    // durations with ties (97 values), so the order's tie-breaker counts
    query: `INSERT INTO traces (tenant_id, trace_id, start_time, end_time, duration_ms, status, version)
            SELECT 'default', lower(hex(MD5(toString(number)))), now64(6) - toIntervalSecond(number), now64(6) - toIntervalSecond(number) + 1,
                   (number % 97) * 1.5, if(number % 20 = 0, 'error', 'success'), 1
            FROM numbers(4000)`,
  });
});
after(async () => {
  await store.close();
  await storage.remove();
});

async function plan(where: string): Promise<string> {
  const result = await store.client.query({
    query: `EXPLAIN actions = 1 SELECT ${TRACE_CANDIDATE_SELECT} FROM traces WHERE tenant_id = 'default' ${where} ORDER BY start_time DESC, trace_id DESC LIMIT 51`,
    format: 'JSONEachRow',
    clickhouse_settings: TRACE_LIST_SETTINGS,
  });
  return (await result.json<{ explain: string }>()).map((r) => r.explain).join('\n');
}

test('the time projection has fewer marks than the table, whatever the parts', async () => {
  const marks = async (from: string) => {
    const result = await store.client.query({
      query: `SELECT sum(marks) AS n FROM ${from} WHERE database = currentDatabase() AND table = 'traces' AND active ${from === 'system.projection_parts' ? "AND name = 'p_traces_by_time'" : ''}`,
      format: 'JSONEachRow',
    });
    return Number((await result.json<{ n: string }>())[0].n);
  };
  const [table, projection] = [await marks('system.parts'), await marks('system.projection_parts')];
  assert.ok(projection > 0 && projection * 2 < table, `projection ${projection} marks, table ${table}`);
});

test('a newest-first list without a window reads the time projection in order', async () => {
  for (const where of ['', "AND status = 'error'", "AND start_time >= now64(6) - toIntervalDay(365)"]) {
    const text = await plan(where);
    assert.match(text, /ReadFromMergeTree \(p_traces_by_time\)/, where || 'no filter');
    assert.match(text, /Read type: InReverseOrder/, where || 'no filter');
  }
});

test('a page of a few scored traces looks them up by primary key, not in the time projection', async () => {
  const search: TraceSearch = { tenantId: 'default', score: { name: 'quality' }, scoreTraceIds: ['a'.repeat(32), 'b'.repeat(32)], sort: 'time', order: 'desc', limit: 10 };
  const q = traceCandidateQuery(search, { sinceMs: undefined, cursor: undefined, limit: 11, columns: 'trace_id, version', revised: false });
  const result = await store.client.query({ ...q, query: `EXPLAIN indexes = 1 ${q.query}`, format: 'JSONEachRow' });
  const text = (await result.json<{ explain: string }>()).map((r) => r.explain).join('\n');
  assert.doesNotMatch(text, /p_traces_by_time/);
  assert.match(text, /PrimaryKey[\s\S]*trace_id in/i);
});

/** A page of candidates as the store asks for it: its query's plan and rows. */
async function candidates(search: TraceSearch, cursor?: SearchCursor) {
  const q = traceCandidateQuery(search, { sinceMs: search.since?.getTime(), cursor, limit: 11, columns: 'trace_id, version', revised: false });
  const explained = await store.client.query({ ...q, query: `EXPLAIN actions = 1 ${q.query}`, format: 'JSONEachRow' });
  const plan = (await explained.json<{ explain: string }>()).map((r) => r.explain).join('\n');
  const rows = await (await store.client.query({ ...q, format: 'JSONEachRow' })).json<{ trace_id: string; sort_value: number }>();
  return { plan, rows };
}

test('a page sorted by duration with no filter but its window reads the duration projection in order', async () => {
  for (const order of ['desc', 'asc'] as const) {
    for (const since of [undefined, new Date(Date.now() - 2 * 3600_000)]) {
      const { plan } = await candidates({ tenantId: 'default', sort: 'latency', order, since, limit: 10 });
      assert.match(plan, /ReadFromMergeTree \(p_traces_by_duration\)/, `${order} since ${since}`);
      assert.match(plan, order === 'desc' ? /Read type: InReverseOrder/ : /Read type: InOrder/, `${order} since ${since}`);
      // in order through the whole key, so the read stops once the page is full (with the
      // tenant alone as the prefix, the read is in order and still sorts every row)
      const dir = order.toUpperCase();
      assert.match(plan, new RegExp(`Prefix sort description: tenant_id ${dir}, duration_ms ${dir}, trace_id ${dir}`), `${order} since ${since}`);
    }
  }
  // a filter needs columns the projection lacks: the window is read from the time projection
  const filtered = await candidates({ tenantId: 'default', sort: 'latency', order: 'desc', status: 'error', limit: 10 });
  assert.match(filtered.plan, /ReadFromMergeTree \(p_traces_by_time\)/);
  // and so is a window under an hour, whose traces in duration order are few among many
  const narrow = await candidates({ tenantId: 'default', sort: 'latency', order: 'desc', since: new Date(Date.now() - 600_000), limit: 10 });
  assert.match(narrow.plan, /ReadFromMergeTree \(p_traces_by_time\)/);
});

test('pages sorted by duration from the projection are the rows and order of a full sort, cursor after cursor', async () => {
  for (const order of ['desc', 'asc'] as const) {
    // just over an hour: the window leaves out the oldest ~300 traces
    const since = new Date(Date.now() - 3700_000);
    const expected = await (
      await store.client.query({
        query: `SELECT trace_id, duration_ms FROM traces WHERE tenant_id = 'default' AND start_time >= fromUnixTimestamp64Micro({since:Int64})
                ORDER BY duration_ms ${order}, trace_id ${order} LIMIT 33`,
        query_params: { since: since.getTime() * 1000 },
        format: 'JSONEachRow',
        clickhouse_settings: { optimize_use_projections: 0 },
      })
    ).json<{ trace_id: string; duration_ms: number }>();
    let cursor: SearchCursor | undefined;
    const got: Array<{ trace_id: string; sort_value: number }> = [];
    for (let page = 0; page < 3; page++) {
      const { plan, rows } = await candidates({ tenantId: 'default', sort: 'latency', order, since, limit: 10 }, cursor);
      assert.match(plan, /ReadFromMergeTree \(p_traces_by_duration\)/, `${order}, page ${page + 1}`);
      got.push(...rows);
      const last = rows[rows.length - 1];
      cursor = { sort: 'latency', order, value: Number(last.sort_value), traceId: last.trace_id };
    }
    assert.deepEqual(got.map((r) => [r.trace_id, Number(r.sort_value)]), expected.map((r) => [r.trace_id, Number(r.duration_ms)]), order);
    // ties of duration really were broken by trace id across the pages
    assert.ok(new Set(expected.map((r) => r.duration_ms)).size < expected.length, order);
  }
});
