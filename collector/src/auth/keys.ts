// API key format: `shk_<key id>_<secret>`. The key id (16 hex) is public and finds the
// stored record; only sha256 of the whole key is stored, compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const KEY_PATTERN = /^shk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** Tenant ids: lower-case letters, digits, `-` and `_`, starting with a letter or digit. */
export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export function isTenantId(value: string): boolean {
  return TENANT_ID_PATTERN.test(value);
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A new key; `key` is shown once and never stored. */
export function generateApiKey(): { key: string; keyId: string; secretSha256: string } {
  const keyId = randomBytes(8).toString('hex');
  const key = `shk_${keyId}_${randomBytes(32).toString('base64url')}`;
  return { key, keyId, secretSha256: hashApiKey(key) };
}

/** The key id of a well-formed key, or null. */
export function keyIdOf(key: string): string | null {
  return KEY_PATTERN.exec(key)?.[1] ?? null;
}

export function keyMatches(key: string, secretSha256: string): boolean {
  const a = Buffer.from(hashApiKey(key), 'hex');
  const b = Buffer.from(secretSha256, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
