// POST /api/sql under faults and contention (issue 10): no schema object is made while
// answering a request (tenant views come at start-up and key creation; a tenant first seen
// later gets them from a background job and a 503 meanwhile); a data directory with a
// half-written view database (what a full disk leaves) starts and is repaired; user SQL
// has a fair share per tenant, answered 429/503 + Retry-After when it cannot run, and never
// holds up the API's own queries. It stops at its own time limit, and its errors speak of the
// text the user wrote.
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SpanStore, type RunningCollector } from '@spanhouse/collector';
import { tenantDatabase } from '../../collector/src/store/sql.ts';
import { apiClient } from '../support/api.ts';
import { startTestCollector, tempDataDir } from '../support/collector.ts';
import { makeKey, withKeyStore } from '../support/keys.ts';

const data = tempDataDir('sql-reliability');
const SQL_LIMITS = { sqlMaxConcurrent: 1, sqlMaxConcurrentPerTenant: 1, sqlMaxQueuedPerTenant: 1, sqlQueueTimeoutMs: 2_000, sqlMaxMemoryBytes: 50_000_000, sqlMaxExecutionSeconds: 2 };
let collector: RunningCollector;
const keys = { acme: '', relay: '', admin: '' };
const api = () => ({ acme: apiClient(collector.url, keys.acme), relay: apiClient(collector.url, keys.relay), admin: apiClient(collector.url, keys.admin) });

async function databases(store: SpanStore): Promise<string[]> {
  const result = await store.client.query({ query: "SELECT name FROM system.databases WHERE name LIKE 'sh_tenant_%' ORDER BY name", format: 'JSONEachRow' });
  return (await result.json<{ name: string }>()).map((r) => r.name);
}

before(async () => {
  await withKeyStore(data.dir, async (keyStore, store) => {
    keys.acme = (await makeKey(keyStore, 'acme')).key;
    keys.relay = (await makeKey(keyStore, 'relay', { relay: true })).key;
    keys.admin = (await makeKey(keyStore, 'ops', { admin: true })).key;
    // creating a tenant (spanhouse keys create) creates its SQL views
    assert.ok((await databases(store)).includes(tenantDatabase('acme')));
  });
  collector = await startTestCollector(data.dir, SQL_LIMITS);
});
after(async () => {
  await collector?.close();
  data.remove();
});

test("a tenant's SQL runs on the views made before any request", async () => {
  const { acme } = api();
  assert.equal((await acme('POST', '/api/traces', { model: 'm', input: 'acme question' })).status, 201);
  const before = await databases(collector.store);
  const res = await acme('POST', '/api/sql', { query: 'SELECT count() AS n FROM spans' });
  assert.equal(res.status, 200, res.text);
  assert.equal(Number(res.body.data[0].n), 1);
  assert.deepEqual(await databases(collector.store), before, 'the request created no schema object');
});

test("user SQL runs with its configured limits, not the store's own (here 50 MB of memory; the store's queries may take 400)", async () => {
  const { acme } = api();
  // ~100 MB of strings in one aggregate
  const heavy = await acme('POST', '/api/sql', { query: "SELECT length(groupArray(repeat('x', 1000))) AS n FROM (SELECT arrayJoin(range(100000)) AS i)" });
  assert.equal(heavy.status, 400, heavy.text);
  assert.match(heavy.body.error.message, /memory limit/i);
  const light = await acme('POST', '/api/sql', { query: "SELECT length(groupArray(repeat('x', 1000))) AS n FROM (SELECT arrayJoin(range(1000)) AS i)" });
  assert.equal(light.status, 200, light.text);
  assert.equal(Number(light.body.data[0].n), 1000);
});

test("user SQL stops at its configured time limit (here 2 s; the store's own queries may take 60, the default for user SQL is 10)", async () => {
  const { acme } = api();
  // 10^10 rows through a cross join: minutes unless stopped
  const started = Date.now();
  const slow = await acme('POST', '/api/sql', { query: 'SELECT count() AS n FROM (SELECT arrayJoin(range(100000)) AS a) AS x, (SELECT arrayJoin(range(100000)) AS b) AS y' });
  const tookMs = Date.now() - started;
  assert.equal(slow.status, 400, slow.text);
  assert.match(slow.body.error.message, /^Timeout exceeded: elapsed [\d.]+ ms, maximum: 2000 ms/);
  assert.ok(tookMs < 8_000, `stopped after ${tookMs} ms`);
});

