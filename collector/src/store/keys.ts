// Tenants, API keys (hashed) and server secrets.
import { randomBytes } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { isoTime } from './query.ts';
import { createTenantViews } from './sql.ts';
import { knownTenants, type TenantRecord } from './tenants.ts';

export type { TenantRecord };

export interface ApiKeyRecord {
  key_id: string;
  secret_sha256: string;
  tenant_id: string;
  name: string;
  admin: boolean;
  trusted_relay: boolean;
  created_at: string;
  revoked: boolean;
}

type KeyRow = Omit<ApiKeyRecord, 'created_at'> & { created_at: string | number; version?: number };

const fromKeyRow = (row: KeyRow): ApiKeyRecord => ({
  key_id: row.key_id,
  secret_sha256: row.secret_sha256,
  tenant_id: row.tenant_id,
  name: row.name,
  admin: Boolean(row.admin),
  trusted_relay: Boolean(row.trusted_relay),
  created_at: isoTime(row.created_at),
  revoked: Boolean(row.revoked),
});

export class KeyStore {
  constructor(private readonly client: ClickHouseClient) {}

  /** Creates the tenant unless it exists, and its SQL views (idempotent). */
  async ensureTenant(tenantId: string, name = tenantId): Promise<void> {
    await createTenantViews(this.client, tenantId);
    const found = await this.client.query({
      query: 'SELECT 1 FROM tenants WHERE tenant_id = {tenant:String} LIMIT 1',
      query_params: { tenant: tenantId },
      format: 'JSONEachRow',
    });
    if ((await found.json()).length > 0) return;
    const now = Date.now();
    await this.client.insert({ table: 'tenants', values: [{ tenant_id: tenantId, name, created_at: now, version: now }], format: 'JSONEachRow' });
  }

  /** Tenants made with a key, and those that only have data (a trusted relay named them). */
  tenants(): Promise<TenantRecord[]> {
    return knownTenants(this.client);
  }

  async insertKey(key: Omit<ApiKeyRecord, 'created_at' | 'revoked'>): Promise<ApiKeyRecord> {
    const now = Date.now();
    const row = { ...key, created_at: now, revoked: false, version: now };
    await this.client.insert({ table: 'api_keys', values: [row], format: 'JSONEachRow' });
    return { ...fromKeyRow(row), created_at: new Date(now).toISOString() };
  }

  async findKey(keyId: string): Promise<ApiKeyRecord | null> {
    const result = await this.client.query({
      query: 'SELECT * FROM api_keys FINAL WHERE key_id = {key:String}',
      query_params: { key: keyId },
      format: 'JSONEachRow',
    });
    const [row] = await result.json<KeyRow>();
    return row ? fromKeyRow(row) : null;
  }

  async countActiveKeys(): Promise<number> {
    const result = await this.client.query({ query: 'SELECT count() AS n FROM api_keys FINAL WHERE NOT revoked', format: 'JSONEachRow' });
    const [row] = await result.json<{ n: string }>();
    return Number(row?.n ?? 0);
  }

  /** True when the tenant has stored at least one trace. */
  async tenantHasTraces(tenantId: string): Promise<boolean> {
    const result = await this.client.query({
      query: 'SELECT 1 FROM traces WHERE tenant_id = {tenant:String} LIMIT 1',
      query_params: { tenant: tenantId },
      format: 'JSONEachRow',
    });
    return (await result.json()).length > 0;
  }

  async keys(tenantId?: string): Promise<ApiKeyRecord[]> {
    const result = await this.client.query({
      query: `SELECT * FROM api_keys FINAL ${tenantId === undefined ? '' : 'WHERE tenant_id = {tenant:String}'} ORDER BY tenant_id, created_at`,
      query_params: tenantId === undefined ? {} : { tenant: tenantId },
      format: 'JSONEachRow',
    });
    return (await result.json<KeyRow>()).map(fromKeyRow);
  }

  async revokeKey(keyId: string): Promise<boolean> {
    const key = await this.findKey(keyId);
    if (!key || key.revoked) return false;
    const now = Date.now();
    await this.client.insert({
      table: 'api_keys',
      values: [{ ...key, created_at: Date.parse(key.created_at), revoked: true, version: now }],
      format: 'JSONEachRow',
    });
    return true;
  }

  /** A random secret kept in the data directory (made on first use), e.g. the cursor signing key. */
  async secret(name: string): Promise<Buffer> {
    const read = async () => {
      const result = await this.client.query({
        query: 'SELECT value FROM server_secrets FINAL WHERE name = {name:String}',
        query_params: { name },
        format: 'JSONEachRow',
      });
      const [row] = await result.json<{ value: string }>();
      return row?.value;
    };
    let value = await read();
    if (!value) {
      await this.client.insert({ table: 'server_secrets', values: [{ name, value: randomBytes(32).toString('hex') }], format: 'JSONEachRow' });
      // Two processes racing on a server: both read back whichever row FINAL keeps.
      value = await read();
    }
    return Buffer.from(value!, 'hex');
  }
}
