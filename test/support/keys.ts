// Tests' API keys: a tenant and a key of it, written straight to the key store (the
// collector is not running yet); returns the secret to send and the key's id.
import { generateApiKey } from '../../collector/src/auth/keys.ts';
import type { KeyStore } from '../../collector/src/store/keys.ts';

export async function makeKey(store: KeyStore, tenant: string, flags: { admin?: boolean; relay?: boolean } = {}): Promise<{ key: string; keyId: string }> {
  await store.ensureTenant(tenant);
  const { key, keyId, secretSha256 } = generateApiKey();
  await store.insertKey({ key_id: keyId, secret_sha256: secretSha256, tenant_id: tenant, name: '', admin: flags.admin ?? false, trusted_relay: flags.relay ?? false });
  return { key, keyId };
}
