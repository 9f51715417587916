// Tenants and API keys, end to end: a collector reachable from other machines refuses
// to start without keys; keys decide the tenant on every route; no route, filter,
// cursor or SQL query reaches another tenant's data; injection attempts in every
// parameter are inert. Also the `spanhouse keys` command.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { startCollector, type RunningCollector } from '@spanhouse/collector';
import { tenantDatabase } from '../../collector/src/store/sql.ts';
import { apiClient } from '../support/api.ts';
import { startTestCollector, tempDataDir } from '../support/collector.ts';
import { otelTracer } from '../support/otel.ts';
import { makeKey, withKeyStore } from '../support/keys.ts';

const data = tempDataDir('api-tenancy');
const cliDir = tempDataDir('api-tenancy-cli');
const bin = fileURLToPath(new URL('../../collector/bin/spanhouse.mjs', import.meta.url));
let collector: RunningCollector;
const keys: Record<'acme' | 'globex' | 'admin' | 'relay' | 'revoked', string> = { acme: '', globex: '', admin: '', relay: '', revoked: '' };
let refusal: Error | null = null;
let acme: ReturnType<typeof apiClient>;
let globex: ReturnType<typeof apiClient>;

/** What each tenant wrote. */
const own = { acme: { traces: [] as string[], spans: [] as string[] }, globex: { traces: [] as string[], spans: [] as string[] } };

before(async () => {
  // 1. Reachable from other machines with no key: refuses, and says how to make one.
  refusal = await startCollector({ host: '0.0.0.0', port: 0, grpcPort: 0, dataDir: data.dir, log: () => {} }).then(
    async (c) => {
      await c.close();
      return null;
    },
    (error: Error) => error,
  );
  // 2. Keys, made as `spanhouse keys create` makes them (the store is free again).
  await withKeyStore(data.dir, async (keyStore) => {
    keys.acme = (await makeKey(keyStore, 'acme')).key;
    keys.globex = (await makeKey(keyStore, 'globex')).key;
    keys.admin = (await makeKey(keyStore, 'ops', { admin: true })).key;
    keys.relay = (await makeKey(keyStore, 'relay', { relay: true })).key;
    const revoked = await makeKey(keyStore, 'acme');
    await keyStore.revokeKey(revoked.keyId);
    keys.revoked = revoked.key;
  });

  collector = await startTestCollector(data.dir);
  acme = apiClient(collector.url, keys.acme);
  globex = apiClient(collector.url, keys.globex);
  for (const [tenant, client] of [['acme', acme], ['globex', globex]] as const) {
    for (let i = 0; i < 3; i++) {
      const res = await client('POST', '/api/traces', { model: `${tenant}-model`, input: `${tenant} secret question ${i}`, output: `${tenant} answer`, metadata: { who: tenant }, tags: ['shared-tag'], user_id: 'same-user', cost_usd: 0.01 });
      assert.equal(res.status, 201, res.text);
      own[tenant].traces.push(res.body.trace_id);
      own[tenant].spans.push(res.body.span_id);
    }
    await client('POST', `/api/spans/${own[tenant].spans[0]}/scores`, { name: 'quality', value: 1 });
    await client('POST', `/api/spans/${own[tenant].spans[0]}/events`, { kind: 'feedback', source: 'ui', data: { value: 'up' } });
    await client('POST', '/api/datasets/shared-name/items', { span_id: own[tenant].spans[0] });
  }
  // OTLP with a key: the key decides the tenant
  const otel = otelTracer(collector.url, { encoding: 'json', serviceName: 'otlp-globex', headers: { 'x-api-key': keys.globex } });
  const span = otel.tracer.startSpan('chat otlp', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'globex-model', 'gen_ai.input.messages': JSON.stringify([{ role: 'user', content: 'globex otlp secret' }]) } });
  span.end();
  await otel.flush();
  await otel.shutdown();
  own.globex.traces.push(span.spanContext().traceId);
  own.globex.spans.push(span.spanContext().spanId);
});
after(async () => {
  await collector?.close();
  data.remove();
  cliDir.remove();
});

