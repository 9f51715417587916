// Prompt clusters: centroids persisted per tenant and embedder, and cluster listings with
// the cost and latency of their spans.
import type { ClickHouseClient } from '@clickhouse/client';
import type { ClusterRow } from '@spanhouse/enrich';
import { roundUsd, type ClusterSummary } from '@spanhouse/model';
import { currentVersionsOnly, UNPRICED_CALL } from './metrics.ts';
import { queryRows } from './query.ts';
import { SPAN_LIST_SETTINGS } from './search.ts';
import { spanConditions } from './span-filters.ts';
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

  /**
   * Clusters of a tenant with the totals of their spans (newest versions) in a window, largest
   * first; with no window, over all time. The totals are grouped from the spans' time
   * projection (cluster, cost, tokens, latency, status: a few columns a span), and replaced
   * versions are left out only when the window has any (as metrics do). Given a window, a
   * cluster with no span in it is left out.
   */
  async list(tenantId: string, embedder: string, limit: number, window: { since?: Date; until?: Date } = {}): Promise<ClusterSummary[]> {
    const clusters = await this.load(tenantId, embedder);
    const filter = { tenantId, since: window.since, until: window.until };
    const { where, params } = spanConditions(filter);
    const newest = await currentVersionsOnly(this.client, filter);
    where.push(...newest.where);
    Object.assign(params, newest.params);
    // aliases unlike the columns: UNPRICED_CALL reads cost_usd and the token counts
    const rows = await queryRows<{ cluster_id: string; spans: string | number; cost: number; unpriced: string | number; latency_ms_total: number; error_count: string | number }>(this.client, {
      query: `SELECT cluster_id, count() AS spans, sum(ifNull(cost_usd, 0)) AS cost, countIf(${UNPRICED_CALL}) AS unpriced,
                     sum(latency_ms) AS latency_ms_total, countIf(status != 'success') AS error_count
              FROM spans
              WHERE ${where.join(' AND ')} AND cluster_id IS NOT NULL
              GROUP BY cluster_id`,
      query_params: params,
      clickhouse_settings: SPAN_LIST_SETTINGS,
    });
    const stats = new Map(rows.map((row) => [row.cluster_id, row]));
    const windowed = window.since !== undefined || window.until !== undefined;
    return clusters
      .map((cluster) => {
        const total = { spans: 0, cost_usd: 0, unpriced: 0, latency_ms_total: 0, error_count: 0 };
        // a cluster merged into this one keeps its id on the spans it had
        for (const id of [cluster.cluster_id, ...cluster.aliases]) {
          const s = stats.get(id);
          if (!s) continue;
          total.spans += Number(s.spans);
          total.cost_usd += Number(s.cost);
          total.unpriced += Number(s.unpriced);
          total.latency_ms_total += Number(s.latency_ms_total);
          total.error_count += Number(s.error_count);
        }
        return {
          cluster_id: cluster.cluster_id,
          label: cluster.label,
          size: total.spans,
          cost_usd: roundUsd(total.cost_usd),
          unpriced_count: total.unpriced,
          latency_ms_total: total.latency_ms_total,
          latency_ms_avg: total.spans > 0 ? total.latency_ms_total / total.spans : 0,
          error_count: total.error_count,
          aliases: cluster.aliases,
        };
      })
      .filter((cluster) => !windowed || cluster.size > 0)
      .sort((a, b) => b.size - a.size || a.cluster_id.localeCompare(b.cluster_id))
      .slice(0, limit);
  }
}
