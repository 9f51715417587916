// Newest-first pages filtered by a score that many traces have read the scored traces in
// order of their start bound (scores.trace_start_bound) and look them up by primary key.
// The bound is an upper bound, not the start: exact here for some traces, later than the
// start for others (spans that started earlier arrived after the score), unknown for a few
// (scored before any span arrived). Every page must still be the exact newest-first list.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ScoreStore, UNKNOWN_TRACE_START_US } from './scores.ts';
import { SearchStore, type TraceSearch } from './search.ts';
import { SpanStore } from './span-store.ts';
import { testStorage, type TestStorage } from '../../../test/support/storage.ts';

const TRACES = 3000;
const NOW_US = Date.now() * 1000;
const id = (n: number) => n.toString(16).padStart(32, '0');
const startUs = (n: number) => NOW_US - n * 1_000_000;
/** Trace n is scored `quality` when n is even, valued (n % 10) / 10: 1,500 traces, 600 of them >= 0.5 (more than a page looks up by id). */
const scored = (n: number) => n % 2 === 0;
const value = (n: number) => (n % 10) / 10;
function bound(n: number): number {
  if (n % 40 === 4) return UNKNOWN_TRACE_START_US;
  if (n % 3 !== 0) return startUs(n) + (n % 2400) * 1_000_000; // the trace's start moved earlier after it was scored
  return startUs(n);
}

let storage: TestStorage;
let store: SpanStore;
let search: SearchStore;
before(async () => {
  storage = await testStorage('scored-pages');
  store = await SpanStore.open(storage.options);
  search = new SearchStore(store.client, new ScoreStore(store.client));
  const traces = Array.from({ length: TRACES }, (_, n) => ({
    tenant_id: 'default', trace_id: id(n), start_time: startUs(n), end_time: startUs(n) + 1000, status: n % 7 === 0 ? 'error' : 'success', version: 1,
  }));
  await store.client.insert({ table: 'traces', values: traces, format: 'JSONEachRow' });
  const scores = traces
    .map((_, n) => n)
    .filter(scored)
    .map((n) => ({
      tenant_id: 'default', trace_id: id(n), span_id: '', name: 'quality', data_type: 'numeric', value: value(n), string_value: String(value(n)),
      source: 'api', created_at: NOW_US, version: 1, trace_start_bound: bound(n),
    }));
  await store.client.insert({ table: 'scores', values: scores, format: 'JSONEachRow' });
});
after(async () => {
  await store.close();
  await storage.remove();
});

/** The first `count` traces of every page, following cursors. */
async function pages(filter: Partial<TraceSearch>, limit: number, count: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: TraceSearch['cursor'];
  do {
    const page = await search.listTraces({ tenantId: 'default', sort: 'time', order: 'desc', limit, cursor, ...filter });
    ids.push(...page.data.map((t) => t.trace_id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor && ids.length < count);
  return ids.slice(0, count);
}

const newest = (keep: (n: number) => boolean, count: number) =>
  Array.from({ length: TRACES }, (_, n) => n)
    .filter(keep)
    .slice(0, count)
    .map(id);

test('a common score lists its traces newest first, page after page, whatever their bounds', async () => {
  const expected = newest((n) => scored(n) && value(n) >= 0.5, 100);
  assert.deepEqual(await pages({ score: { name: 'quality', min: 0.5 } }, 20, 100), expected);
});

test('with another filter and a window, only the traces passing all of them, in order', async () => {
  const errors = newest((n) => scored(n) && n % 7 === 0, 60);
  assert.deepEqual(await pages({ score: { name: 'quality' }, status: 'error' }, 15, 60), errors);
  const lastHour = newest((n) => scored(n) && value(n) >= 0.5 && n <= 1000, 1000);
  assert.deepEqual(await pages({ score: { name: 'quality', min: 0.5 }, since: new Date(startUs(1000) / 1000) }, 50, 1000), lastHour);
});

test('a score stored before its trace, and after it, bounds the trace start', async () => {
  const scores = new ScoreStore(store.client);
  const early = 'e'.repeat(32);
  await scores.setScores('default', early, '', [{ name: 'late-arrival', value: 1 }]);
  await scores.setScores('default', id(8), '', [{ name: 'late-arrival', value: 1 }]);
  // a caller that has just read the trace's start passes it on (POST /api/traces/:id/scores)
  assert.equal(await scores.traceStart('default', id(10)), startUs(10));
  assert.equal(await scores.traceStart('default', early), null, 'not stored');
  await scores.setScores('default', id(10), '', [{ name: 'late-arrival', value: 1 }], { traceStartUs: startUs(10) });
  await scores.setScores('default', 'f'.repeat(32), 's1', [{ name: 'late-arrival', value: 1 }], { spanStartUs: startUs(5) });
  const bounds = await store.client.query({
    query: "SELECT trace_id, toUnixTimestamp64Micro(trace_start_bound) AS b FROM scores FINAL WHERE name = 'late-arrival' ORDER BY trace_id",
    format: 'JSONEachRow',
  });
  const byTrace = new Map((await bounds.json<{ trace_id: string; b: string }>()).map((r) => [r.trace_id, Number(r.b)]));
  assert.equal(byTrace.get(id(8)), startUs(8), 'a stored trace: its start');
  assert.equal(byTrace.get(early), UNKNOWN_TRACE_START_US, 'no span yet: unknown');
  assert.equal(byTrace.get(id(10)), startUs(10), 'the start the caller read');
  assert.equal(byTrace.get('f'.repeat(32)), startUs(5), "no trace stored: the scored span's start");
});