const mentionsGlobex = (text: string) => own.globex.traces.some((id) => text.includes(id)) || own.globex.spans.some((id) => text.includes(id)) || /globex/.test(text);

describe('keys', () => {
  test('a collector reachable from other machines refuses to start without keys, saying how to create one', () => {
    assert.ok(refusal, 'startCollector on 0.0.0.0 without keys must fail');
    assert.match(refusal.message, /refusing to listen on 0\.0\.0\.0 without API keys/);
    assert.match(refusal.message, /spanhouse keys create --tenant/);
  });

  test('once keys exist, every /api and /v1 request needs a valid one', async () => {
    const anonymous = apiClient(collector.url);
    assert.equal((await anonymous('GET', '/api/traces')).status, 401);
    assert.equal((await anonymous('POST', '/v1/traces', {})).status, 401);
    assert.equal((await apiClient(collector.url, keys.revoked)('GET', '/api/traces')).status, 401);
    assert.equal((await apiClient(collector.url, `${keys.acme.slice(0, -2)}xx`)('GET', '/api/traces')).status, 401);
    assert.equal((await apiClient(collector.url, 'shk_0000000000000000_' + 'A'.repeat(43))('GET', '/api/traces')).status, 401);
    const viaHeader = await fetch(`${collector.url}/api/traces`, { headers: { 'x-api-key': keys.acme } });
    assert.equal(viaHeader.status, 200);
    assert.equal((await fetch(`${collector.url}/healthz`)).status, 200, 'health needs no key');
    assert.equal((await fetch(`${collector.url}/api/openapi.json`)).status, 200, 'the API document needs no key');
  });

  test('OTLP data lands in the tenant of the exporter key', async () => {
    const otlpSpan = own.globex.spans[own.globex.spans.length - 1];
    assert.equal((await globex('GET', `/api/spans/${otlpSpan}`)).body.tenant_id, 'globex');
    assert.equal((await acme('GET', `/api/spans/${otlpSpan}`)).status, 404);
  });

  test('`spanhouse keys create` prints a key once; it says so when a running collector holds the data directory', async () => {
    const run = promisify(execFile);
    const busy = await run(process.execPath, [bin, 'keys', 'create', '--tenant', 'acme', '--data', data.dir], { encoding: 'utf8', timeout: 60_000 }).then(
      () => assert.fail('must not open a data directory in use'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /a running collector .* is using it/);
    assert.match(busy.stderr, /--clickhouse-url/);

    const made = await run(process.execPath, [bin, 'keys', 'create', '--tenant', 'team-7', '--trusted-relay', '--data', cliDir.dir], { encoding: 'utf8', timeout: 60_000 });
    const key = made.stdout.trim();
    assert.match(key, /^shk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    assert.match(made.stderr, /shown only this once/);
    const listed = await run(process.execPath, [bin, 'keys', 'list', '--data', cliDir.dir], { encoding: 'utf8', timeout: 60_000 });
    assert.match(listed.stdout, new RegExp(`${key.slice(4, 20)}  tenant=team-7 .*trusted-relay`));
    assert.ok(!listed.stdout.includes(key), 'the key itself is never shown again');
    const bad = await run(process.execPath, [bin, 'keys', 'create', '--tenant', "x'; DROP TABLE spans"], { encoding: 'utf8' }).then(
      () => assert.fail('bad tenant must fail'),
      (error: { code: number }) => error,
    );
    assert.equal(bad.code, 2);
  });
});

describe('tenant isolation on every route', () => {
  test('lists, filters and metrics never show another tenant', async () => {
    for (const path of [
      '/api/traces?limit=500',
      '/api/spans?limit=500',
      `/api/spans?trace_id=${own.globex.traces[0]}`,
      '/api/spans?user_id=same-user&limit=500',
      '/api/spans?tag=shared-tag&limit=500',
      '/api/spans?metadata.who=globex',
      '/api/spans?model=globex-model',
      '/api/spans?q=globex',
      '/api/traces?q=globex',
      '/api/spans?score_name=quality',
      '/api/traces?score_name=quality',
      '/api/traces?sort=cost&limit=500',
      '/api/spans?sort=latency&order=asc&limit=500',
      '/api/metrics?bucket=day&type=all&group_by=model',
      '/api/datasets',
      '/api/datasets/shared-name/items',
      '/api/datasets/shared-name/export',
    ]) {
      const res = await acme('GET', path);
      assert.equal(res.status, 200, `${path}: ${res.text}`);
      assert.ok(!mentionsGlobex(res.text), `${path} leaked: ${res.text.slice(0, 300)}`);
    }
    const mine = await acme('GET', '/api/spans?limit=500');
    assert.deepEqual(mine.body.data.map((s: any) => s.span_id).sort(), [...own.acme.spans].sort());
    const metrics = await acme('GET', '/api/metrics?bucket=day&type=all');
    assert.equal(metrics.body.data.reduce((n: number, p: any) => n + p.count, 0), 3);
  });

  test('single records, writes and events of another tenant are 404', async () => {
    const [trace] = own.globex.traces;
    const [span] = own.globex.spans;
    const answers = await Promise.all([
      acme('GET', `/api/traces/${trace}`),
      acme('GET', `/api/traces/${trace}?include=content`),
      acme('GET', `/api/spans/${span}`),
      acme('PATCH', `/api/spans/${span}`, { output: 'hijacked' }),
      acme('PATCH', `/api/spans/${span}`, { score: { name: 'x', value: 1 } }),
      acme('POST', `/api/spans/${span}/scores`, { name: 'x', value: 1 }),
      acme('POST', `/api/traces/${trace}/scores`, { name: 'x', value: 1 }),
      acme('POST', `/api/spans/${span}/events`, { kind: 'feedback', data: { value: 'down' } }),
      acme('GET', `/api/spans/${span}/events`),
      acme('POST', '/api/datasets/steal/items', { span_id: span }),
      acme('POST', '/api/spans', { name: 'child', parent_span_id: span }),
    ]);
    for (const res of answers) {
      assert.equal(res.status, 404, res.text);
      assert.ok(!mentionsGlobex(res.text.replace(span, '').replace(trace, '')));
    }
    // nothing changed on globex's side
    const still = await globex('GET', `/api/spans/${span}`);
    assert.equal(still.body.output_text, 'globex answer');
    assert.deepEqual(still.body.scores.map((s: any) => s.name).sort(), ['feedback', 'quality']);
    assert.equal((await globex('GET', `/api/spans/${span}/events`)).body.data.length, 1);
    assert.deepEqual((await globex('GET', '/api/datasets')).body.data.map((d: any) => d.name), ['shared-name']);
  });

  test('a span id reused by another tenant stays two spans', async () => {
    const id = 'feedfacefeedface';
    assert.equal((await acme('POST', '/api/spans', { name: 'acme twin', span_id: id, end_time: new Date().toISOString() })).status, 201);
    assert.equal((await globex('POST', '/api/spans', { name: 'globex twin', span_id: id, end_time: new Date().toISOString() })).status, 201);
    assert.equal((await acme('GET', `/api/spans/${id}`)).body.name, 'acme twin');
    assert.equal((await globex('GET', `/api/spans/${id}`)).body.name, 'globex twin');
    await acme('PATCH', `/api/spans/${id}`, { output: 'acme only' });
    assert.equal((await globex('GET', `/api/spans/${id}`)).body.output_text, '');
  });

  test('the tenant parameter is for admin keys only', async () => {
    for (const path of ['/api/traces?tenant=globex', '/api/spans?tenant=globex', '/api/metrics?tenant=globex', `/api/spans/${own.globex.spans[0]}?tenant=globex`, '/api/datasets?tenant=globex']) {
      const res = await acme('GET', path);
      assert.equal(res.status, 403, path);
    }
    assert.equal((await acme('POST', '/api/sql', { query: 'SELECT count() FROM spans', tenant: 'globex' })).status, 403);
    const admin = apiClient(collector.url, keys.admin);
    const read = await admin('GET', '/api/spans?tenant=globex&limit=500');
    assert.equal(read.status, 200);
    assert.ok(read.body.data.length >= 4 && read.body.data.every((s: any) => s.tenant_id === 'globex'));
    const sql = await admin('POST', '/api/sql', { query: 'SELECT count() AS n FROM spans', tenant: 'acme' });
    assert.ok(Number(sql.body.data[0].n) >= 3);
    // SQL takes ?tenant= as every other endpoint does (the body's field too; both must agree)
    const models = "SELECT arraySort(groupUniqArray(model)) AS models FROM spans WHERE model LIKE '%-model'";
    assert.deepEqual((await admin('POST', '/api/sql?tenant=globex', { query: models })).body.data[0].models, ['globex-model']);
    assert.deepEqual((await admin('POST', '/api/sql?tenant=acme', { query: models, tenant: 'acme' })).body.data[0].models, ['acme-model']);
    assert.deepEqual((await admin('POST', '/api/sql', { query: models })).body.data[0].models, [], "the admin key's own tenant");
    const both = await admin('POST', '/api/sql?tenant=acme', { query: models, tenant: 'globex' });
    assert.equal(both.status, 400, both.text);
    assert.match(both.body.error.message, /^tenant: /);
    assert.equal((await acme('POST', '/api/sql?tenant=globex', { query: models })).status, 403);
    assert.deepEqual((await acme('POST', '/api/sql?tenant=acme', { query: models })).body.data[0].models, ['acme-model'], 'its own tenant named');
    assert.equal((await admin('POST', "/api/sql?tenant=x'%20OR%201", { query: models })).status, 400);
    assert.equal((await admin('GET', "/api/spans?tenant=x'%20OR%201")).status, 400);
  });

  test('cursors are bound to their tenant', async () => {
    const page = await globex('GET', '/api/spans?limit=1');
    assert.ok(page.body.next_cursor);
    assert.equal((await acme('GET', `/api/spans?limit=1&cursor=${page.body.next_cursor}`)).status, 400);
    const tracePage = await globex('GET', '/api/traces?limit=1');
    assert.equal((await acme('GET', `/api/traces?limit=1&cursor=${tracePage.body.next_cursor}`)).status, 400);
    assert.equal((await globex('GET', `/api/traces?limit=1&cursor=${tracePage.body.next_cursor}`)).status, 200);
  });

  test("OTLP/HTTP refuses a key as OTLP does: google.rpc.Status in the request's encoding, UNAUTHENTICATED or PERMISSION_DENIED", async () => {
    const denied = await fetch(`${collector.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.acme}`, 'x-spanhouse-tenant': 'globex' },
      body: JSON.stringify({ resourceSpans: [] }),
    });
    assert.equal(denied.status, 403);
    assert.equal((await denied.json()).code, 7, 'PERMISSION_DENIED');
    const unknown = await fetch(`${collector.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', authorization: 'Bearer shk_nope' }, body: new Uint8Array() });
    assert.equal(unknown.status, 401);
    assert.equal(unknown.headers.get('content-type'), 'application/x-protobuf');
    // google.rpc.Status: field 1 (code) is the first varint
    assert.deepEqual([...new Uint8Array(await unknown.arrayBuffer()).subarray(0, 2)], [0x08, 16], 'UNAUTHENTICATED');
  });

  test('only trusted relays (header or body) and admin keys (body) may name a tenant; others get 403', async () => {
    assert.equal((await fetch(`${collector.url}/api/spans`, { headers: { authorization: `Bearer ${keys.acme}`, 'x-spanhouse-tenant': 'globex' } })).status, 403);
    assert.equal((await acme('POST', '/api/traces', { model: 'm', tenant_id: 'globex' })).status, 403);
    const byAdmin = await apiClient(collector.url, keys.admin)('POST', '/api/traces', { model: 'admin-written', input: 'by an admin', tenant_id: 'acme' });
    assert.equal(byAdmin.status, 201, byAdmin.text);
    assert.equal((await acme('GET', `/api/spans/${byAdmin.body.span_id}`)).body.model, 'admin-written', 'an admin key writes to the tenant it names');
    const relay = apiClient(collector.url, keys.relay);
    const written = await relay('POST', '/api/traces', { model: 'relayed', input: 'via relay', tenant_id: 'acme' });
    assert.equal(written.status, 201, written.text);
    assert.equal((await acme('GET', `/api/spans/${written.body.span_id}`)).body.model, 'relayed');
    // OTLP from a relay, tenant in the x-spanhouse-tenant header
    const otel = otelTracer(collector.url, { encoding: 'protobuf', headers: { authorization: `Bearer ${keys.relay}`, 'x-spanhouse-tenant': 'acme' } });
    const span = otel.tracer.startSpan('relayed otlp');
    span.end();
    await otel.flush();
    await otel.shutdown();
    assert.equal((await acme('GET', `/api/spans/${span.spanContext().spanId}`)).status, 200);
    assert.equal((await relay('GET', `/api/spans/${span.spanContext().spanId}`)).status, 404, 'the relay reads its own tenant only');
    assert.equal((await relay('POST', '/api/traces', { model: 'm', tenant_id: 'Not A Tenant' })).status, 400);
  });

  test('a relay routes OTLP per resource with spanhouse.tenant_id; for other keys it is only data', async () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    const resourceSpans = (tenant: string | undefined, spanId: string) => ({
      resource: { attributes: tenant === undefined ? [] : [{ key: 'spanhouse.tenant_id', value: { stringValue: tenant } }] },
      scopeSpans: [{ scope: { name: 'relay' }, spans: [{ traceId: spanId.repeat(2), spanId, name: "relay-routed", startTimeUnixNano: String(now - 1_000_000n), endTimeUnixNano: String(now) }] }],
    });
    const send = (key: string, resources: object[]) =>
      fetch(`${collector.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ resourceSpans: resources }) });
    const res = await send(keys.relay, [resourceSpans('globex', 'a1a1a1a1a1a1a1a1'), resourceSpans(undefined, 'b2b2b2b2b2b2b2b2'), resourceSpans('Not A Tenant', 'c3c3c3c3c3c3c3c3')]);
    assert.equal(res.status, 200);
    const answer = await res.json();
    assert.equal(answer.partialSuccess.rejectedSpans, '1');
    assert.match(answer.partialSuccess.errorMessage, /invalid tenant/);
    assert.equal((await globex('GET', '/api/spans/a1a1a1a1a1a1a1a1')).status, 200, 'routed to the named tenant');
    assert.equal((await apiClient(collector.url, keys.relay)('GET', '/api/spans/b2b2b2b2b2b2b2b2')).status, 200, 'no name: the relay key\'s tenant');
    // an ordinary key's resource attribute does not move data anywhere
    assert.equal((await send(keys.acme, [resourceSpans('globex', 'd4d4d4d4d4d4d4d4')])).status, 200);
    assert.equal((await globex('GET', '/api/spans/d4d4d4d4d4d4d4d4')).status, 404);
    assert.equal((await acme('GET', '/api/spans/d4d4d4d4d4d4d4d4')).status, 200);
  });
});

