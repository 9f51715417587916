// What an error becomes for the caller, with the errors ClickHouse itself raises.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClickHouseClient } from '../store/client.ts';
import { testStorage } from '../../../test/support/storage.ts';
import { problemOf } from './errors.ts';

test("a read over the store's memory or time limit is a 503 that says what to do, not an internal error", async () => {
  const storage = await testStorage('errors');
  const { client } = createClickHouseClient(storage.options);
  const heavy = 'SELECT a % 1000000 AS k, count() FROM (SELECT arrayJoin(range(200000)) AS a) AS x, (SELECT arrayJoin(range(20000)) AS b) AS y GROUP BY k';
  try {
    for (const [settings, code] of [[{ max_memory_usage: '1000000' }, 'query_too_large'], [{ max_execution_time: 1 }, 'query_timeout']] as const) {
      const error = await client.query({ query: heavy, format: 'JSONEachRow', clickhouse_settings: settings }).then((r) => r.json(), (e: unknown) => e);
      const problem = problemOf(error);
      assert.deepEqual([problem.status, problem.code], [503, code], String(error));
      assert.match(problem.message, /narrow the time window or add filters$/);
    }
    // anything else stays an internal error, its details in the log only
    const other = await client.query({ query: 'SELECT nosuch FROM system.one', format: 'JSONEachRow' }).then((r) => r.json(), (e: unknown) => e);
    assert.deepEqual(problemOf(other), { status: 500, code: 'internal', message: 'internal error' });
  } finally {
    await client.close();
    await storage.remove();
  }
});
