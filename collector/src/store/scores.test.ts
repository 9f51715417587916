// A score set again replaces its value: reads must see only each score's newest version,
// also while the versions sit in parts that have not merged (merges are stopped here, so
// a read that kept every version would show both).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { queryRows } from './query.ts';
import { ScoreStore } from './scores.ts';
import { SpanStore } from './span-store.ts';
import { testStorage, type TestStorage } from '../../../test/support/storage.ts';

const TRACE = 'a'.repeat(32);
const OTHER = 'b'.repeat(32);
const SPAN = 'c'.repeat(16);

let storage: TestStorage;
let store: SpanStore;
let scores: ScoreStore;
before(async () => {
  storage = await testStorage('scores');
  store = await SpanStore.open(storage.options);
  scores = new ScoreStore(store.client);
  await store.client.command({ query: 'SYSTEM STOP MERGES scores' });
});
after(async () => {
  await store.close();
  await storage.remove();
});

test('forTraces gives each score once, with its newest value, before the parts merge', async () => {
  const known = { traceStartUs: Date.now() * 1000 };
  await scores.setScores('default', TRACE, SPAN, [{ name: 'accuracy', value: 0.5 }, { name: 'tone', value: 'curt' }], known);
  await scores.setScores('default', TRACE, SPAN, [{ name: 'accuracy', value: 0.75, comment: 'second look' }], known);
  await scores.setScores('default', TRACE, '', [{ name: 'resolved', value: false }], known);
  await scores.setScores('default', TRACE, '', [{ name: 'resolved', value: true }], known);
  await scores.setScores('default', OTHER, '', [{ name: 'resolved', value: false }], known);
  await scores.setScores('tenant-b', TRACE, '', [{ name: 'resolved', value: false }], known);

  const [{ parts }] = await queryRows<{ parts: string }>(store.client, { query: `SELECT count() AS parts FROM system.parts WHERE table = 'scores' AND active AND database = currentDatabase()` });
  assert.ok(Number(parts) >= 4, `the versions are in parts of their own (${parts})`);

  const found = await scores.forTraces('default', [TRACE]);
  assert.deepEqual(
    found.map((s) => [s.span_id, s.name, s.value, s.comment]),
    [
      ['', 'resolved', true, ''],
      [SPAN, 'accuracy', 0.75, 'second look'],
      [SPAN, 'tone', 'curt', ''],
    ],
  );
  assert.deepEqual((await scores.forTraces('default', [OTHER, TRACE])).map((s) => s.trace_id), [TRACE, TRACE, TRACE, OTHER]);
  assert.deepEqual(await scores.forTraces('default', []), []);
});
