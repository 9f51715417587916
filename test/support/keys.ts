// Tests' API keys: a tenant and a key of it, written straight to the key store (the
// collector is not running yet); returns the secret to send and the key's id.
import { generateApiKey } from '../../collector/src/auth/keys.ts';
import { KeyStore } from '../../collector/src/store/keys.ts';
import { SpanStore } from '../../collector/src/store/span-store.ts';

/**
 * Opens the data directory's store while no collector holds it (chDB binds one directory
 * per process), as `spanhouse keys create` does, runs `work` with its key store, and closes it.
 */
export async function withKeyStore<T>(dataDir: string, work: (keys: KeyStore, store: SpanStore) => Promise<T>): Promise<T> {
  const store = await SpanStore.open({ dataDir });
  try {
    return await work(new KeyStore(store.client), store);
  } finally {
    await store.close();
  }
}

export async function makeKey(store: KeyStore, tenant: string, flags: { admin?: boolean; relay?: boolean } = {}): Promise<{ key: string; keyId: string }> {
  await store.ensureTenant(tenant);
  const { key, keyId, secretSha256 } = generateApiKey();
  await store.insertKey({ key_id: keyId, secret_sha256: secretSha256, tenant_id: tenant, name: '', admin: flags.admin ?? false, trusted_relay: flags.relay ?? false });
  return { key, keyId };
}
