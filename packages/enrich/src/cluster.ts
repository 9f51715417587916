// Online clustering of prompt vectors. A new unit vector joins the cluster whose centroid is
// nearest by cosine when the similarity is at least `threshold`, else it opens a cluster. Centroids
// are running means of the members (kept as unit direction + length, so the mean stays exact).
// Early on every cluster is one prompt, and one prompt shares few words with its paraphrases; so a
// topic can start as several clusters. When a cluster's centroid moves to within `mergeThreshold`
// of another's, the two merge: the larger keeps its id and the other id becomes an alias of it.
// Labels are the most frequent content words of the members; the state serialises to rows the
// collector can keep in ClickHouse.
import { createHash } from 'node:crypto';
import type { SpanhouseSpan } from '@spanhouse/model';
import { contentWords, normalise } from './embed.ts';

export interface Cluster {
  /** Stable: derived from the text that opened the cluster, so a replay gives the same ids. */
  id: string;
  /** Unit-length direction of the members' mean. */
  centroid: Float32Array;
  /** Length of the members' mean (1 for one member; lower the more the members differ). */
  norm: number;
  count: number;
  /** Content-word counts over the members (capped to the most frequent). */
  terms: Map<string, number>;
  /** Ids of clusters merged into this one (spans stored with them belong here now). */
  aliases: string[];
}

/** A cluster as stored (one row per cluster). */
export interface ClusterRow {
  cluster_id: string;
  /** Embedder id the centroid belongs to (see Embedder.id). */
  embedder: string;
  centroid: number[];
  norm: number;
  size: number;
  terms: Record<string, number>;
  label: string;
  aliases: string[];
}

export interface ClustererOptions {
  /** Embedder id; rows of another embedder are never mixed in. */
  embedder: string;
  /** Minimum cosine similarity to a centroid to join it. */
  threshold?: number;
  /** Centroids at least this similar merge. */
  mergeThreshold?: number;
  /** Once this many clusters exist, new vectors join the nearest one whatever the similarity. */
  maxClusters?: number;
  /** Words in a label. Default 3. */
  labelTerms?: number;
  /** Term counts kept per cluster. Default 50. */
  maxTerms?: number;
}

export interface Assignment {
  clusterId: string;
  /** Cosine similarity to the centroid joined (1 for a new cluster). */
  similarity: number;
  created: boolean;
  /** Ids that were merged into clusterId by this assignment. */
  merged: string[];
}

/**
 * Tuned for the default HashingEmbedder on the labelled prompt set in cluster.test.ts (figures
 * there). Dense model embeddings (OpenAIEmbedder) sit much closer together: start around 0.75/0.8.
 */
export const DEFAULT_THRESHOLD = 0.2;
export const DEFAULT_MERGE_THRESHOLD = 0.25;
export const DEFAULT_MAX_CLUSTERS = 5_000;

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot;
}

function isZero(vector: Float32Array): boolean {
  for (let i = 0; i < vector.length; i++) if (vector[i] !== 0) return false;
  return true;
}

/** 'c' + 12 hex chars of sha256 over the text's content words. */
function baseId(text: string, salt: number): string {
  const source = contentWords(text).join(' ') || text;
  return `c${createHash('sha256').update(salt === 0 ? source : `${source}#${salt}`).digest('hex').slice(0, 12)}`;
}

/** The members' sum, which merging and updating need. */
function sumOf(cluster: Cluster): Float32Array {
  const scale = cluster.norm * cluster.count;
  // a loop, not centroid.map: a typed array's map with a callback took 5x as long (10 µs at 512 dimensions)
  const sum = new Float32Array(cluster.centroid.length);
  for (let i = 0; i < sum.length; i++) sum[i] = cluster.centroid[i] * scale;
  return sum;
}

function setMean(cluster: Cluster, sum: Float32Array, count: number): void {
  let squared = 0;
  for (let i = 0; i < sum.length; i++) squared += sum[i] * sum[i];
  cluster.count = count;
  cluster.norm = Math.sqrt(squared) / count;
  cluster.centroid = normalise(sum);
}