test('SQL errors speak of the text the user wrote, never of the statements that check it or their settings', async () => {
  const { acme } = api();
  const wrapper = /formatQuerySingleLine|SETTINGS|max_execution_time|In scope SELECT formatQuery/;
  const cases: Array<[string, RegExp]> = [
    ['SELECT 1; SELECT 2', /^multiple statements are not allowed: send one SELECT \(the first one ends at line 1, column 9\)$/],
    ['SELECT 1 /* ; */; DROP TABLE default.spans', /^multiple statements are not allowed/],
    // not read as `SELECT SELEC AS bad` (ClickHouse's implicit SELECT)
    ['SELEC bad', /^syntax error at line 1, column 1, near "SELEC bad": only a SELECT query/],
    ["SELECT model,\n  count( FROM spans WHERE input_text = 'é'", /^syntax error at line 2, column 8, near "\( FROM spans WHERE input_text = 'é'": unmatched parentheses/],
    ["SELECT 'é', count() FROM spans WHERE", /^syntax error at the end of the query \(line 1, column 37\): expected one of: expression/],
    ['SELECT nosuch FROM spans', /^Unknown expression identifier `nosuch` in scope SELECT nosuch FROM spans/],
  ];
  for (const [query, expected] of cases) {
    const res = await acme('POST', '/api/sql', { query });
    assert.equal(res.status, 400, `${query}: ${res.text}`);
    assert.equal(res.body.error.code, 'sql_error', query);
    assert.match(res.body.error.message, expected, query);
    assert.doesNotMatch(res.body.error.message, wrapper, query);
  }
  // the clear refusals stay as they were
  const refused = await acme('POST', '/api/sql', { query: 'DROP TABLE spans' });
  assert.deepEqual(refused.body.error, { code: 'sql_not_allowed', message: 'only a SELECT query can run here' });
});

test('a tenant first seen after start-up: 503 + Retry-After while a background job makes its views, then its rows', async () => {
  const { relay, admin } = api();
  assert.equal((await relay('POST', '/api/traces', { model: 'm', input: 'newco question', tenant_id: 'newco' })).status, 201);
  const first = await admin('POST', '/api/sql', { query: 'SELECT count() AS n FROM spans', tenant: 'newco' });
  assert.equal(first.status, 503, first.text);
  assert.equal(first.body.error.code, 'sql_unavailable');
  assert.equal(first.headers.get('retry-after'), '1');
  let answer = first;
  for (let attempt = 0; attempt < 100 && answer.status === 503; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    answer = await admin('POST', '/api/sql', { query: 'SELECT count() AS n FROM spans', tenant: 'newco' });
  }
  assert.equal(answer.status, 200, answer.text);
  assert.equal(Number(answer.body.data[0].n), 1);
});

test("user SQL waits for a fair slot: API reads are not held up; a tenant's second waiting query is 429, a wait past the timeout 503", async () => {
  const { acme } = api();
  let release!: () => void;
  const hog = collector.sql.queue.run('hog', () => new Promise<void>((resolve) => (release = resolve)));
  try {
    // every SQL slot is busy, the API's own queries are not queued behind it
    const list = await acme('GET', '/api/traces');
    assert.equal(list.status, 200, list.text);
    // acme: one waits (the queue holds one per tenant), the other is refused at once
    const [x, y] = [acme('POST', '/api/sql', { query: 'SELECT count() AS n FROM spans' }), acme('POST', '/api/sql', { query: 'SELECT 1 AS one' })];
    const refused = await Promise.race([x, y]);
    assert.equal(refused.status, 429, refused.text);
    assert.equal(refused.body.error.code, 'too_many_requests');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    // the waiting one times out while the slot stays busy
    const waited = refused === (await x) ? await y : await x;
    assert.equal(waited.status, 503, waited.text);
    assert.equal(waited.body.error.code, 'unavailable');
    assert.ok(Number(waited.headers.get('retry-after')) >= 1);
  } finally {
    release();
    await hog;
  }
  const after = await acme('POST', '/api/sql', { query: 'SELECT count() AS n FROM spans' });
  assert.equal(after.status, 200, after.text);
});

test('a data directory with half-written view databases (a full disk) starts, and SQL works again', async () => {
  await collector.close();
  const metadata = join(data.dir, 'metadata');
  // what a full disk left: an empty database metadata file, and an empty view definition
  writeFileSync(join(metadata, `${tenantDatabase('acme')}.sql`), '');
  const newco = join(metadata, tenantDatabase('newco'));
  writeFileSync(join(newco, readdirSync(newco).find((f) => f.startsWith('spans'))!), '');
  collector = await startTestCollector(data.dir, SQL_LIMITS);
  const { acme, admin } = api();
  const res = await acme('POST', '/api/sql', { query: 'SELECT count() AS n FROM spans' });
  assert.equal(res.status, 200, res.text);
  assert.equal(Number(res.body.data[0].n), 1);
  const other = await admin('POST', '/api/sql', { query: 'SELECT count() AS n FROM spans', tenant: 'newco' });
  assert.equal(other.status, 200, other.text);
  assert.equal(Number(other.body.data[0].n), 1);
});
