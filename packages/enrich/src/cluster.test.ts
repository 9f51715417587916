import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterText, cosine, OnlineClusterer, recluster, type Assignment } from './cluster.ts';
import { HashingEmbedder } from './embed.ts';
import { HELDOUT_PROMPTS } from './testdata/heldout-prompts.ts';
import { LABELLED_PROMPTS } from './testdata/labelled-prompts.ts';

const embedder = new HashingEmbedder();

interface Item {
  label: string;
  text: string;
  vector: Float32Array;
}

const itemsOf = (set: Record<string, string[]>): Item[] =>
  Object.entries(set).flatMap(([label, texts]) => texts.map((text) => ({ label, text, vector: embedder.embedOne(text) })));

const LABELLED = itemsOf(LABELLED_PROMPTS);
const HELDOUT = itemsOf(HELDOUT_PROMPTS);

/** Deterministic shuffle (LCG), so every run sees the same orders. */
function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * purity: share of items in their cluster's majority topic (1 = no cluster mixes topics).
 * completeness: share of items in their topic's largest cluster (1 = no topic is split).
 */
function score(labels: string[], clusters: string[]) {
  const tally = (keys: string[], values: string[]) => {
    const table = new Map<string, Map<string, number>>();
    keys.forEach((k, i) => table.set(k, (table.get(k) ?? new Map()).set(values[i], (table.get(k)?.get(values[i]) ?? 0) + 1)));
    return [...table.values()].reduce((sum, counts) => sum + Math.max(...counts.values()), 0) / keys.length;
  };
  return { purity: tally(clusters, labels), completeness: tally(labels, clusters), clusterCount: new Set(clusters).size };
}

function clusterOnline(items: readonly Item[], seed: number) {
  const clusterer = new OnlineClusterer({ embedder: embedder.id });
  const order = shuffled(items, seed);
  const ids = new Map<Item, string>();
  for (const item of order) ids.set(item, clusterer.assign(item.vector, item.text)!.clusterId);
  // Ids handed out before a merge resolve to the surviving cluster.
  const clusters = items.map((item) => clusterer.resolve(ids.get(item)!));
  return { clusterer, clusters, ...score(items.map((i) => i.label), clusters) };
}

const SEEDS = [1, 2, 3, 4, 5];

test('labelled prompts (8 topics x 12): high purity in every arrival order', (t) => {
  const runs = SEEDS.map((seed) => clusterOnline(LABELLED, seed));
  const mean = (key: 'purity' | 'completeness' | 'clusterCount') => runs.reduce((s, r) => s + r[key], 0) / runs.length;
  t.diagnostic(
    `online: purity ${mean('purity').toFixed(3)} (min ${Math.min(...runs.map((r) => r.purity)).toFixed(3)}), ` +
      `completeness ${mean('completeness').toFixed(3)}, ${mean('clusterCount').toFixed(1)} clusters for 8 topics`,
  );
  for (const run of runs) {
    assert.ok(run.purity >= 0.95, `purity ${run.purity}`);
    assert.ok(run.completeness >= 0.6, `completeness ${run.completeness}`);
    assert.ok(run.clusterCount <= 40, `${run.clusterCount} clusters`);
  }
});

test('different topics end up in different clusters; each topic has a home cluster', (t) => {
  const { clusters } = clusterOnline(LABELLED, 7);
  const largest: string[] = [];
  const homes = new Map<string, string>();
  for (const label of Object.keys(LABELLED_PROMPTS)) {
    const counts = new Map<string, number>();
    LABELLED.forEach((item, i) => item.label === label && counts.set(clusters[i], (counts.get(clusters[i]) ?? 0) + 1));
    const [home, size] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
    // Broad topics split into sub-topics (medical: medication doses vs symptoms), so a third is the bar.
    assert.ok(size >= 4, `${label}: largest cluster holds ${size} of 12`);
    homes.set(label, home);
    largest.push(`${label} ${size}`);
  }
  t.diagnostic(`largest cluster per topic (of 12): ${largest.join(', ')}`);
  assert.equal(new Set(homes.values()).size, homes.size, 'no two topics share their home cluster');
});