export class OnlineClusterer {
  readonly embedder: string;
  readonly threshold: number;
  readonly mergeThreshold: number;
  readonly maxClusters: number;
  private readonly labelTerms: number;
  private readonly maxTerms: number;
  private readonly byId = new Map<string, Cluster>();
  /** Merged-away id -> id of the cluster it went into. */
  private readonly aliasOf = new Map<string, string>();

  constructor(options: ClustererOptions) {
    this.embedder = options.embedder;
    this.threshold = options.threshold ?? DEFAULT_THRESHOLD;
    this.mergeThreshold = options.mergeThreshold ?? DEFAULT_MERGE_THRESHOLD;
    this.maxClusters = options.maxClusters ?? DEFAULT_MAX_CLUSTERS;
    this.labelTerms = options.labelTerms ?? 3;
    this.maxTerms = options.maxTerms ?? 50;
  }

  get clusters(): Cluster[] {
    return [...this.byId.values()];
  }

  get(id: string): Cluster | undefined {
    return this.byId.get(this.resolve(id));
  }

  /** The current id for an id that may have been merged away (unknown ids come back unchanged). */
  resolve(id: string): string {
    let current = id;
    for (let seen = 0; this.aliasOf.has(current) && seen < 1000; seen++) current = this.aliasOf.get(current)!;
    return current;
  }

  /** The cluster with the most similar centroid, or null when there are none. */
  nearest(vector: Float32Array, except?: Cluster): { cluster: Cluster; similarity: number } | null {
    let best: Cluster | null = null;
    let bestSimilarity = -Infinity;
    for (const cluster of this.byId.values()) {
      if (cluster === except) continue;
      const similarity = cosine(vector, cluster.centroid);
      if (similarity > bestSimilarity) [best, bestSimilarity] = [cluster, similarity];
    }
    return best ? { cluster: best, similarity: bestSimilarity } : null;
  }

  /**
   * Puts a unit vector in its cluster (updating centroid and terms, merging clusters that have
   * become alike) or opens a new cluster. Returns null for the zero vector (no content words).
   */
  assign(vector: Float32Array, text: string): Assignment | null {
    if (isZero(vector)) return null;
    this.checkDimensions(vector);
    const near = this.nearest(vector);
    if (near && (near.similarity >= this.threshold || this.byId.size >= this.maxClusters)) {
      this.add(near.cluster.id, vector, text);
      const { survivor, merged } = this.mergeInto(near.cluster);
      return { clusterId: survivor.id, similarity: near.similarity, created: false, merged };
    }
    const cluster = this.open(vector, text);
    return { clusterId: cluster.id, similarity: 1, created: true, merged: [] };
  }

  /** Most frequent member words, e.g. "refund, order, charged". */
  label(id: string): string {
    const cluster = this.get(id);
    if (!cluster) return '';
    return [...cluster.terms.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, this.labelTerms)
      .map(([term]) => term)
      .join(', ');
  }

  toRows(): ClusterRow[] {
    return this.clusters.map((c) => ({
      cluster_id: c.id,
      embedder: this.embedder,
      centroid: Array.from(c.centroid),
      norm: c.norm,
      size: c.count,
      terms: Object.fromEntries(c.terms),
      label: this.label(c.id),
      aliases: [...c.aliases],
    }));
  }

  /** Restores state; rows of another embedder are skipped (their vectors mean nothing here). */
  static fromRows(rows: readonly ClusterRow[], options: ClustererOptions): OnlineClusterer {
    const clusterer = new OnlineClusterer(options);
    for (const row of rows) {
      if (row.embedder !== options.embedder) continue;
      const centroid = normalise(Float32Array.from(row.centroid));
      clusterer.checkDimensions(centroid);
      clusterer.byId.set(row.cluster_id, {
        id: row.cluster_id,
        centroid,
        norm: row.norm,
        count: row.size,
        terms: new Map(Object.entries(row.terms)),
        aliases: [...row.aliases],
      });
      for (const alias of row.aliases) clusterer.aliasOf.set(alias, row.cluster_id);
    }
    return clusterer;
  }

  /** Opens a cluster at a vector, with a fresh id unless a free one is given (low level: assign decides this itself). */
  open(vector: Float32Array, text: string, id?: string): Cluster {
    this.checkDimensions(vector);
    const clusterId = id !== undefined && !this.byId.has(id) && !this.aliasOf.has(id) ? id : this.freshId(text);
    const cluster: Cluster = { id: clusterId, centroid: Float32Array.from(vector), norm: 1, count: 1, terms: new Map(), aliases: [] };
    this.byId.set(clusterId, cluster);
    this.countTerms(cluster, text);
    return cluster;
  }

