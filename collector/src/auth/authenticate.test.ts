import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Request } from 'express';
import type { ApiKeyRecord, KeyStore } from '../store/keys.ts';
import { Authenticator, KEY_CACHE_MS } from './authenticate.ts';
import { generateApiKey } from './keys.ts';

class FakeKeys {
  lookups = 0;
  constructor(readonly records: ApiKeyRecord[] = []) {}
  async findKey(keyId: string) {
    this.lookups++;
    return this.records.find((r) => r.key_id === keyId) ?? null;
  }
  async countActiveKeys() {
    return this.records.length;
  }
}

const request = (key: string) => ({ headers: { authorization: `Bearer ${key}` } }) as unknown as Request;

test('random well-formed keys: the negative cache stays bounded, and a repeated unknown key costs one lookup', async () => {
  const { key, keyId, secretSha256 } = generateApiKey();
  const keys = new FakeKeys([{ key_id: keyId, secret_sha256: secretSha256, tenant_id: 'acme', admin: false, trusted_relay: false, revoked: false } as unknown as ApiKeyRecord]);
  const auth = new Authenticator(keys as unknown as KeyStore, { loopback: true, maxCachedKeys: 100 });
  for (let i = 0; i < 1_000; i++) await assert.rejects(auth.authenticate(request(generateApiKey().key)), /not valid/);
  assert.deepEqual(auth.cachedKeys(), { found: 0, unknown: 100 });

  const unknownKey = generateApiKey().key;
  const before = keys.lookups;
  await Promise.all(Array.from({ length: 50 }, () => assert.rejects(auth.authenticate(request(unknownKey)))));
  assert.equal(keys.lookups - before, 1, 'concurrent requests with one unknown key share one lookup');

  // the flood did not evict or refuse the real key
  assert.equal((await auth.authenticate(request(key))).tenantId, 'acme');
  assert.equal(auth.cachedKeys().found, 1);
});

test('a loopback collector without keys takes any non-Spanhouse bearer (an OpenAI SDK api_key) as no key; once keys exist it is refused', async () => {
  const none = new Authenticator(new FakeKeys() as unknown as KeyStore, { loopback: true });
  assert.equal((await none.authenticate(request('sk-unused'))).tenantId, 'default');
  await assert.rejects(none.authenticate(request(generateApiKey().key)), /not valid/, 'a Spanhouse-shaped key is still checked');
  const remote = new Authenticator(new FakeKeys() as unknown as KeyStore, { loopback: false });
  await assert.rejects(remote.authenticate(request('sk-unused')), /not valid/, 'reachable from other machines: never keyless');
  const { keyId, secretSha256 } = generateApiKey();
  const withKeys = new Authenticator(new FakeKeys([{ key_id: keyId, secret_sha256: secretSha256, tenant_id: 'acme', admin: false, trusted_relay: false, revoked: false } as unknown as ApiKeyRecord]) as unknown as KeyStore, { loopback: true });
  await assert.rejects(withKeys.authenticate(request('sk-unused')), /not valid/);
});

test('a key revoked elsewhere (another collector, the CLI on a server) is refused within KEY_CACHE_MS, at most a second', async () => {
  const { key, keyId, secretSha256 } = generateApiKey();
  const record = { key_id: keyId, secret_sha256: secretSha256, tenant_id: 'acme', admin: false, trusted_relay: false, revoked: false } as unknown as ApiKeyRecord;
  const keys = new FakeKeys([record]);
  const auth = new Authenticator(keys as unknown as KeyStore, { loopback: true });
  assert.ok(KEY_CACHE_MS <= 1_000);
  assert.equal((await auth.authenticate(request(key))).tenantId, 'acme');
  // revoked in storage, not through this authenticator
  keys.records[0] = { ...record, revoked: true };
  await new Promise((resolve) => setTimeout(resolve, KEY_CACHE_MS + 20));
  await assert.rejects(auth.authenticate(request(key)), /not valid/);
});

/** Keys whose storage reads can be held (a read queued behind a long insert). */
class SlowKeys extends FakeKeys {
  counts = 0;
  private gate: Promise<void> = Promise.resolve();
  hold(): () => void {
    let release!: () => void;
    this.gate = new Promise((resolve) => (release = resolve));
    return release;
  }
  async findKey(keyId: string) {
    this.lookups++;
    await this.gate;
    return this.records.find((r) => r.key_id === keyId) ?? null;
  }
  async countActiveKeys() {
    this.counts++;
    await this.gate;
    return this.records.length;
  }
}

/** Settles after every pending microtask: a request that waits for a held read loses to it. */
const afterMicrotasks = <T>(value: T) => new Promise<T>((resolve) => setImmediate(() => resolve(value)));

test('a key in use is read again in the background before its cache entry expires: requests do not wait for storage, and a revocation still counts', async () => {
  let clock = 1_000_000; // not 0: lru-cache reads a start time of 0 as "no TTL"
  const { key, keyId, secretSha256 } = generateApiKey();
  const record = { key_id: keyId, secret_sha256: secretSha256, tenant_id: 'acme', admin: false, trusted_relay: false, revoked: false } as unknown as ApiKeyRecord;
  const keys = new SlowKeys([record]);
  const auth = new Authenticator(keys as unknown as KeyStore, { loopback: false, now: () => clock });
  assert.equal((await auth.authenticate(request(key))).tenantId, 'acme');
  assert.equal(keys.lookups, 1);

  clock += KEY_CACHE_MS * 0.6;
  const release = keys.hold();
  const answered = await Promise.race([auth.authenticate(request(key)).then((a) => a.tenantId), afterMicrotasks('waited for storage')]);
  assert.equal(answered, 'acme', 'answered from the cache while the key is read again');
  assert.equal(keys.lookups, 2, 'the key is read again in the background');
  await auth.authenticate(request(key));
  assert.equal(keys.lookups, 2, 'one background read at a time');

  keys.records[0] = { ...record, revoked: true };
  release();
  await afterMicrotasks(null);
  await assert.rejects(auth.authenticate(request(key)), /not valid/, 'the background read saw the revocation');

  // past KEY_CACHE_MS nothing stale is answered: the request waits for the read
  clock += KEY_CACHE_MS * 2;
  keys.records[0] = record;
  const again = keys.hold();
  assert.equal(await Promise.race([auth.authenticate(request(key)).then(() => 'answered'), afterMicrotasks('waiting')]), 'waiting');
  again();
});

test('the key count of a keyless loopback collector is counted again in the background, not on the request path', async () => {
  let clock = 1_000_000; // not 0: lru-cache reads a start time of 0 as "no TTL"
  const keys = new SlowKeys();
  const auth = new Authenticator(keys as unknown as KeyStore, { loopback: true, now: () => clock });
  await auth.warm();
  assert.equal(keys.counts, 1);
  clock += KEY_CACHE_MS * 0.6;
  const release = keys.hold();
  const answered = await Promise.race([auth.authenticate(request('sk-unused')).then((a) => a.tenantId), afterMicrotasks('waited for storage')]);
  assert.equal(answered, 'default');
  assert.equal(keys.counts, 2);
  release();
  await afterMicrotasks(null);
  clock += KEY_CACHE_MS * 0.6;
  assert.equal((await auth.authenticate(request('sk-unused'))).tenantId, 'default', 'the refreshed count is still fresh');
  assert.equal(keys.counts, 3, 'and it is refreshed again past half its age');
});
