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