test('paraphrases and repeats land in the same cluster', () => {
  const clusterer = new OnlineClusterer({ embedder: embedder.id });
  for (const item of LABELLED) clusterer.assign(item.vector, item.text);
  const pairs: Array<[string, string]> = [
    ['I was charged twice for my order, I want a refund', 'Please refund the duplicate charge on my order'],
    ['My Kubernetes pod keeps crashing with CrashLoopBackOff', 'Why is my pod in CrashLoopBackOff in Kubernetes?'],
    ['Give me a recipe for vegetarian lasagna', 'Vegetarian lasagna recipe for 6 people please'],
    ['Write a SQL query to count orders per customer', 'SQL: count the orders of each customer'],
    ['What are the side effects of ibuprofen?', 'ibuprofen side effects and daily dose'],
    ['Book a hotel in Lisbon for three nights', 'Book a hotel in Lisbon for three nights'],
  ];
  for (const [a, b] of pairs) {
    const first = clusterer.assign(embedder.embedOne(a), a)!;
    const second = clusterer.assign(embedder.embedOne(b), b)!;
    assert.equal(clusterer.resolve(first.clusterId), clusterer.resolve(second.clusterId), `"${a}" / "${b}"`);
  }
});

test('held-out prompts (5 topics x 10, not used for tuning) keep purity >= 0.9', (t) => {
  const runs = SEEDS.map((seed) => clusterOnline(HELDOUT, seed));
  const purity = runs.reduce((s, r) => s + r.purity, 0) / runs.length;
  const completeness = runs.reduce((s, r) => s + r.completeness, 0) / runs.length;
  t.diagnostic(`held-out: purity ${purity.toFixed(3)}, completeness ${completeness.toFixed(3)}`);
  for (const run of runs) assert.ok(run.purity >= 0.9, `purity ${run.purity}`);
});

test('recluster of a window: purity kept, ids of earlier clusters reused', (t) => {
  const online = clusterOnline(LABELLED, 3);
  const window = shuffled(LABELLED, 11);
  const { clusterer, assignments } = recluster(
    window.map((i) => ({ vector: i.vector, text: i.text })),
    { embedder: embedder.id, previous: online.clusterer },
  );
  const result = score(window.map((i) => i.label), assignments as string[]);
  t.diagnostic(`recluster: purity ${result.purity.toFixed(3)}, completeness ${result.completeness.toFixed(3)}, ${result.clusterCount} clusters`);
  assert.ok(result.purity >= 0.95);
  assert.equal(assignments.filter((a) => a === null).length, 0);
  const earlierIds = new Set(online.clusterer.clusters.map((c) => c.id));
  const reused = clusterer.clusters.filter((c) => earlierIds.has(c.id));
  assert.ok(reused.length >= clusterer.clusters.length / 2, `${reused.length} of ${clusterer.clusters.length} ids reused`);
  assert.equal(new Set(clusterer.clusters.map((c) => c.id)).size, clusterer.clusters.length, 'ids unique');
  // Each item's cluster really is the cluster holding it: sizes add up.
  assert.equal(clusterer.clusters.reduce((s, c) => s + c.count, 0), window.length);
});

test('state survives toRows/fromRows: same answers afterwards, other embedders ignored', () => {
  const first = new OnlineClusterer({ embedder: embedder.id });
  const half = LABELLED.length / 2;
  for (const item of LABELLED.slice(0, half)) first.assign(item.vector, item.text);
  const rows = JSON.parse(JSON.stringify(first.toRows())); // as it would come back from storage
  const foreign = { ...rows[0], cluster_id: 'cforeign', embedder: 'openai-compatible:x:d512' };
  const restored = OnlineClusterer.fromRows([...rows, foreign], { embedder: embedder.id });
  assert.equal(restored.clusters.length, first.clusters.length);
  assert.equal(restored.get('cforeign'), undefined);
  for (const item of LABELLED.slice(half)) {
    const a = first.assign(item.vector, item.text) as Assignment;
    const b = restored.assign(item.vector, item.text) as Assignment;
    assert.equal(b.clusterId, a.clusterId, item.text);
    assert.deepEqual(b.merged, a.merged);
    assert.ok(Math.abs(a.similarity - b.similarity) < 1e-5);
  }
  for (const row of first.toRows()) {
    assert.ok(row.label.split(', ').length <= 3);
    for (const alias of row.aliases) assert.equal(restored.resolve(alias), row.cluster_id);
  }
});

