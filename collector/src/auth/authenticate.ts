// Who is calling: every /api and /v1 request carries an API key (Authorization:
// Bearer, or x-api-key; OTLP exporters send either through their headers setting) and
// the key decides the tenant. Without keys, only a loopback-bound collector that has
// no keys yet answers, as tenant `default`. A trusted-relay key may name the tenant
// per request (x-spanhouse-tenant header, or tenant_id in a JSON write body).
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { LRUCache } from 'lru-cache';
import type { TenantOf } from '@spanhouse/model';
import { ApiError, storageUnavailable } from '../api/errors.ts';
import type { ApiKeyRecord, KeyStore } from '../store/keys.ts';
import { isTenantId, keyIdOf, keyMatches } from './keys.ts';

export const DEFAULT_TENANT = 'default';
export const TENANT_HEADER = 'x-spanhouse-tenant';

export interface AuthContext {
  /** The tenant this request reads and writes. */
  tenantId: string;
  /** null for the keyless loopback mode. */
  keyId: string | null;
  admin: boolean;
  trustedRelay: boolean;
}

const AUTH = Symbol('spanhouse.auth');
type WithAuth = Request & { [AUTH]?: AuthContext };

export function authOf(req: Request): AuthContext {
  const auth = (req as WithAuth)[AUTH];
  if (!auth) throw new Error('request was not authenticated');
  return auth;
}

/** The tenant a read may target: its own, or any for admin keys (`tenant=` parameter). */
export function readTenant(req: Request, requested?: string): string {
  const auth = authOf(req);
  if (requested === undefined || requested === auth.tenantId) return auth.tenantId;
  if (!auth.admin) throw new ApiError(403, 'forbidden', 'tenant: this key reads only its own tenant');
  if (!isTenantId(requested)) throw new ApiError(400, 'bad_request', 'tenant: not a tenant id');
  return requested;
}

/**
 * The tenant a write goes to: a payload tenant counts for trusted-relay keys (they route data)
 * and admin keys (they may read any tenant and make its keys; the UI writes to the tenant an
 * admin is viewing).
 */
export function writeTenant(req: Request, payloadTenant?: string): string {
  const auth = authOf(req);
  if (payloadTenant === undefined || payloadTenant === auth.tenantId) return auth.tenantId;
  if (!auth.trustedRelay && !auth.admin) throw new ApiError(403, 'forbidden', 'tenant_id: only admin and trusted-relay keys may name a tenant');
  if (!isTenantId(payloadTenant)) throw new ApiError(400, 'bad_request', 'tenant_id: not a tenant id');
  return payloadTenant;
}

/** The resource attribute a trusted relay sets to route OTLP data to a tenant. */
export const TENANT_RESOURCE_ATTRIBUTE = 'spanhouse.tenant_id';

/**
 * The tenant of OTLP data: the key's (or the header's) tenant; for a trusted relay, a
 * resource may name its own with `spanhouse.tenant_id` (an invalid name rejects those
 * spans). For other keys that attribute is ignored: it is only data.
 */
export function otlpTenant(auth: AuthContext): TenantOf {
  if (!auth.trustedRelay) return auth.tenantId;
  return (resource) => {
    const named = resource[TENANT_RESOURCE_ATTRIBUTE];
    if (named === undefined || named === null || named === '') return auth.tenantId;
    return typeof named === 'string' && isTenantId(named) ? named : null;
  };
}

/** What authentication reads from a request: its headers (an HTTP request, or gRPC metadata). */
export type HeaderCarrier = Pick<Request, 'headers'>;

export function keyFromRequest(req: HeaderCarrier): string | undefined {
  const authorization = req.headers.authorization;
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  const header = req.headers['x-api-key'];
  return typeof header === 'string' && header !== '' ? header : undefined;
}

export interface AuthenticatorOptions {
  /** True when the collector listens on loopback only (keyless access is possible). */
  loopback: boolean;
  /** How long a verified key or the key count is trusted before asking the store again (default KEY_CACHE_MS). */
  cacheMs?: number;
  /** Key ids remembered, found and not found each (least recently used go first). */
  maxCachedKeys?: number;
  /** Milliseconds on a monotonic clock (tests step it). */
  now?: () => number;
}

/**
 * A key revoked anywhere (the admin API of another collector, `spanhouse keys revoke` on a
 * ClickHouse server) stops working here within this time; one lookup per key id per period.
 */
export const KEY_CACHE_MS = 1_000;

/**
 * A cached key or key count past this share of KEY_CACHE_MS is still answered from the cache
 * while it is read again in the background: a busy key never waits for storage (where a read
 * may queue behind an insert), and a revocation is still seen within KEY_CACHE_MS.
 */
const REFRESH_AHEAD_SHARE = 0.5;

/** Default bound of each key cache: random well-formed keys cannot grow memory past it. */
export const MAX_CACHED_KEYS = 10_000;

export class Authenticator {
  /** Keys found, and key ids not found (a bounded negative cache), each for cacheMs. */
  private readonly verified: LRUCache<string, ApiKeyRecord>;
  private readonly unknown: LRUCache<string, true>;
  /** Keys last seen valid, without expiry: used only while storage cannot be read (an outage the spool rides out). */
  private readonly lastKnown: LRUCache<string, ApiKeyRecord>;
  /** One storage lookup per key id at a time, however many requests carry it. */
  private readonly lookups = new Map<string, Promise<ApiKeyRecord | null>>();
  private keyCount: { value: number; at: number } | null = null;
  private counting: Promise<void> | null = null;
  /** Bumped by invalidate(): a read that started before it does not fill the cache. */
  private generation = 0;
  private readonly cacheMs: number;
  private readonly now: () => number;

