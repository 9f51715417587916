// Prompt clusters: centroids persisted per tenant and embedder, and cluster listings with
// the cost and latency of their spans.
import type { ClickHouseClient } from '@clickhouse/client';
import type { ClusterRow } from '@spanhouse/enrich';
import type { ClusterSummary } from '@spanhouse/model';
export type { ClusterSummary };

interface StoredClusterRow {
  cluster_id: string;
  embedder: string;
  centroid: number[];
  norm: number;
  size: number | string;
  terms: Record<string, number>;
  label: string;
  aliases: string[];
}

export class ClusterStore {
  constructor(private readonly client: ClickHouseClient) {}

  async load(tenantId: string, embedder: string): Promise<ClusterRow[]> {
    const result = await this.client.query({
      query: `SELECT cluster_id, embedder, centroid, norm, size, terms, label, aliases FROM clusters FINAL
              WHERE tenant_id = {tenant:String} AND embedder = {embedder:String} AND NOT deleted`,
      query_params: { tenant: tenantId, embedder },
      format: 'JSONEachRow',
    });
    return (await result.json<StoredClusterRow>()).map((row) => ({ ...row, size: Number(row.size), norm: Number(row.norm) }));
  }

  /** Upserts changed clusters and marks merged-away ones deleted. */
  async save(tenantId: string, embedder: string, rows: ClusterRow[], deletedIds: string[] = []): Promise<void> {
    const updatedAt = Date.now() * 1000;
    const values = [
      ...rows.map((row) => ({ tenant_id: tenantId, ...row, embedder, deleted: false, updated_at: updatedAt })),
      ...deletedIds.map((id) => ({ tenant_id: tenantId, embedder, cluster_id: id, centroid: [], norm: 0, size: 0, terms: {}, label: '', aliases: [], deleted: true, updated_at: updatedAt })),
    ];
    if (values.length > 0) await this.client.insert({ table: 'clusters', values, format: 'JSONEachRow' });
  }

  /** Clusters of a tenant with the totals of their spans (newest span versions), largest first. */
  async list(tenantId: string, embedder: string, limit: number): Promise<ClusterSummary[]> {
    const clusters = await this.load(tenantId, embedder);
    const result = await this.client.query({
      query: `SELECT cluster_id, count() AS spans, sum(ifNull(cost_usd, 0)) AS cost_usd, sum(latency_ms) AS latency_ms_total,
                     countIf(status != 'success') AS error_count
              FROM (SELECT cluster_id, cost_usd, latency_ms, status FROM spans
                    WHERE tenant_id = {tenant:String} AND cluster_id IS NOT NULL
                    ORDER BY trace_id, span_id, version DESC LIMIT 1 BY trace_id, span_id)
              GROUP BY cluster_id`,
      query_params: { tenant: tenantId },
      format: 'JSONEachRow',
    });
    const stats = new Map<string, { spans: number; cost_usd: number; latency_ms_total: number; error_count: number }>();
    for (const row of await result.json<{ cluster_id: string; spans: string | number; cost_usd: number; latency_ms_total: number; error_count: string | number }>()) {
      stats.set(row.cluster_id, { spans: Number(row.spans), cost_usd: Number(row.cost_usd), latency_ms_total: Number(row.latency_ms_total), error_count: Number(row.error_count) });
    }
    return clusters
      .map((cluster) => {
        const ids = [cluster.cluster_id, ...cluster.aliases];
        const total = { spans: 0, cost_usd: 0, latency_ms_total: 0, error_count: 0 };
        for (const id of ids) {
          const s = stats.get(id);
          if (!s) continue;
          total.spans += s.spans;
          total.cost_usd += s.cost_usd;
          total.latency_ms_total += s.latency_ms_total;
          total.error_count += s.error_count;
        }
        return {
          cluster_id: cluster.cluster_id,
          label: cluster.label,
          size: total.spans,
          cost_usd: total.cost_usd,
          latency_ms_total: total.latency_ms_total,
          latency_ms_avg: total.spans > 0 ? total.latency_ms_total / total.spans : 0,
          error_count: total.error_count,
          aliases: cluster.aliases,
        };
      })
      .sort((a, b) => b.size - a.size || a.cluster_id.localeCompare(b.cluster_id))
      .slice(0, limit);
  }
}