test('labels come from the most frequent member words', () => {
  const clusterer = new OnlineClusterer({ embedder: embedder.id });
  const texts = ['refund for my damaged order', 'refund my order please', 'order refund status', 'refund still missing'];
  let id = '';
  for (const text of texts) id = clusterer.assign(embedder.embedOne(text), text)!.clusterId;
  assert.equal(clusterer.get(id)?.count, 4);
  assert.equal(clusterer.label(id), 'refund, order, damaged');
});

test('ids are stable across replays and differ between clusters', () => {
  const a = clusterOnline(LABELLED, 5);
  const b = clusterOnline(LABELLED, 5);
  assert.deepEqual(a.clusters, b.clusters);
  assert.match(a.clusters[0], /^c[0-9a-f]{12}$/);
});

test('merging: a cluster that drifts close to another absorbs it, old id resolves', () => {
  const clusterer = new OnlineClusterer({ embedder: embedder.id, threshold: 0.3, mergeThreshold: 0.3 });
  const a = clusterer.assign(embedder.embedOne('postgres index slow query'), 'postgres index slow query')!;
  const b = clusterer.assign(embedder.embedOne('mysql join tables'), 'mysql join tables')!;
  assert.notEqual(a.clusterId, b.clusterId);
  // A prompt that bridges both pulls their centroids together until they merge.
  let merged: string[] = [];
  for (const text of ['slow postgres query joining tables index', 'mysql slow query index join tables', 'postgres mysql join index slow query tables']) {
    const r = clusterer.assign(embedder.embedOne(text), text)!;
    merged = merged.concat(r.merged);
  }
  assert.equal(clusterer.clusters.length, 1);
  assert.equal(merged.length, 1);
  assert.equal(clusterer.resolve(a.clusterId), clusterer.resolve(b.clusterId));
  assert.deepEqual(clusterer.clusters[0].aliases, merged);
});

test('edge cases: zero vectors, wrong dimensions, the cluster cap', () => {
  const clusterer = new OnlineClusterer({ embedder: embedder.id, maxClusters: 2 });
  assert.equal(clusterer.assign(new Float32Array(512), ''), null);
  clusterer.assign(embedder.embedOne('kubernetes pod crash'), 'kubernetes pod crash');
  assert.throws(() => clusterer.assign(new HashingEmbedder({ dimensions: 64 }).embedOne('x words'), 'x words'), /64 dimensions/);
  clusterer.assign(embedder.embedOne('lasagna recipe'), 'lasagna recipe');
  const capped = clusterer.assign(embedder.embedOne('tax return deadline'), 'tax return deadline')!;
  assert.equal(capped.created, false, 'at the cap a new topic joins the nearest cluster');
  assert.equal(clusterer.clusters.length, 2);
  // Centroids stay unit length whatever happens.
  for (const c of clusterer.clusters) assert.ok(Math.abs(cosine(c.centroid, c.centroid) - 1) < 1e-5);
});

test('clusterText picks the last user message, else the input text', () => {
  const messages = [
    { role: 'system', content: 'You are a support agent for ACME. Be concise.' },
    { role: 'user', content: 'Where is my parcel?' },
    { role: 'assistant', content: 'Let me check.' },
    { role: 'user', content: '  I want a refund for order 123  ' },
  ];
  assert.equal(clusterText({ input_messages: messages, input_text: 'ignored' }), 'I want a refund for order 123');
  assert.equal(clusterText({ input_messages: [{ role: 'system', content: 'sys' }], input_text: 'plain prompt' }), 'plain prompt');
  assert.equal(clusterText({ input_messages: [], input_text: 'x'.repeat(5000) }).length, 2000);
  assert.equal(clusterText({ input_messages: [], input_text: '' }), '');
});
