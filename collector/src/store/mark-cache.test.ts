// A trace opened by id must not wait for marks to load: migration 021 has the tables load
// the marks of every part they write or merge, and of every part when the store opens
// (prewarm_mark_cache). Without it a first read at 10M spans loaded ~60 mark files.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SpanStore } from './span-store.ts';
import { testStorage, type TestStorage } from '../../../test/support/storage.ts';

let storage: TestStorage;
let store: SpanStore;
before(async () => {
  storage = await testStorage('mark-cache');
  store = await SpanStore.open(storage.options);
  // parts as large ones are written (a marks file per column), not compact (one for all)
  await store.client.command({ query: 'ALTER TABLE spans MODIFY SETTING min_bytes_for_wide_part = 0, min_rows_for_wide_part = 0' });
});
after(async () => {
  await store.close();
  await storage.remove();
});

/** A part of 5,000 spans (1,000 traces) whose trace ids all start with `prefix`. */
async function insertPart(prefix: string): Promise<void> {
  await store.client.command({
    query: `INSERT INTO spans (tenant_id, trace_id, span_id, name, start_time, end_time, input_messages, version)
            SELECT 'default', concat('${prefix}', substring(lower(hex(MD5(toString(intDiv(number, 5))))), 2)), lower(hex(MD5(toString(number)))), 'chat',
                   now64(6) - toIntervalSecond(number), now64(6) - toIntervalSecond(number) + 1, '[{"role":"user","content":"hi"}]', 1
            FROM numbers(5000)`,
  });
}

async function markCacheMisses(): Promise<number> {
  const result = await store.client.query({ query: "SELECT sum(value) AS n FROM system.events WHERE event = 'MarkCacheMisses'", format: 'JSONEachRow' });
  return Number((await result.json<{ n: string }>())[0]?.n ?? 0);
}

test('a trace in a newly written part is read without loading marks', async () => {
  await insertPart('a');
  await store.client.command({ query: 'SYSTEM DROP MARK CACHE' });
  // the primary index keeps the read to this part: every trace id in it starts with f
  await insertPart('f');
  const [{ trace_id }] = await (await store.client.query({ query: "SELECT trace_id FROM spans WHERE startsWith(trace_id, 'f') LIMIT 1", format: 'JSONEachRow' })).json<{ trace_id: string }>();
  const before = await markCacheMisses();
  const found = await store.getTrace('default', trace_id, true);
  assert.equal(found?.spans.length, 5);
  assert.equal((await markCacheMisses()) - before, 0, 'the part loaded its marks when it was written');
});