describe('SQL', () => {
  test('tables hold the caller’s rows only', async () => {
    const res = await acme('POST', '/api/sql', { query: 'SELECT model, count() AS n FROM spans GROUP BY model ORDER BY model' });
    assert.equal(res.status, 200, res.text);
    assert.ok(!mentionsGlobex(res.text));
    for (const table of ['traces', 'scores', 'span_events', 'datasets', 'dataset_items']) {
      const rows = await acme('POST', '/api/sql', { query: `SELECT * FROM ${table}` });
      assert.equal(rows.status, 200, `${table}: ${rows.text}`);
      assert.ok(rows.body.rows > 0, table);
      assert.ok(!mentionsGlobex(rows.text), `${table} leaked`);
    }
    // the messages' text is derived by the table (an ALIAS), and a tenant's view keeps it
    const globexText = await globex('POST', '/api/sql', { query: "SELECT input_text FROM spans WHERE input_text LIKE '%otlp secret%'" });
    assert.equal(globexText.status, 200, globexText.text);
    assert.deepEqual(globexText.body.data.map((r: { input_text: string }) => r.input_text), ['globex otlp secret']);
    const acmeText = await acme('POST', '/api/sql', { query: "SELECT count() AS n FROM spans WHERE input_text LIKE '%otlp secret%'" });
    assert.equal(Number(acmeText.body.data[0].n), 0);
    const csv = await acme('POST', '/api/sql', { query: 'SELECT span_id FROM spans ORDER BY span_id', format: 'csv' });
    assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
    assert.equal(csv.text.trim().split('\n')[0], '"span_id"');
  });

  const globexDb = tenantDatabase('globex');
  const attacks = [
    'SELECT * FROM default.spans',
    'SELECT * FROM `default`.`spans`',
    'SELECT * FROM "default"."spans"',
    'SELECT * FROM spans UNION ALL SELECT * FROM default.spans',
    'SELECT * FROM spans WHERE trace_id IN (SELECT trace_id FROM default.spans)',
    'SELECT (SELECT groupArray(input_text) FROM default.spans)',
    'SELECT * FROM spans AS a JOIN default.spans AS b USING (span_id)',
    'WITH x AS (SELECT * FROM default.traces) SELECT * FROM x',
    `SELECT * FROM ${globexDb}.spans`,
    `SELECT * FROM \`${globexDb}\`.spans`,
    'SELECT name FROM system.tables',
    'SELECT * FROM system.databases',
    'SELECT query FROM system.query_log',
    'SELECT * FROM information_schema.tables',
    'SELECT * FROM INFORMATION_SCHEMA.COLUMNS',
    "SELECT file('/etc/passwd')",
    "SELECT * FROM file('/etc/passwd', 'LineAsString')",
    "SELECT * FROM url('http://127.0.0.1:9/x', 'CSV', 'a String')",
    "SELECT * FROM remote('127.0.0.1', default.spans)",
    "SELECT * FROM merge('default', '.*')",
    'SELECT * FROM numbers(10)',
    'SELECT * FROM view(SELECT * FROM default.spans)',
    "SELECT * FROM s3('http://127.0.0.1:9/b/k', 'CSV')",
    "SELECT * FROM executable('id', 'TSV', 'a String')",
    "SELECT dictGet('d', 'x', 1)",
    "SELECT joinGet('default.spans', 'input_text', 'x')",
    'SELECT * FROM spans SETTINGS readonly = 0',
    'SELECT * FROM (SELECT * FROM spans SETTINGS max_execution_time = 100000)',
    'SELECT 1; DROP TABLE spans',
    'SELECT 1; SELECT * FROM default.spans',
    'SELECT 1 /* ; */; DROP TABLE default.spans',
    '-- comment\nDROP TABLE default.spans',
    'DROP TABLE spans',
    'INSERT INTO spans SELECT * FROM spans',
    'ALTER TABLE default.spans DELETE WHERE 1',
    'CREATE TABLE x (a Int8) ENGINE = Memory',
    'SET readonly = 0',
    'EXPLAIN SELECT * FROM default.spans',
    'DESCRIBE TABLE default.spans',
    'SHOW CREATE TABLE default.spans',
    'SELECT * FROM spans INTO OUTFILE \'/tmp/spanhouse-pwned.txt\'',
    'SELECT * FROM spans FORMAT TabSeparated',
    'SELECT sleep(3)',
    "SELECT getServerSetting('path')",
    `SELECT hasColumnInTable('${globexDb}', 'spans', 'input_text')`,
    "SELECT hasColumnInTable('default', 'spans', 'input_text')",
    'SELECT version()',
    'SELECT uptime()',
    'SELECT tcpPort()',
    'SELECT count() FROM spans WHERE version() != \'\'',
    "SELECT * FROM spans WHERE input_text = '' OR 1=1 UNION ALL SELECT * FROM default.spans",
  ];
  for (const query of attacks) {
    test(`refused: ${query.replace(/\s+/g, ' ').slice(0, 70)}`, async () => {
      const res = await acme('POST', '/api/sql', { query });
      assert.equal(res.status, 400, `${query} -> ${res.status} ${res.text}`);
      assert.match(res.body.error.code, /^sql_/);
      assert.ok(!mentionsGlobex(res.text), res.text);
    });
  }

  test("the README's SQL examples run, and spans carry the API's previews", async () => {
    // a long answer that got a thumbs down, for the examples' previews and feedback
    const long = `${'é'.repeat(299)}xyz`;
    const written = await acme('POST', '/api/traces', { model: 'acme-model', input: `slow ${long}`, output: long, latency_ms: 4_321 });
    assert.equal(written.status, 201, written.text);
    assert.equal((await acme('POST', `/api/spans/${written.body.span_id}/events`, { kind: 'feedback', source: 'ui', data: { value: 'down' } })).status, 201);
    const span = (await acme('GET', `/api/spans/${written.body.span_id}`)).body;
    assert.equal(span.output_preview.length, 300);

    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = /\n### SQL\n[\s\S]*?```sql\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(block, "the README's SQL section has its examples");
    const examples = block.split(';').map((q) => q.trim()).filter(Boolean);
    assert.equal(examples.length, 4, block);
    const answers = [];
    for (const query of examples) {
      const res = await acme('POST', '/api/sql', { query });
      assert.equal(res.status, 200, `${query}\n-> ${res.text}`);
      assert.ok(res.body.rows > 0, query);
      answers.push(res.body.data);
    }
    const [, slowest, , thumbsDown] = answers;
    assert.deepEqual(slowest[0], { latency_ms: 4_321, model: 'acme-model', input_preview: span.input_preview });
    assert.deepEqual(thumbsDown.map((r: Record<string, unknown>) => r['s.output_preview'] ?? r.output_preview), [span.output_preview]);
  });

  test('nothing was dropped, written or changed by the attempts', async () => {
    assert.ok(!existsSync('/tmp/spanhouse-pwned.txt'));
    assert.equal((await globex('GET', '/api/spans?limit=500')).body.data.length >= 4, true);
    const again = await acme('POST', '/api/sql', { query: 'SELECT count() AS n FROM spans' });
    assert.equal(again.status, 200);
    // the main session is still writable after the read-only session's refusals
    assert.equal((await acme('POST', '/api/traces', { model: 'after-sql', input: 'x' })).status, 201);
  });

  test('limits: rows, time and size of the query', async () => {
    const many = await acme('POST', '/api/sql', { query: 'SELECT a.span_id FROM spans AS a, spans AS b, spans AS c, spans AS d, spans AS e, spans AS f, spans AS g' });
    assert.equal(many.status, 400);
    assert.match(many.body.error.message, /limit|rows/i);
    const long = await acme('POST', '/api/sql', { query: `SELECT 1 ${' '.repeat(30_000)}` });
    assert.equal(long.status, 400);
  });
});

