// The chDB-backed ClickHouse HTTP endpoint behaves as the HTTP interface is documented, seen
// through @clickhouse/client's HTTP connection (what CLICKHOUSE_URL uses) and plain fetch:
// query parameters, per-query settings, sessions, formats, compression, errors.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient, ClickHouseError, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { startClickHouseHttp, type ClickHouseHttpEndpoint } from '../support/clickhouse-http.ts';
import { tempDataDir } from '../support/collector.ts';

const data = tempDataDir('ch-http');
let endpoint: ClickHouseHttpEndpoint;
let client: ClickHouseClient;

before(async () => {
  endpoint = await startClickHouseHttp(data.dir);
  client = createClient({ url: endpoint.url, compression: { request: true, response: true } });
});
after(async () => {
  await client?.close();
  await endpoint?.stop();
  data.remove();
});

const rows = async <T = Record<string, unknown>>(query: string, extra: { query_params?: Record<string, unknown>; clickhouse_settings?: ClickHouseSettings; session_id?: string } = {}): Promise<T[]> =>
  (await (await client.query({ query, format: 'JSONEachRow', ...extra })).json()) as T[];

test('ping, and query parameters of every shape bound by the engine (never spliced)', async () => {
  assert.equal((await client.ping()).success, true);
  const text = "tab\there, back\\slash, quote' and \"double\", newline\n, unicode ✓ \u{1F600}";
  const [row] = await rows<Record<string, unknown>>(
    'SELECT {s:String} AS s, toString({n:UInt64}) AS n, {arr:Array(String)} AS arr, {m:Map(String, Int32)} AS m, {t:DateTime64(3)} AS t, {nothing:Nullable(String)} AS nothing',
    { query_params: { s: text, n: '18446744073709551615', arr: ["x'y", 'z\\w', ''], m: { a: 1, "b'": -2 }, t: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), nothing: null } },
  );
  assert.deepEqual(row, { s: text, n: '18446744073709551615', arr: ["x'y", 'z\\w', ''], m: { a: 1, "b'": -2 }, t: '2026-01-02 03:04:05.678', nothing: null });
  const injection = "'); DROP TABLE x; --";
  assert.deepEqual(await rows('SELECT {v:String} AS v', { query_params: { v: injection } }), [{ v: injection }]);
});

test('settings apply to their query only', async () => {
  await assert.rejects(
    client.query({ query: 'SELECT number FROM numbers(5)', format: 'JSONEachRow', clickhouse_settings: { max_result_rows: '2', result_overflow_mode: 'throw' } }),
    (error: ClickHouseError) => error.type === 'TOO_MANY_ROWS_OR_BYTES',
  );
  assert.equal((await rows('SELECT number FROM numbers(5)')).length, 5, 'the next query has the defaults again');
  const [setting] = await rows<{ v: number }>("SELECT getSetting('max_threads') AS v", { clickhouse_settings: { max_threads: 3 } });
  assert.equal(Number(setting.v), 3);
});

test('sessions keep SET, USE and temporary tables; a missing session with session_check, and a busy one, are errors', async () => {
  const session_id = `s-${Date.now()}`;
  await client.command({ query: 'SET max_threads = 2', session_id });
  await client.command({ query: 'CREATE TEMPORARY TABLE scratch (a UInt8)', session_id });
  await client.insert({ table: 'scratch', values: [{ a: 7 }], format: 'JSONEachRow', session_id });
  assert.deepEqual(await rows('SELECT a, getSetting(\'max_threads\') AS t FROM scratch', { session_id }), [{ a: 7, t: 2 }]);
  await assert.rejects(rows('SELECT a FROM scratch'), (error: ClickHouseError) => error.type === 'UNKNOWN_TABLE', 'outside the session the table does not exist');
  const check = await fetch(`${endpoint.url}/?session_id=nope-${Date.now()}&session_check=1&query=SELECT%201`, { method: 'POST' });
  assert.equal(check.status, 404);
  assert.equal(check.headers.get('x-clickhouse-exception-code'), '372');
  // one query at a time per session
  const slow = fetch(`${endpoint.url}/?session_id=${session_id}`, { method: 'POST', body: 'SELECT sum(sipHash64(number)) FROM numbers(30000000)' });
  let locked: Response | null = null;
  for (let i = 0; i < 50 && !locked; i++) {
    const r = await fetch(`${endpoint.url}/?session_id=${session_id}`, { method: 'POST', body: 'SELECT 1' });
    if (r.status !== 200) locked = r;
    else await r.text();
  }
  assert.ok(locked, 'a second query on a busy session is refused');
  assert.equal(locked.headers.get('x-clickhouse-exception-code'), '373');
  assert.match(await locked.text(), /SESSION_IS_LOCKED/);
  assert.equal((await slow).status, 200);
});

