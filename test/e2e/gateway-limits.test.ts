// The gateway's POST routes are answered ahead of Express (collector/src/gateway/routes.ts,
// directGatewayRoutes). These prove they keep what the app gave them: the router's path
// matching, compressed bodies, the body limit, the in-flight cap shared with the REST API and the
// key check, each refusal in OpenAI's error format; through a real collector (embedded chDB) and
// a fake OpenAI-compatible upstream.
import assert from 'node:assert/strict';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import type { RunningCollector } from '@spanhouse/collector';
import { loadGatewaySettings } from '../../collector/src/gateway/settings.ts';
import { startTestCollector, tempDataDir } from '../support/collector.ts';
import { echo, FAKE_OPENAI_KEY, startFakeOpenAiUpstream, type FakeUpstream } from '../support/fake-upstreams.ts';
import { makeKey, withKeyStore } from '../support/keys.ts';

const data = tempDataDir('gateway-limits');
const MAX_BODY_BYTES = 64 * 1024;
let collector: RunningCollector;
let upstream: FakeUpstream;
let key = '';

before(async () => {
  upstream = await startFakeOpenAiUpstream();
  await withKeyStore(data.dir, async (keyStore) => {
    key = (await makeKey(keyStore, 'acme')).key;
  });
  const gateway = loadGatewaySettings(
    {
      providers: { fakeai: { baseUrl: upstream.baseUrl, apiKey: FAKE_OPENAI_KEY, providerName: 'openai' } },
      aliases: { stuck: { targets: ['fakeai/slow'], timeoutMs: 2_000, retries: 0 } },
      defaultProvider: 'fakeai',
    },
    {},
  );
  collector = await startTestCollector(data.dir, { gateway, maxInFlight: 1, maxBodyBytes: MAX_BODY_BYTES });
});

after(async () => {
  await collector?.close();
  await upstream?.close();
  data.remove();
});

const question = (content: string) => JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });

function post(body: string | Uint8Array, headers: Record<string, string> = {}, path = '/v1/chat/completions') {
  return fetch(`${collector.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : new Uint8Array(body) });
}

/** An OpenAI error body: its status, type and code. */
async function openAiError(res: Response): Promise<{ status: number; type: string; code: string | null; message: string }> {
  const body = await res.json();
  assert.equal(typeof body.error?.message, 'string', JSON.stringify(body));
  return { status: res.status, type: body.error.type, code: body.error.code, message: body.error.message };
}

test('a gzip, deflate or brotli body is read as a plain one; an unknown encoding is a 415, a broken one a 400', async () => {
  for (const [encoding, compress] of [['gzip', gzipSync], ['deflate', deflateSync], ['br', brotliCompressSync]] as const) {
    const res = await post(compress(question(`packed as ${encoding}`)), { 'content-encoding': encoding });
    assert.equal(res.status, 200, encoding);
    assert.equal((await res.json()).choices[0].message.content, echo(`packed as ${encoding}`));
  }
  const unknown = await openAiError(await post(question('x'), { 'content-encoding': 'zstd-ish' }));
  assert.deepEqual([unknown.status, unknown.type, unknown.code], [415, 'invalid_request_error', 'unsupported_media_type']);
  const broken = await openAiError(await post(Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' }));
  assert.deepEqual([broken.status, broken.type], [400, 'invalid_request_error']);
  assert.match(broken.message, /gzip/);
});

test('the routes match as the app\'s router did: a trailing slash, a query string, any case', async () => {
  for (const path of ['/v1/chat/completions/', '/v1/chat/completions?x=1', '/V1/Chat/Completions']) {
    const res = await post(question(path), {}, path);
    assert.equal(res.status, 200, path);
    assert.equal((await res.json()).choices[0].message.content, echo(path));
  }
});

test('a body over the limit is a 413, compressed or not, and the next call is answered', async () => {
  const large = question('x'.repeat(MAX_BODY_BYTES));
  const plain = await openAiError(await post(large));
  assert.deepEqual([plain.status, plain.code], [413, 'too_large']);
  assert.match(plain.message, new RegExp(String(MAX_BODY_BYTES)));
  // small on the wire, over the limit once inflated
  const bomb = await openAiError(await post(gzipSync(large), { 'content-encoding': 'gzip' }, '/v1/embeddings'));
  assert.deepEqual([bomb.status, bomb.code], [413, 'too_large']);
  const after = await post(question('still here'));
  assert.equal(after.status, 200);
});

test('the key is checked before the body is read: a bad key is a 401 in OpenAI format', async () => {
  const refused = await openAiError(await post(question('x'), { authorization: 'Bearer not-a-key' }));
  assert.deepEqual([refused.status, refused.type], [401, 'authentication_error']);
});

test('the in-flight cap counts gateway calls and API reads alike: past it, both are shed with 503 + Retry-After', async () => {
  const seen = upstream.requests.length;
  const stuck = post(JSON.stringify({ model: 'stuck', messages: [{ role: 'user', content: 'wait' }] }));
  while (upstream.requests.length === seen) await new Promise((resolve) => setTimeout(resolve, 10));
  // one call in flight: the cap (1) is reached
  const shedCall = await post(question('one too many'));
  assert.equal(shedCall.status, 503);
  assert.ok(Number(shedCall.headers.get('retry-after')) > 0);
  const shed = await openAiError(shedCall);
  assert.deepEqual([shed.type, shed.code], ['server_error', 'overloaded']);
  const shedRead = await fetch(`${collector.url}/api/traces`, { headers: { authorization: `Bearer ${key}` } });
  assert.equal(shedRead.status, 503);
  assert.equal((await shedRead.json()).error.code, 'overloaded');
  // the stuck call ends (its alias times out), and the slot is free again
  assert.equal((await stuck).status, 504);
  assert.equal((await post(question('after the wait'))).status, 200);
  assert.equal((await fetch(`${collector.url}/api/traces`, { headers: { authorization: `Bearer ${key}` } })).status, 200);
});
