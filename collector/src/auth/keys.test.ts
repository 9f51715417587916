import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateApiKey, hashApiKey, isTenantId, keyIdOf, keyMatches } from './keys.ts';

test('a new key: its id is readable, only its hash is kept, and it matches only itself', () => {
  const { key, keyId, secretSha256 } = generateApiKey();
  assert.match(key, /^shk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
  assert.equal(keyIdOf(key), keyId);
  assert.equal(secretSha256, hashApiKey(key));
  assert.ok(!secretSha256.includes(key.slice(21)));
  assert.ok(keyMatches(key, secretSha256));
  assert.ok(!keyMatches(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`, secretSha256));
  assert.ok(!keyMatches(key, 'abcd'));
  assert.notEqual(generateApiKey().key, key);
});

test('malformed keys have no id', () => {
  for (const text of ['', 'shk_', 'Bearer x', `shk_${'g'.repeat(16)}_${'a'.repeat(43)}`, `shk_${'0'.repeat(16)}_${'a'.repeat(42)}`, `shk_${'0'.repeat(16)}_${'a'.repeat(43)}' OR 1`]) {
    assert.equal(keyIdOf(text), null, text);
  }
});

test('tenant ids are short lower-case identifiers', () => {
  for (const ok of ['default', 'acme', 'team-7', 'a_b', '0']) assert.ok(isTenantId(ok), ok);
  for (const bad of ['', 'Acme', '-x', 'a b', "x'", 'a'.repeat(64), 'é']) assert.ok(!isTenantId(bad), bad);
});
