// insertRows makes and encodes a large insert a slice at a time, so requests that arrive
// meanwhile (gateway calls, exports) are served between slices, not after the whole batch.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ClickHouseSettings } from '@clickhouse/client';
import { createClickHouseClient } from './client.ts';
import { insertRows } from './query.ts';
import { testStorage, type TestStorage } from '../../../test/support/storage.ts';

let storage: TestStorage;
let store: ReturnType<typeof createClickHouseClient>;
before(async () => {
  storage = await testStorage('insert-rows');
  store = createClickHouseClient(storage.options);
  await store.client.command({ query: 'CREATE TABLE rows_in (n UInt32, s String) ENGINE = MergeTree ORDER BY n' });
});
after(async () => {
  await store.client.close();
  await storage.remove();
});

test('a large insert lets the event loop run while its rows are made, and stores every row', async () => {
  let made = 0;
  function* rows() {
    for (let n = 0; n < 1000; n++) {
      made++;
      yield [n, `row ${n} "quoted" \\ and\nnew line`];
    }
  }
  // queued before the insert starts: it runs at the first turn the insert gives back
  const madeWhenServed = new Promise<number>((resolve) => setImmediate(() => resolve(made)));
  await insertRows(store.client, 'rows_in', ['n', 's'], rows());
  const served = await madeWhenServed;
  assert.ok(served > 0 && served < 1000, `the loop ran after ${served} of 1000 rows`);

  const result = await store.client.query({ query: 'SELECT count() AS c, max(n) AS top, any(s) AS s FROM rows_in WHERE n = 999', format: 'JSONEachRow' });
  const [row] = await result.json<{ c: string; top: number; s: string }>();
  assert.deepEqual([Number(row.c), row.top, row.s], [1, 999, 'row 999 "quoted" \\ and\nnew line']);
  const [all] = await (await store.client.query({ query: 'SELECT count() AS c FROM rows_in', format: 'JSONEachRow' })).json<{ c: string }>();
  assert.equal(Number(all.c), 1000);
});

test('an empty insert sends nothing', async () => {
  await insertRows(store.client, 'rows_in', ['n', 's'], []);
  await insertRows(store.client, 'no_such_table', ['n'], (function* () {})());
});

test("a statement's settings apply to it alone (an inline SETTINGS clause), quoted as they were given", async () => {
  const setting = async (name: string, settings?: ClickHouseSettings) => {
    const result = await store.client.query({ query: `SELECT toString(getSetting('${name}')) AS v`, format: 'JSONEachRow', clickhouse_settings: settings });
    return (await result.json<{ v: string }>())[0].v;
  };
  const before = await setting('max_threads');
  assert.equal(await setting('max_threads', { max_threads: 3 }), '3');
  // a SET on the session would have stayed for the next statement
  assert.equal(await setting('max_threads'), before);
  assert.equal(await setting('log_comment', { log_comment: `it's a \\ "test"` }), `it's a \\ "test"`);
  // a query ending in a comment keeps its settings
  const commented = await store.client.query({ query: "SELECT toString(getSetting('max_threads')) AS v -- the last line", format: 'JSONEachRow', clickhouse_settings: { max_threads: 3 } });
  assert.equal((await commented.json<{ v: string }>())[0].v, '3');
  // the client's defaults reach every statement
  assert.equal(await setting('max_memory_usage'), '400000000');
  // an insert takes its settings the same way
  await store.client.insert({ table: 'rows_in', values: [{ n: 5000, s: 'x' }], format: 'JSONEachRow', clickhouse_settings: { max_threads: 2 } });
  const [row] = await (await store.client.query({ query: 'SELECT count() AS c FROM rows_in WHERE n = 5000', format: 'JSONEachRow' })).json<{ c: string }>();
  assert.equal(Number(row.c), 1);
  assert.equal(await setting('max_threads'), before);
});

test('encoded rows go in with the client\'s settings and fail in its error shape (chDB: as one Buffer)', async () => {
  const { bufferInsertOf } = await import('./client.ts');
  const { insertText } = await import('./query.ts');
  assert.equal(Boolean(bufferInsertOf(store.client)), store.mode === 'chdb', 'embedded clients insert Buffers, server clients the text');
  // the client's settings apply: this one lets a row ClickHouse cannot parse be skipped
  const lenient = createClickHouseClient(storage.options, { input_format_allow_errors_num: '1' }).client;
  await insertText(lenient, 'rows_in', ['n', 's'], '[7001,"ok"]\n[-1,"not a UInt32"]\n');
  await lenient.close();
  const [row] = await (await store.client.query({ query: 'SELECT count() AS c FROM rows_in WHERE n = 7001', format: 'JSONEachRow' })).json<{ c: string }>();
  assert.equal(Number(row.c), 1);
  // ... and a row ClickHouse refuses fails as the client's own calls do (ClickHouseError, `type` named)
  await assert.rejects(insertText(store.client, 'rows_in', ['n', 's'], '[-1,"x"]\n'), (error: Error & { type?: string }) => {
    assert.equal(error.constructor.name, 'ClickHouseError');
    assert.equal(error.type, 'CANNOT_PARSE_NUMBER');
    return true;
  });
});
