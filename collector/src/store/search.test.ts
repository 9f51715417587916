// Full-text search on traces takes one of two plans: a rare text is a short list of trace
// ids from the text index; a common one checks the newest traces, a batch at a time. With
// small thresholds both plans run here on the same data and must give the same pages.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mapSpan, type OtlpSpan } from '@spanhouse/model';
import { ScoreStore } from './scores.ts';
import { SearchStore, type TraceSearch } from './search.ts';
import { SpanStore } from './span-store.ts';
import { testStorage, type TestStorage } from '../../../test/support/storage.ts';

let storage: TestStorage;
let store: SpanStore;
before(async () => {
  storage = await testStorage('search');
  store = await SpanStore.open(storage.options);
  const t0 = Date.now() * 1000 - 3_600_000_000;
  const spans = [];
  for (let i = 0; i < 40; i++) {
    const traceId = i.toString(16).padStart(32, '0');
    // every third trace asks about a refund (in its second span only), the rest about the weather
    const topic = i % 3 === 0 ? 'a refund for my blender' : 'the weather in Lisbon';
    for (const [n, text] of [['1', 'hello'], ['2', topic]]) {
      const span: OtlpSpan = {
        traceId, spanId: `${n}${i.toString(16).padStart(15, '0')}`, parentSpanId: n === '1' ? '' : `1${i.toString(16).padStart(15, '0')}`,
        name: 'chat', kind: 1, startTimeUs: t0 + i * 60_000_000 + Number(n), endTimeUs: t0 + i * 60_000_000 + 1_000_000,
        attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.input.messages': JSON.stringify([{ role: 'user', content: text }]) },
        events: [], links: [], status: { code: 0, message: '' },
      };
      spans.push(mapSpan({ span, resource: { 'service.name': 's' }, scope: { name: 's', version: '' }, tenantId: 'default' }));
    }
  }
  await store.insertSpans(spans);
});
after(async () => {
  await store.close();
  await storage.remove();
});

/** Every page of a newest-first text search, following cursors. */
async function allPages(search: SearchStore, q: string, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: TraceSearch['cursor'];
  let pages = 0;
  do {
    const page = await search.listTraces({ tenantId: 'default', spans: { q }, sort: 'time', order: 'desc', limit, cursor });
    ids.push(...page.data.map((t) => t.trace_id));
    cursor = page.nextCursor ?? undefined;
    pages++;
  } while (cursor && pages < 50);
  return { ids, pages };
}

test('a common text (checked on the newest traces) and a rare text (a list of ids) give the same pages', async () => {
  const expected = Array.from({ length: 40 }, (_, i) => i)
    .filter((i) => i % 3 === 0)
    .reverse()
    .map((i) => i.toString(16).padStart(32, '0'));
  const byIds = new SearchStore(store.client, new ScoreStore(store.client));
  // 14 matching traces > 5: the batch plan, 4 traces a batch, at most 2 batches a page
  const byBatches = new SearchStore(store.client, new ScoreStore(store.client), { ids: 5, batch: 4, rounds: 2 });
  for (const [label, search] of [['ids', byIds], ['batches', byBatches]] as const) {
    const { ids } = await allPages(search, 'refund', 3);
    assert.deepEqual(ids, expected, label);
  }
  // a page that ran out of rounds still continues where the check stopped
  const first = await byBatches.listTraces({ tenantId: 'default', spans: { q: 'refund' }, sort: 'time', order: 'desc', limit: 10 });
  assert.ok(first.data.length < 10 && first.nextCursor, 'a short page with a cursor');
  // its batches were checked without previews; the rows it keeps still show theirs
  assert.ok(first.data.length > 0 && first.data.every((t) => t.input === 'hello'), JSON.stringify(first.data.map((t) => t.input)));
  // nothing matches: empty either way
  assert.deepEqual((await allPages(byBatches, 'zanzibar', 3)).ids, []);
});

test('a word no trace holds whole matches as a word prefix, in the newest traces, through every page', async () => {
  const expected = Array.from({ length: 40 }, (_, i) => i)
    .filter((i) => i % 3 === 0)
    .reverse()
    .map((i) => i.toString(16).padStart(32, '0'));
  const search = new SearchStore(store.client, new ScoreStore(store.client));
  // `blend` and `REF` are no whole word of any trace: `blender` and `refund` start with them
  assert.deepEqual((await allPages(search, 'blend', 4)).ids, expected);
  assert.deepEqual((await allPages(search, 'REF', 4)).ids, expected);
  // only at the start of a word: `ender` is inside `blender`, never its start
  assert.deepEqual((await allPages(search, 'ender', 4)).ids, []);
  // regex characters are text, not a pattern
  assert.deepEqual((await allPages(search, 'ref.*', 4)).ids, []);
  // a whole word still answers from the index, prefixes of other words aside
  const whole = await allPages(search, 'lisbon', 50);
  assert.equal(whole.ids.length, 40 - expected.length);
});
