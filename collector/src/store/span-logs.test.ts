import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ClickHouseClient } from '@clickhouse/client';
import { SpanStore } from './span-store.ts';
import { SpanLogStore } from './span-logs.ts';
import { testStorage, type TestStorage } from '../../../test/support/storage.ts';

let storage: TestStorage;
let store: SpanStore;
before(async () => {
  storage = await testStorage('span-logs');
  store = await SpanStore.open(storage.options);
});
after(async () => {
  await store.close();
  await storage.remove();
});

/** The store's client, counting the reads made through it; the check's answer may be held back until `hold` settles. */
function counting(client: ClickHouseClient, hold?: Promise<void>): { client: ClickHouseClient; reads: string[]; checked: Promise<void> } {
  const reads: string[] = [];
  let checkedNow!: () => void;
  const checked = new Promise<void>((resolve) => (checkedNow = resolve));
  const proxy = new Proxy(client, {
    get(target, key, receiver) {
      if (key === 'query') {
        return async (params: { query: string }) => {
          reads.push(params.query);
          const result = await target.query(params as never);
          if (params.query.includes('count() > 0')) {
            checkedNow();
            await hold;
          }
          return result;
        };
      }
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { client: proxy, reads, checked };
}

const T = Date.now() * 1000;
const span = (i: number) => ({ tenant_id: 'default', trace_id: 'a'.repeat(32), span_id: String(i).padStart(16, '0'), start_time_us: T, end_time_us: T + 1000 });

test('requests that arrive together share one check for span logs, and logs stored meanwhile are looked up', async () => {
  const { client, reads } = counting(store.client);
  const logs = new SpanLogStore(client);
  // eight requests in flight at start-up, the table empty
  const found = await Promise.all(Array.from({ length: 8 }, (_, i) => logs.forSpans([span(i)])));
  assert.deepEqual(found, Array.from({ length: 8 }, () => []));
  assert.equal(reads.filter((q) => q.includes('count() > 0')).length, 1, 'one check, shared');
  assert.equal(reads.filter((q) => q.includes('FROM span_logs') && !q.includes('count()')).length, 0, 'no lookup while none are stored');

  // a log stored for span 3: from now on spans are looked up, without checking again
  await logs.insert([{ tenant_id: 'default', trace_id: 'a'.repeat(32), span_id: span(3).span_id, time_us: T + 10, seq: 0, event_name: 'gen_ai.user.message', body: { content: 'hi' }, attributes: {} }]);
  const joined = await logs.forSpans([span(3)]);
  assert.equal(joined.length, 1);
  assert.deepEqual(joined[0].body, { content: 'hi' });
  assert.equal(reads.filter((q) => q.includes('count() > 0')).length, 1);
});

test('a check that read an empty table does not hide a log this process stored while it ran', async () => {
  let release!: () => void;
  const { client, reads, checked } = counting(store.client, new Promise<void>((resolve) => (release = resolve)));
  const logs = new SpanLogStore(client);
  await store.client.command({ query: 'TRUNCATE TABLE span_logs' });
  const checking = logs.forSpans([span(1)]); // the check reads the empty table; its answer is held back
  await checked;
  await logs.insert([{ tenant_id: 'default', trace_id: 'a'.repeat(32), span_id: span(1).span_id, time_us: T + 20, seq: 0, event_name: 'gen_ai.choice', body: { content: 'ok' }, attributes: {} }]);
  release(); // "no logs" arrives after this process stored one
  await checking;
  assert.equal((await logs.forSpans([span(1)])).length, 1, 'looked up, not skipped for 30 s');
  assert.equal(reads.filter((q) => q.includes('count() > 0')).length, 1);
});
