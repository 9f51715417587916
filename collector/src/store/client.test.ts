// An embedded store keeps the blocks its reads decompress in ClickHouse's cache, sized as
// configured, so a list read again (or another filter over the same newest rows) does not
// decompress them again; one-off reads by id stay out of it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClickHouseClient } from './client.ts';
import { ONE_OFF_BY_ID, queryRows } from './query.ts';
import { OVER_HTTP, testStorage } from '../../../test/support/storage.ts';

const skip = OVER_HTTP ? 'a server sizes its own cache' : false;

async function withStore(cacheMiB: number | undefined, work: (read: (query: string, settings?: object) => Promise<unknown[]>, cache: () => Promise<{ cells: number; hits: number }>) => Promise<void>) {
  const storage = await testStorage('uncompressed-cache');
  const { client } = createClickHouseClient({ ...storage.options, uncompressedCacheMiB: cacheMiB });
  try {
    await client.command({ query: 'CREATE TABLE t (n UInt32, s String) ENGINE = MergeTree ORDER BY n' });
    await client.command({ query: "INSERT INTO t SELECT number, repeat('x', 100) FROM numbers(100000)" });
    const read = (query: string, settings = {}) => queryRows(client, { query, clickhouse_settings: settings });
    const cache = async () => {
      const [row] = await queryRows<{ cells: string; hits: string }>(client, {
        query: `SELECT (SELECT value FROM system.metrics WHERE metric = 'UncompressedCacheCells') AS cells,
                       (SELECT sum(value) FROM system.events WHERE event = 'UncompressedCacheHits') AS hits`,
      });
      return { cells: Number(row.cells), hits: Number(row.hits) };
    };
    await work(read, cache);
  } finally {
    await client.close();
    await storage.remove();
  }
}

test('the engine gets the configured cache, and a read repeated is served from it', { skip }, async () => {
  await withStore(32, async (read, cache) => {
    const [size] = (await read("SELECT value FROM system.server_settings WHERE name = 'uncompressed_cache_size'")) as Array<{ value: string }>;
    assert.equal(Number(size.value), 32 * 1024 * 1024);
    const before = await cache();
    await read('SELECT sum(length(s)) AS total FROM t WHERE n < 20000');
    const filled = await cache();
    assert.ok(filled.cells > before.cells, 'the first read keeps its blocks');
    await read('SELECT sum(length(s)) AS total FROM t WHERE n < 20000');
    assert.ok((await cache()).hits > filled.hits, 'the second read finds them');
  });
});

test('one-off reads by id leave the cache as it was', { skip }, async () => {
  await withStore(32, async (read, cache) => {
    const before = await cache();
    await read('SELECT s FROM t WHERE n IN (5, 50000, 99999)', ONE_OFF_BY_ID);
    assert.equal((await cache()).cells, before.cells);
    await read('SELECT s FROM t WHERE n IN (5, 50000, 99999)');
    assert.ok((await cache()).cells > before.cells, 'the same read with the defaults keeps its blocks');
  });
});

test('a cache of 0 MiB: reads do not ask for one', { skip }, async () => {
  await withStore(0, async (read, cache) => {
    const [setting] = (await read("SELECT getSetting('use_uncompressed_cache') AS on")) as Array<{ on: boolean }>;
    assert.equal(setting.on, false);
    const before = await cache(); // the metric is the process's: earlier tests' engines count in it
    await read('SELECT sum(length(s)) AS total FROM t WHERE n < 20000');
    assert.equal((await cache()).cells, before.cells);
  });
});
