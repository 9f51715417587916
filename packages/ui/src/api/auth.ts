// The API key this browser sends (Authorization: Bearer, never in a URL), kept in
// localStorage, and a signal for "the server answered 401" that the sign-in panel listens to.

export const API_KEY_STORAGE = 'spanhouse.apiKey';

/** The stored key, or null (also when storage is unavailable, e.g. blocked cookies). */
export function storedApiKey(): string | null {
  try {
    return localStorage.getItem(API_KEY_STORAGE) || null;
  } catch {
    return null;
  }
}

export function storeApiKey(key: string): void {
  localStorage.setItem(API_KEY_STORAGE, key);
  clearSelectedTenant();
}

/** The tenant an admin key reads (the tenant switcher), or null for the key's own. */
export const TENANT_STORAGE = 'spanhouse.tenant';

export function selectedTenant(): string | null {
  try {
    return localStorage.getItem(TENANT_STORAGE) || null;
  } catch {
    return null;
  }
}

export function selectTenant(tenant: string | null): void {
  if (tenant) localStorage.setItem(TENANT_STORAGE, tenant);
  else clearSelectedTenant();
}

function clearSelectedTenant(): void {
  try {
    localStorage.removeItem(TENANT_STORAGE);
  } catch {
    // nothing stored to clear
  }
}

export function clearApiKey(): void {
  try {
    localStorage.removeItem(API_KEY_STORAGE);
    clearSelectedTenant();
  } catch {
    // nothing stored to clear
  }
}

/** The public part of a Spanhouse key (`shk_<key id>`, what `spanhouse keys list` shows), never the secret. */
export function keyLabel(key: string): string {
  const match = /^(shk_[0-9a-f]{16})_/.exec(key);
  return match ? match[1] : 'custom key';
}

type UnauthorizedListener = (usedKey: string | null) => void;
const listeners = new Set<UnauthorizedListener>();

/** Called with the key a request used (null: none) whenever the server answers 401. */
export function onUnauthorized(listener: UnauthorizedListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function reportUnauthorized(usedKey: string | null): void {
  for (const listener of listeners) listener(usedKey);
}
