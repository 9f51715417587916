// Which tenants exist: one definition for `spanhouse keys tenants`, GET /api/admin/tenants
// (hence the UI's tenant switcher) and the SQL views made at start-up.
import type { ClickHouseClient } from '@clickhouse/client';
import { isoTime } from './query.ts';

export interface TenantRecord {
  tenant_id: string;
  name: string;
  created_at: string;
}

/**
 * Every tenant with a `tenants` row (made with a key), and every tenant that only has data: a
 * trusted relay names tenants freely (x-spanhouse-tenant, `tenant_id`, the resource attribute
 * spanhouse.tenant_id), and no row is made for them. Those come from the hourly rollup
 * span_metrics, which every stored span reaches (a materialized view) and which keeps a few
 * rows per tenant and hour: at 10M spans it reads thousands of rows where `traces` (2M) or
 * `spans` (10M) would read a whole column. A data-only tenant is named after itself and
 * dated by its first span's hour; once its spans have expired (span_metrics has the spans'
 * TTL), it is no longer listed.
 */
export async function knownTenants(client: ClickHouseClient): Promise<TenantRecord[]> {
  const result = await client.query({
    query: `SELECT tenant_id, name, created_at FROM tenants FINAL
            UNION ALL
            SELECT toString(tenant_id) AS tenant_id, toString(tenant_id) AS name, toDateTime64(min(hour), 3, 'UTC') AS created_at
            FROM span_metrics WHERE tenant_id NOT IN (SELECT tenant_id FROM tenants) GROUP BY tenant_id`,
    format: 'JSONEachRow',
  });
  return (await result.json<TenantRecord>()).map((t) => ({ ...t, created_at: isoTime(t.created_at) })).sort((a, b) => a.tenant_id.localeCompare(b.tenant_id));
}