  constructor(
    private readonly keys: KeyStore,
    private readonly options: AuthenticatorOptions,
  ) {
    this.cacheMs = options.cacheMs ?? KEY_CACHE_MS;
    this.now = options.now ?? (() => performance.now());
    const max = options.maxCachedKeys ?? MAX_CACHED_KEYS;
    const perf = { now: this.now };
    // ttlResolution 0: every check reads the clock (no cached time between checks)
    this.verified = new LRUCache({ max, ttl: this.cacheMs, ttlResolution: 0, perf });
    this.unknown = new LRUCache({ max, ttl: this.cacheMs, ttlResolution: 0, perf });
    this.lastKnown = new LRUCache({ max });
  }

  /** Entries in the two key caches (for tests and diagnostics). */
  cachedKeys(): { found: number; unknown: number } {
    return { found: this.verified.size, unknown: this.unknown.size };
  }

  private async activeKeys(): Promise<number> {
    const age = this.keyCount ? this.now() - this.keyCount.at : Infinity;
    if (age > this.cacheMs * REFRESH_AHEAD_SHARE) {
      const counted = this.countKeys();
      if (age > this.cacheMs) await counted;
      else counted.catch(() => {});
    }
    // a count that started before invalidate() did not fill the cache
    while (!this.keyCount) await this.countKeys();
    return this.keyCount.value;
  }

  /** One count at a time; while storage is down, the last count stands. */
  private countKeys(): Promise<void> {
    const generation = this.generation;
    this.counting ??= this.keys
      .countActiveKeys()
      .then(
        (value) => {
          if (generation === this.generation) this.keyCount = { value, at: this.now() };
        },
        (error: unknown) => {
          if (!this.keyCount) throw error;
        },
      )
      .finally(() => (this.counting = null));
    return this.counting;
  }

  private async record(keyId: string): Promise<ApiKeyRecord | null> {
    const cached = this.verified.get(keyId);
    if (cached) {
      if (this.verified.getRemainingTTL(keyId) < this.cacheMs * (1 - REFRESH_AHEAD_SHARE)) void this.lookup(keyId).catch(() => {});
      return cached;
    }
    if (this.unknown.has(keyId)) return null;
    return this.lookup(keyId);
  }

  /** One storage lookup per key id at a time, however many requests (or refreshes) ask. */
  private lookup(keyId: string): Promise<ApiKeyRecord | null> {
    let lookup = this.lookups.get(keyId);
    if (!lookup) {
      const generation = this.generation;
      lookup = this.keys.findKey(keyId).then(
        (record) => {
          if (generation !== this.generation) return record;
          if (record) {
            this.verified.set(keyId, record);
            this.lastKnown.set(keyId, record);
          } else {
            this.verified.delete(keyId);
            this.unknown.set(keyId, true);
            this.lastKnown.delete(keyId);
          }
          return record;
        },
        (error: unknown) => {
          const known = this.lastKnown.get(keyId);
          if (known) return known;
          throw error;
        },
      ).finally(() => this.lookups.delete(keyId));
      this.lookups.set(keyId, lookup);
    }
    return lookup;
  }

  /** Reads the key count once at start-up, so keyless requests are answered through a storage outage. */
  async warm(): Promise<void> {
    await this.activeKeys();
  }

  /** Forgets cached keys (after a key is created or revoked in this process). */
  invalidate(): void {
    this.verified.clear();
    this.unknown.clear();
    this.keyCount = null;
    this.generation++;
  }

  /** The caller's context, or an ApiError (401 without a valid key, 403 for a tenant the key may not pick). */
  async authenticate(req: HeaderCarrier): Promise<AuthContext> {
    const key = keyFromRequest(req);
    let auth: AuthContext;
    // OpenAI SDKs insist on some api_key: on a keyless loopback collector, one that is not a Spanhouse key counts as none.
    const noKey = key === undefined || (this.options.loopback && keyIdOf(key) === null && (await this.activeKeys()) === 0);
    if (noKey) {
      if (!this.options.loopback || (await this.activeKeys()) > 0) {
        throw new ApiError(401, 'unauthorized', 'an API key is required: send "Authorization: Bearer <key>" (create one with `spanhouse keys create --tenant <name>`)');
      }
      auth = { tenantId: DEFAULT_TENANT, keyId: null, admin: false, trustedRelay: false };
    } else {
      const keyId = keyIdOf(key);
      const record = keyId ? await this.record(keyId) : null;
      if (!record || record.revoked || !keyMatches(key, record.secret_sha256)) throw new ApiError(401, 'unauthorized', 'the API key is not valid');
      auth = { tenantId: record.tenant_id, keyId: record.key_id, admin: record.admin, trustedRelay: record.trusted_relay };
    }
    const named = req.headers[TENANT_HEADER];
    if (typeof named === 'string' && named !== '' && named !== auth.tenantId) {
      if (!auth.trustedRelay) throw new ApiError(403, 'forbidden', `${TENANT_HEADER}: only trusted-relay keys may name a tenant`);
      if (!isTenantId(named)) throw new ApiError(400, 'bad_request', `${TENANT_HEADER}: not a tenant id`);
      auth = { ...auth, tenantId: named };
    }
    return auth;
  }

  /** Express middleware: sets the request's AuthContext or answers with `fail`. */
  middleware(fail: (res: Response, error: ApiError) => void): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      this.authenticate(req).then(
        (auth) => {
          (req as WithAuth)[AUTH] = auth;
          next();
        },
        (error: unknown) => {
          if (error instanceof ApiError) fail(res, error);
          else next(storageUnavailable(error)); // keys could not be read: 503 + Retry-After
        },
      );
    };
  }
}
