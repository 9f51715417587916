// Which part of `traces` a time-ordered list reads. ClickHouse picks a projection only
// when it reads fewer marks than the table; a list that bounds nothing it orders by (no
// `since`, or a window older than the data) reads every mark of either, and with equal
// granules the count then depends on where parts happen to end. At 10M spans the table
// won by two marks and the first page sorted all 2M rows (instead of reading ~3,000 in
// order), so the time projection has coarser granules than the table (migration 019).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TRACE_LIST_SETTINGS, traceCandidateQuery, type TraceSearch } from './search.ts';
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
    query: `INSERT INTO traces (tenant_id, trace_id, start_time, end_time, status, version)
            SELECT 'default', lower(hex(MD5(toString(number)))), now64(6) - toIntervalSecond(number), now64(6) - toIntervalSecond(number) + 1,
                   if(number % 20 = 0, 'error', 'success'), 1
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