  /** Adds a member to a given cluster without merging (low level: assign picks the cluster itself). */
  add(clusterId: string, vector: Float32Array, text: string): void {
    const cluster = this.get(clusterId);
    if (!cluster) throw new Error(`no cluster ${clusterId}`);
    this.checkDimensions(vector);
    const sum = sumOf(cluster);
    for (let i = 0; i < sum.length; i++) sum[i] += vector[i];
    setMean(cluster, sum, cluster.count + 1);
    this.countTerms(cluster, text);
  }

  /** Merges every cluster whose centroid is within mergeThreshold of this one's (repeatedly, as it moves). */
  private mergeInto(start: Cluster): { survivor: Cluster; merged: string[] } {
    let survivor = start;
    const merged: string[] = [];
    for (;;) {
      const near = this.nearest(survivor.centroid, survivor);
      if (!near || near.similarity < this.mergeThreshold) return { survivor, merged };
      const [keep, drop] = near.cluster.count > survivor.count ? [near.cluster, survivor] : [survivor, near.cluster];
      const sum = sumOf(keep);
      const other = sumOf(drop);
      for (let i = 0; i < sum.length; i++) sum[i] += other[i];
      setMean(keep, sum, keep.count + drop.count);
      for (const [term, n] of drop.terms) keep.terms.set(term, (keep.terms.get(term) ?? 0) + n);
      this.capTerms(keep);
      keep.aliases.push(drop.id, ...drop.aliases);
      this.aliasOf.set(drop.id, keep.id);
      for (const alias of drop.aliases) this.aliasOf.set(alias, keep.id);
      this.byId.delete(drop.id);
      merged.push(drop.id);
      survivor = keep;
    }
  }

  private freshId(text: string): string {
    for (let salt = 0; ; salt++) {
      const id = baseId(text, salt);
      if (!this.byId.has(id) && !this.aliasOf.has(id)) return id;
    }
  }

  private countTerms(cluster: Cluster, text: string): void {
    for (const term of new Set(contentWords(text))) cluster.terms.set(term, (cluster.terms.get(term) ?? 0) + 1);
    this.capTerms(cluster);
  }

  private capTerms(cluster: Cluster): void {
    if (cluster.terms.size <= this.maxTerms * 2) return;
    cluster.terms = new Map([...cluster.terms.entries()].sort((a, b) => b[1] - a[1]).slice(0, this.maxTerms));
  }

  private checkDimensions(vector: Float32Array): void {
    const first = this.byId.values().next().value as Cluster | undefined;
    if (first && first.centroid.length !== vector.length) {
      throw new Error(`vector has ${vector.length} dimensions, clusters have ${first.centroid.length}`);
    }
  }
}

export interface ReclusterItem {
  vector: Float32Array;
  text: string;
}

export interface ReclusterOptions extends ClustererOptions {
  /** Refinement passes (reassign, recompute). Default 5. */
  iterations?: number;
  /** Earlier clusters: a new cluster whose centroid is near one of them keeps its id, so stored cluster_ids stay meaningful. */
  previous?: OnlineClusterer;
}

/**
 * Re-clusters a window of items from scratch: an online pass (with merging) to seed, then k-means
 * style passes that move every item to its nearest centroid and recompute the centroids, which
 * undoes the order effects of the online pass; then clusters that ended up alike are merged once
 * more. Cost is items × clusters × dimensions per pass: keep windows to a few thousand items.
 * Returns the new state and each item's cluster id (null for zero vectors).
 */