describe('injection attempts in every parameter', () => {
  const nasty = ["' OR '1'='1", "x') OR tenant_id != ('", "\\' OR 1=1 --", 'globex-model\' UNION SELECT * FROM spans --', '"; DROP TABLE spans; --', '%00', "{tenant:String}"];
  const stringParams = ['model', 'provider', 'routing_alias', 'service', 'name', 'user_id', 'session_id', 'cluster_id', 'tag', 'q', 'score_name', 'metadata.who', "metadata.x']='1' OR '1"];

  test('string filters: stored literally, matched literally, never another tenant', async () => {
    for (const param of stringParams) {
      // every value on spans; the first three on traces and metrics (separate SQL builders)
      const requests = nasty.flatMap((value, i) => (i < 3 ? ['/api/spans', '/api/traces', '/api/metrics'] : ['/api/spans']).map((path) => ({ path, value })));
      await Promise.all(
        requests.map(async ({ path, value }) => {
          const res = await acme('GET', `${path}?${encodeURIComponent(param)}=${encodeURIComponent(value)}${path === '/api/metrics' ? '&type=all' : ''}`);
          assert.equal(res.status, 200, `${path} ${param}=${value}: ${res.text}`);
          assert.ok(!mentionsGlobex(res.text), `${path} ${param}=${value} leaked`);
          const count = path === '/api/metrics' ? res.body.data.reduce((n: number, p: any) => n + p.count, 0) : res.body.data.length;
          assert.equal(count, 0, `${path} ${param}=${value} matched ${count}`);
        }),
      );
    }
  });

  test('typed parameters, path ids, cursors and dataset names: 400', async () => {
    for (const path of [
      "/api/spans?min_cost=1 OR 1=1",
      "/api/spans?since=' OR '1",
      "/api/spans?status=error' OR '1'='1",
      "/api/spans?type=tool'--",
      "/api/spans?sort=time;DROP",
      "/api/spans?limit=1 OR 1",
      "/api/spans?trace_id=' OR 1=1 --",
      "/api/spans?cursor=' OR 1=1 --",
      "/api/metrics?group_by=model) OR (1",
      "/api/metrics?bucket=hour'",
      "/api/spans/' OR '1'='1",
      "/api/traces/' UNION SELECT 1 --",
      "/api/spans/1234567890abcdef'/events",
      "/api/datasets/x' OR '1/items",
      "/api/datasets/..%2F..%2Fetc/export",
    ]) {
      const res = await acme('GET', path.replace(/ /g, '%20'));
      assert.ok(res.status === 400 || res.status === 404, `${path}: ${res.status}`);
      assert.ok(!mentionsGlobex(res.text));
    }
  });

  test('written values come back exactly as sent', async () => {
    const weird = "o'brien\"; DROP TABLE spans; -- {x:String} \\' ";
    const res = await acme('POST', '/api/traces', { model: weird, input: weird, metadata: { [weird]: weird }, tags: [weird], user_id: weird });
    assert.equal(res.status, 201, res.text);
    const span = (await acme('GET', `/api/spans/${res.body.span_id}`)).body;
    assert.equal(span.model, weird);
    assert.equal(span.input_text, weird);
    assert.deepEqual(span.metadata, { [weird]: weird });
    assert.deepEqual(span.tags, [weird]);
    const found = await acme('GET', `/api/spans?model=${encodeURIComponent(weird)}&${encodeURIComponent(`metadata.${weird}`)}=${encodeURIComponent(weird)}`);
    assert.deepEqual(found.body.data.map((s: any) => s.span_id), [res.body.span_id]);
    await acme('POST', `/api/spans/${res.body.span_id}/events`, { kind: 'custom', source: weird, data: { weird } });
    await acme('POST', `/api/datasets/weird/items`, { span_id: res.body.span_id });
    const sql = await acme('POST', '/api/sql', { query: `SELECT model FROM spans WHERE user_id = '${weird.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` });
    assert.equal(sql.status, 200, sql.text);
    assert.deepEqual(sql.body.data, [{ model: weird }]);
    assert.equal((await globex('GET', '/api/spans?limit=500')).body.data.some((s: any) => s.model === weird), false);
  });
});
