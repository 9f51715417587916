// Assigns each generation's prompt to a semantic cluster (cluster_id). One online
// clusterer per tenant, loaded from ClickHouse on first use and saved in the background
// (and on shutdown), so clusters survive restarts. Tenants with content off are not clustered: cluster
// labels are made of prompt words.
import { OnlineClusterer, clusterText, recluster, type Embedder } from '@spanhouse/enrich';
import type { SpanhouseSpan } from '@spanhouse/model';
import { policyFor, type EnrichmentSettings } from '../../enrichment/settings.ts';
import type { ClusterStore } from '../../store/clusters.ts';
import type { SpanProcessor } from '../processor.ts';

const SAVE_INTERVAL_MS = 2_000;

export class ClusteringStage implements SpanProcessor {
  readonly name = 'clustering';
  private readonly clusterers = new Map<string, Promise<OnlineClusterer>>();

  constructor(
    private readonly embedder: Embedder,
    private readonly clusters: ClusterStore,
    private readonly settings: EnrichmentSettings,
    private readonly log: (message: string) => void,
  ) {}

  private clustererFor(tenantId: string): Promise<OnlineClusterer> {
    let clusterer = this.clusterers.get(tenantId);
    if (!clusterer) {
      clusterer = this.clusters.load(tenantId, this.embedder.id).then((rows) =>
        OnlineClusterer.fromRows(rows, { embedder: this.embedder.id, threshold: this.settings.clusterThreshold }),
      );
      clusterer.catch(() => this.clusterers.delete(tenantId)); // retry the load next time
      this.clusterers.set(tenantId, clusterer);
    }
    return clusterer;
  }

  private clusterable(span: SpanhouseSpan): boolean {
    return span.type === 'generation' && policyFor(this.settings, span.tenant_id).content;
  }

  async process(spans: SpanhouseSpan[]): Promise<SpanhouseSpan[]> {
    const targets = spans.map((span, index) => ({ index, span, text: this.clusterable(span) ? clusterText(span) : '' })).filter((t) => t.text !== '');
    if (targets.length === 0) return spans;
    let vectors: Float32Array[];
    try {
      vectors = await this.embedder.embed(targets.map((t) => t.text));
    } catch (error) {
      // Clustering is an enrichment: an embedder outage must not lose or delay spans.
      this.log(`clustering skipped for ${targets.length} span(s): ${(error as Error).message}`);
      return spans;
    }
    const out = [...spans];
    for (let i = 0; i < targets.length; i++) {
      const { index, span, text } = targets[i];
      let clusterer: OnlineClusterer;
      try {
        clusterer = await this.clustererFor(span.tenant_id);
      } catch (error) {
        // centroids unreadable (storage down; the spool still takes spans): no cluster for this one
        this.log(`clustering skipped: ${(error as Error).message}`);
        continue;
      }
      const assignment = clusterer.assign(vectors[i], text);
      if (!assignment) continue;
      out[index] = { ...span, cluster_id: assignment.clusterId };
      const dirty = this.dirty.get(span.tenant_id) ?? { changed: new Set<string>(), merged: new Set<string>() };
      dirty.changed.add(assignment.clusterId);
      for (const id of assignment.merged) dirty.merged.add(id);
      this.dirty.set(span.tenant_id, dirty);
    }
    this.scheduleSave();
    return out;
  }

  /** Clusters changed since the last save, per tenant. */
  private dirty = new Map<string, { changed: Set<string>; merged: Set<string> }>();
  private saveTimer: NodeJS.Timeout | null = null;
  private saving: Promise<void> = Promise.resolve();

  /**
   * Centroids are saved in the background, at most every SAVE_INTERVAL_MS, not once per
   * request: an insert per request would queue behind span inserts and slow ingest.
   * A crash loses at most that much centroid movement; spans keep their cluster ids.
   */
  private scheduleSave(): void {
    if (this.saveTimer || this.dirty.size === 0) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      void this.save();
    }, SAVE_INTERVAL_MS);
  }

  /** Saves every changed cluster now (also called on shutdown). */
  save(): Promise<void> {
    const dirty = this.dirty;
    this.dirty = new Map();
    this.saving = this.saving.then(async () => {
      for (const [tenantId, touched] of dirty) {
        try {
          const clusterer = await this.clustererFor(tenantId);
          const rows = clusterer.toRows().filter((row) => touched.changed.has(row.cluster_id));
          await this.clusters.save(tenantId, this.embedder.id, rows, [...touched.merged]);
        } catch (error) {
          this.log(`saving clusters failed (retrying later): ${(error as Error).message}`);
          this.merge(tenantId, touched);
        }
      }
      this.scheduleSave();
    });
    return this.saving;
  }

  private merge(tenantId: string, touched: { changed: Set<string>; merged: Set<string> }): void {
    const dirty = this.dirty.get(tenantId) ?? { changed: new Set<string>(), merged: new Set<string>() };
    for (const id of touched.changed) dirty.changed.add(id);
    for (const id of touched.merged) dirty.merged.add(id);
    this.dirty.set(tenantId, dirty);
  }

  async close(): Promise<void> {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    await this.save();
  }

  /**
   * Re-clusters a window of generations from scratch (seeded with the current clusters so
   * ids stay stable), stores the window's clusters and returns the spans with their new ids.
   */
  async reclusterSpans(tenantId: string, spans: SpanhouseSpan[]): Promise<SpanhouseSpan[]> {
    const items = spans.map((span) => ({ span, text: clusterText(span) })).filter((i) => i.text !== '');
    if (items.length === 0) return [];
    const vectors = await this.embedder.embed(items.map((i) => i.text));
    await this.save(); // the window starts from every centroid learned so far
    const previous = await this.clustererFor(tenantId);
    const result = recluster(
      items.map((item, i) => ({ vector: vectors[i], text: item.text })),
      { embedder: this.embedder.id, threshold: this.settings.clusterThreshold, previous },
    );
    // Clusters of spans outside the window stay; the window's clusters are upserted.
    await this.clusters.save(tenantId, this.embedder.id, result.clusterer.toRows());
    this.clusterers.delete(tenantId);
    return items.map((item, i) => ({ ...item.span, cluster_id: result.assignments[i] }));
  }
}