export function recluster(
  items: readonly ReclusterItem[],
  options: ReclusterOptions,
): { clusterer: OnlineClusterer; assignments: Array<string | null> } {
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const mergeThreshold = options.mergeThreshold ?? DEFAULT_MERGE_THRESHOLD;
  const usable = items.map((item, index) => ({ ...item, index })).filter((item) => !isZero(item.vector));
  const vectors = usable.map((item) => item.vector);

  // 1. Seed: online pass.
  const seed = new OnlineClusterer({ ...options, maxClusters: Number.MAX_SAFE_INTEGER });
  const seedIds = usable.map((item) => seed.assign(item.vector, item.text)!.clusterId);
  let groups = groupBy(seedIds.map((id) => seed.resolve(id)));

  // 2. Refine: nearest centroid for everyone; items too far from every centroid stand alone.
  for (let pass = 0; pass < (options.iterations ?? 5); pass++) {
    const centroids = groups.map((members) => meanDirection(members, vectors));
    const labels = vectors.map((v, i) => {
      let best = -1;
      let bestSimilarity = -Infinity;
      centroids.forEach((c, ci) => {
        const s = cosine(v, c);
        if (s > bestSimilarity) [best, bestSimilarity] = [ci, s];
      });
      return bestSimilarity >= threshold ? `g${best}` : `i${i}`;
    });
    const next = groupBy(labels);
    const stable = next.length === groups.length && next.every((g, i) => g.join() === groups[i].join());
    groups = next;
    if (stable) break;
  }

  // 3. Merge groups whose centroids ended up alike.
  groups = mergeGroups(groups, vectors, mergeThreshold);

  // 4. Build the state, reusing earlier ids where a cluster sits where an earlier one did.
  const clusterer = new OnlineClusterer({ ...options, threshold, mergeThreshold });
  const assignments: Array<string | null> = items.map(() => null);
  for (const members of [...groups].sort((a, b) => b.length - a.length)) {
    const direction = meanDirection(members, vectors);
    // The most typical member seeds the id.
    const medoid = members.reduce((best, i) => (cosine(vectors[i], direction) > cosine(vectors[best], direction) ? i : best));
    const earlier = options.previous?.nearest(direction);
    const reuse = earlier && earlier.similarity >= mergeThreshold ? earlier.cluster.id : undefined;
    const cluster = clusterer.open(vectors[medoid], usable[medoid].text, reuse);
    for (const i of members) {
      if (i !== medoid) clusterer.add(cluster.id, vectors[i], usable[i].text);
      assignments[usable[i].index] = cluster.id;
    }
  }
  return { clusterer, assignments };
}

/** Indices grouped by label, groups in order of first appearance. */
function groupBy(labels: string[]): number[][] {
  const groups = new Map<string, number[]>();
  labels.forEach((label, i) => groups.set(label, [...(groups.get(label) ?? []), i]));
  return [...groups.values()];
}

function meanDirection(members: number[], vectors: Float32Array[]): Float32Array {
  const sum = new Float32Array(vectors[members[0]].length);
  for (const i of members) for (let k = 0; k < sum.length; k++) sum[k] += vectors[i][k];
  return normalise(sum);
}

/** Greedy: merge the most similar pair of centroids while it is at least the threshold. */
function mergeGroups(groups: number[][], vectors: Float32Array[], mergeThreshold: number): number[][] {
  const live = groups.map((members) => ({ members: [...members], centroid: meanDirection(members, vectors) }));
  for (;;) {
    let pair: [number, number] | null = null;
    let best = mergeThreshold;
    for (let a = 0; a < live.length; a++) {
      for (let b = a + 1; b < live.length; b++) {
        const s = cosine(live[a].centroid, live[b].centroid);
        if (s >= best) [pair, best] = [[a, b], s];
      }
    }
    if (!pair) return live.map((g) => g.members);
    const [a, b] = pair;
    live[a].members.push(...live[b].members);
    live[a].centroid = meanDirection(live[a].members, vectors);
    live.splice(b, 1);
  }
}

/** Longest text embedded for clustering; the opening of a prompt carries its topic. */
export const MAX_CLUSTER_TEXT_CHARS = 2_000;

/**
 * What to cluster a span by: the last user message (system prompts are shared by every call of
 * an app and would drown the topic), else the whole input text. Empty when the span has neither.
 */
export function clusterText(span: Pick<SpanhouseSpan, 'input_messages' | 'input_text'>): string {
  const lastUser = [...span.input_messages].reverse().find((m) => m.role === 'user' && m.content.trim() !== '');
  return (lastUser?.content ?? span.input_text).trim().slice(0, MAX_CLUSTER_TEXT_CHARS);
}
