// Keys and tenants while the collector runs: `spanhouse keys … --url` against the admin
// API of a real collector. The first key (made while the collector is keyless) warns that
// traces stored in tenant `default` are hidden from then on; an admin key lists and makes
// keys and tenants, reads tenant `default`; other keys get 403; a revoked key is refused
// at once by the collector that revoked it. The first key made through the admin API must be
// an admin key (else no key could use the API); tenants that only have data (a trusted relay
// named them) are listed with the others.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RunningCollector } from '@spanhouse/collector';
import { apiClient } from '../support/api.ts';
import { runCli } from '../support/cli.ts';
import { startTestCollector, tempDataDir } from '../support/collector.ts';
import { otelTracer } from '../support/otel.ts';

const data = tempDataDir('admin-keys');
let collector: RunningCollector;
let keylessTrace = '';
let adminKey = '';
const env = { SPANHOUSE_API_KEY: undefined, SPANHOUSE_URL: undefined };

before(async () => {
  collector = await startTestCollector(data.dir);
  // a trace sent without a key lands in tenant `default`
  const otel = otelTracer(collector.url, { serviceName: 'keyless-app' });
  const span = otel.tracer.startSpan('chat before keys', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm' } });
  span.end();
  await otel.flush();
  await otel.shutdown();
  keylessTrace = span.spanContext().traceId;
});
after(async () => {
  await collector?.close();
  data.remove();
});

test('keys through a running collector: first-key warning, admin API, tenants, 403 for others, revocation', async () => {
  const api = apiClient(collector.url);
  assert.equal((await api('GET', `/api/traces/${keylessTrace}`)).status, 200);
  assert.deepEqual((await api('GET', '/api/me')).body, { tenant_id: 'default', key_id: null, admin: true, keys_required: false });

  // a non-admin first key would lock the admin API: refused, and keys stay off
  const locked = await runCli(['keys', 'create', '--tenant', 'acme', '--url', collector.url], env);
  assert.equal(locked.code, 1, locked.stderr);
  assert.equal(locked.stdout, '', 'no key printed');
  assert.match(locked.stderr, /answered 409: the first key made through the admin API must be an admin key .*--admin/);
  const refusedByApi = await api('POST', '/api/admin/keys', { tenant: 'acme' });
  assert.equal(refusedByApi.status, 409, refusedByApi.text);
  assert.equal(refusedByApi.body.error.code, 'first_key_not_admin');
  assert.equal((await api('GET', '/api/me')).body.keys_required, false);

  // the first key: no key needed yet (keyless loopback), and a warning about tenant default
  const first = await runCli(['keys', 'create', '--tenant', 'ops', '--admin', '--name', 'first', '--url', collector.url], env);
  assert.equal(first.code, 0, first.stderr);
  adminKey = first.stdout.trim();
  assert.match(adminKey, /^shk_[0-9a-f]{16}_/);
  assert.match(first.stderr, /Warning: This is the first API key/);
  assert.match(first.stderr, /tenant=default/);

  // keys are on at once: no key is 401, the admin key reads default through tenant=
  assert.equal((await api('GET', `/api/traces/${keylessTrace}`)).status, 401);
  const admin = apiClient(collector.url, adminKey);
  assert.equal((await admin('GET', `/api/traces/${keylessTrace}?tenant=default`)).status, 200);
  assert.deepEqual((await admin('GET', '/api/me')).body, { tenant_id: 'ops', key_id: adminKey.slice(4, 20), admin: true, keys_required: true });

  // without the admin key the CLI says what it needs
  const refused = await runCli(['keys', 'list', '--url', collector.url], env);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /admin key: --key/);

  const second = await runCli(['keys', 'create', '--tenant', 'acme', '--url', collector.url, '--key', adminKey], env);
  assert.equal(second.code, 0, second.stderr);
  assert.doesNotMatch(second.stderr, /Warning/);
  const acmeKey = second.stdout.trim();
  const acmeId = acmeKey.slice(4, 20);
  const acme = apiClient(collector.url, acmeKey);
  assert.equal((await acme('GET', '/api/traces')).status, 200);
  assert.equal((await acme('GET', '/api/admin/keys')).status, 403);
  assert.equal((await acme('POST', '/api/admin/keys', { tenant: 'acme', admin: true })).status, 403);

  const list = await runCli(['keys', 'list', '--url', collector.url], { ...env, SPANHOUSE_API_KEY: adminKey });
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, new RegExp(`${acmeId}  tenant=acme`));
  assert.match(list.stdout, /tenant=ops .*name=first\s+admin/);
  assert.doesNotMatch(list.stdout, /shk_|secret/);
  const listed = await admin('GET', '/api/admin/keys');
  assert.equal(listed.body.data.length, 2);
  assert.ok(listed.body.data.every((k: Record<string, unknown>) => !('secret_sha256' in k)));

  const tenants = await runCli(['keys', 'tenants', '--url', collector.url, '--key', adminKey], env);
  assert.equal(tenants.code, 0, tenants.stderr);
  assert.deepEqual(tenants.stdout.trim().split('\n'), ['acme  active_keys=1', 'default  active_keys=0', 'ops  active_keys=1']);

  // bad input: a JSON error, not a crash
  const made = await admin('POST', '/api/admin/keys', { tenant: 'acme', name: 'ci' });
  assert.equal(made.status, 201);
  assert.ok(Math.abs(Date.parse(made.body.created_at) - Date.now()) < 3_600_000, made.body.created_at);
  assert.equal((await apiClient(collector.url, made.body.key)('GET', '/api/traces')).status, 200);
  assert.equal((await admin('DELETE', `/api/admin/keys/${made.body.key_id}`)).status, 200);
  const bad = await admin('POST', '/api/admin/keys', { tenant: 'Not A Tenant' });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /tenant/);
  assert.equal((await admin('DELETE', '/api/admin/keys/zzz')).status, 400);
  assert.equal((await admin('DELETE', '/api/admin/keys/0123456789abcdef')).status, 404);

  // revoked through the running collector: refused at once, over HTTP and listed as revoked
  const revoke = await runCli(['keys', 'revoke', acmeId, '--url', collector.url, '--key', adminKey], env);
  assert.equal(revoke.code, 0, revoke.stderr);
  assert.equal(revoke.stdout.trim(), `revoked ${acmeId}`);
  assert.equal((await acme('GET', '/api/traces')).status, 401);
  const again = await runCli(['keys', 'revoke', acmeId, '--url', collector.url, '--key', adminKey], env);
  assert.equal(again.code, 1);
  assert.match((await runCli(['keys', 'list', '--tenant', 'acme', '--url', collector.url, '--key', adminKey], env)).stdout, /REVOKED/);
});