test('formats: the query FORMAT, default_format, TabSeparated by default; inserts in the format named', async () => {
  await client.command({ query: 'CREATE TABLE IF NOT EXISTS fmt (id UInt32, name String) ENGINE = MergeTree ORDER BY id' });
  await client.insert({ table: 'fmt', values: [[1, 'a\tb'], [2, 'c']], format: 'JSONCompactEachRow' });
  await client.insert({ table: 'fmt', values: [{ id: 3, name: 'd' }], format: 'JSONEachRow' });
  const csv = await (await client.query({ query: 'SELECT id, name FROM fmt ORDER BY id', format: 'CSVWithNames' })).text();
  assert.equal(csv, '"id","name"\n1,"a\tb"\n2,"c"\n3,"d"\n');
  const json = await (await client.query({ query: 'SELECT id FROM fmt ORDER BY id', format: 'JSON' })).json<{ meta: unknown[]; data: unknown[]; rows: number }>();
  assert.deepEqual(json.meta, [{ name: 'id', type: 'UInt32' }]);
  assert.equal(json.rows, 3);
  const tsv = await fetch(`${endpoint.url}/?query=${encodeURIComponent('SELECT id, name FROM fmt ORDER BY id')}`);
  assert.equal(await tsv.text(), '1\ta\\tb\n2\tc\n3\td\n', 'TabSeparated, escaped, when no format is named');
  const viaDefault = await fetch(`${endpoint.url}/?default_format=JSONEachRow`, { method: 'POST', body: 'SELECT 1 AS one' });
  assert.equal(viaDefault.headers.get('x-clickhouse-format'), 'JSONEachRow');
  assert.equal((await viaDefault.text()).trim(), '{"one":1}');
  assert.ok(viaDefault.headers.get('x-clickhouse-query-id'));
  assert.ok(JSON.parse(viaDefault.headers.get('x-clickhouse-summary') ?? 'null'));
});

test('errors: the status the server gives each code, X-ClickHouse-Exception-Code, the exception text; GET is read-only', async () => {
  const cases: Array<[string, number, string]> = [
    ['SELEC 1', 400, '62'],
    ['SELECT * FROM no_such_table', 404, '60'],
    ['SELECT no_such_function(1)', 404, '46'],
    ["SELECT toDate('x')", 400, '38'],
    ['SELECT throwIf(1)', 500, '395'],
  ];
  for (const [query, status, code] of cases) {
    const res = await fetch(endpoint.url, { method: 'POST', body: query });
    assert.equal(res.status, status, query);
    assert.equal(res.headers.get('x-clickhouse-exception-code'), code, query);
    assert.match(await res.text(), new RegExp(`^Code: ${code}\\. DB::Exception: `), query);
  }
  await assert.rejects(client.query({ query: 'SELECT * FROM no_such_table', format: 'JSONEachRow' }), (error: ClickHouseError) => error instanceof ClickHouseError && error.code === '60' && error.type === 'UNKNOWN_TABLE');
  const write = await fetch(`${endpoint.url}/?query=${encodeURIComponent('CREATE TABLE g (a UInt8) ENGINE = Memory')}`);
  assert.equal(write.headers.get('x-clickhouse-exception-code'), '164');
});
