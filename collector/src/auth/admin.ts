// Key and tenant management, shared by `spanhouse keys` (offline, on the data directory)
// and the admin HTTP API (a running collector). The key is returned once; only its
// sha256 is stored.
import type { ApiKeyRecord, KeyStore, TenantRecord } from '../store/keys.ts';
import { DEFAULT_TENANT } from './authenticate.ts';
import { generateApiKey, hashApiKey, keyIdOf, keyMatches } from './keys.ts';

export interface NewKeyOptions {
  tenant: string;
  name?: string;
  admin?: boolean;
  trustedRelay?: boolean;
}

/** A key as listed: everything but its hash. */
export type PublicKeyRecord = Omit<ApiKeyRecord, 'secret_sha256'>;

export const publicKey = ({ secret_sha256: _hash, ...rest }: ApiKeyRecord): PublicKeyRecord => rest;

export interface CreatedKey {
  key: string;
  record: PublicKeyRecord;
  /** Set when this key switches keys on and hides traces stored without keys. */
  warning?: string;
}

/**
 * Why the first key matters: before it, loopback requests without a key read and write
 * tenant `default`; after it, every request needs a key, and `default`'s traces are seen
 * only by keys of that tenant (or admin keys with tenant=default).
 */
export function firstKeyWarning(tenant: string, admin: boolean): string {
  return (
    `This is the first API key: from now on every request needs a key, and the traces already stored in tenant "${DEFAULT_TENANT}" ` +
    `(sent without a key) are no longer shown without one. ` +
    (admin
      ? `This admin key can still read them with tenant=${DEFAULT_TENANT} (the UI's tenant switcher).`
      : `Keys of tenant "${tenant}" will not see them: create a key with --tenant ${DEFAULT_TENANT}, or an --admin key, to read them.`)
  );
}

export async function createKey(keys: KeyStore, options: NewKeyOptions): Promise<CreatedKey> {
  const first = (await keys.countActiveKeys()) === 0;
  const hidesDefault = first && options.tenant !== DEFAULT_TENANT && (await keys.tenantHasTraces(DEFAULT_TENANT));
  await keys.ensureTenant(options.tenant);
  const { key, keyId, secretSha256 } = generateApiKey();
  const record = await keys.insertKey({
    key_id: keyId,
    secret_sha256: secretSha256,
    tenant_id: options.tenant,
    name: options.name ?? '',
    admin: options.admin ?? false,
    trusted_relay: options.trustedRelay ?? false,
  });
  return { key, record: publicKey(record), ...(hidesDefault ? { warning: firstKeyWarning(options.tenant, options.admin ?? false) } : {}) };
}

/**
 * Stores `key` as an admin key of tenant `default` unless its key id is already stored
 * (a revoked key stays revoked). For SPANHOUSE_ADMIN_KEY, the container's first key.
 */
export async function ensureAdminKey(keys: KeyStore, key: string): Promise<void> {
  const keyId = keyIdOf(key);
  if (!keyId) throw new Error('SPANHOUSE_ADMIN_KEY is not a Spanhouse key: make one with `spanhouse keys generate`');
  const stored = await keys.findKey(keyId);
  if (stored) {
    if (!keyMatches(key, stored.secret_sha256)) throw new Error(`SPANHOUSE_ADMIN_KEY: key id ${keyId} is stored with another secret`);
    return;
  }
  await keys.ensureTenant(DEFAULT_TENANT);
  await keys.insertKey({ key_id: keyId, secret_sha256: hashApiKey(key), tenant_id: DEFAULT_TENANT, name: 'SPANHOUSE_ADMIN_KEY', admin: true, trusted_relay: false });
}

export interface TenantSummary extends TenantRecord {
  /** Keys not revoked. */
  active_keys: number;
}

/** Every known tenant (with keys, or only data: store/tenants.ts), plus `default` (where keyless data goes) even when empty. */
export async function listTenants(keys: KeyStore): Promise<TenantSummary[]> {
  const [tenants, all] = await Promise.all([keys.tenants(), keys.keys()]);
  const byId = new Map(tenants.map((t) => [t.tenant_id, t]));
  if (!byId.has(DEFAULT_TENANT)) byId.set(DEFAULT_TENANT, { tenant_id: DEFAULT_TENANT, name: DEFAULT_TENANT, created_at: new Date(0).toISOString() });
  return [...byId.values()]
    .sort((a, b) => a.tenant_id.localeCompare(b.tenant_id))
    .map((t) => ({ ...t, active_keys: all.filter((k) => k.tenant_id === t.tenant_id && !k.revoked).length }));
}