test('tenants that only have data (a trusted relay named them) are listed with the others', async () => {
  const admin = apiClient(collector.url, adminKey);
  const relay = await admin('POST', '/api/admin/keys', { tenant: 'relay', trusted_relay: true });
  assert.equal(relay.status, 201, relay.text);
  // one tenant in the header, another as the resource attribute spanhouse.tenant_id (OTLP/JSON)
  const send = async (headers: Record<string, string>, attributes: object[], spanId: string) => {
    const now = BigInt(Date.now()) * 1_000_000n;
    const span = { traceId: spanId.repeat(2), spanId, name: 'relayed call', startTimeUnixNano: String(now - 1_000_000n), endTimeUnixNano: String(now) };
    const res = await fetch(`${collector.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${relay.body.key}`, ...headers },
      body: JSON.stringify({ resourceSpans: [{ resource: { attributes }, scopeSpans: [{ scope: { name: 'relay' }, spans: [span] }] }] }),
    });
    assert.equal(res.status, 200, await res.text());
  };
  await send({ 'x-spanhouse-tenant': 'teamx' }, [], 'a1a1a1a1a1a1a1a1');
  await send({}, [{ key: 'spanhouse.tenant_id', value: { stringValue: 'teamy' } }], 'b2b2b2b2b2b2b2b2');
  // stored (the pipeline writes in batches)
  for (const tenant of ['teamx', 'teamy']) {
    let stored = 0;
    for (let attempt = 0; attempt < 100 && stored === 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50));
      stored = (await admin('GET', `/api/spans?tenant=${tenant}`)).body.data.length;
    }
    assert.equal(stored, 1, tenant);
  }

  const listed = await admin('GET', '/api/admin/tenants');
  assert.equal(listed.status, 200, listed.text);
  const teamx = listed.body.data.find((t: { tenant_id: string }) => t.tenant_id === 'teamx');
  assert.deepEqual({ ...teamx, created_at: undefined }, { tenant_id: 'teamx', name: 'teamx', active_keys: 0, created_at: undefined });
  assert.ok(Date.parse(teamx.created_at) > Date.now() - 2 * 3_600_000, teamx.created_at);
  const tenants = await runCli(['keys', 'tenants', '--url', collector.url, '--key', adminKey], env);
  assert.equal(tenants.code, 0, tenants.stderr);
  assert.deepEqual(tenants.stdout.trim().split('\n'), ['acme  active_keys=0', 'default  active_keys=0', 'ops  active_keys=1', 'relay  active_keys=1', 'teamx  active_keys=0', 'teamy  active_keys=0']);
});

test('keys on the data directory of a running collector: the CLI points at --url, without guessing its port', async () => {
  const result = await runCli(['keys', 'list', '--data', data.dir], env);
  assert.equal(result.code, 1);
  // started here, not by `spanhouse serve`, so it left no address (cli-startup.test.ts has one that did)
  assert.match(result.stderr, /add --url <the collector's URL> and/);
  assert.doesNotMatch(result.stderr, /4318/);
});
