// Reshapes /api/metrics rows (one per bucket × group) for charts, KPI cards and tables.
import type { MetricRow } from '../api/types.ts';

export interface Totals {
  count: number;
  errors: number;
  cost: number;
  hasCost: boolean;
  /** Calls with usage that no price covers: not in `cost`. */
  unpriced: number;
  inputTokens: number;
  outputTokens: number;
  /** Count-weighted means of the per-row percentiles: exact for one group, an estimate across groups. */
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

const num = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function sumRows(rows: MetricRow[]): Totals {
  const totals: Totals = { count: 0, errors: 0, cost: 0, hasCost: false, unpriced: 0, inputTokens: 0, outputTokens: 0, p50: null, p90: null, p99: null };
  const weighted = { p50: [0, 0], p90: [0, 0], p99: [0, 0] };
  for (const row of rows) {
    totals.count += num(row.count);
    totals.errors += num(row.error_count);
    if (row.cost_usd !== null && row.cost_usd !== undefined) {
      totals.cost += num(row.cost_usd);
      totals.hasCost = true;
    }
    totals.unpriced += num(row.unpriced_count);
    totals.inputTokens += num(row.input_tokens);
    totals.outputTokens += num(row.output_tokens);
    for (const key of ['p50', 'p90', 'p99'] as const) {
      const value = row[`${key}_latency_ms`];
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      const weight = Math.max(num(row.count), 1);
      weighted[key][0] += value * weight;
      weighted[key][1] += weight;
    }
  }
  for (const key of ['p50', 'p90', 'p99'] as const) totals[key] = weighted[key][1] > 0 ? weighted[key][0] / weighted[key][1] : null;
  return totals;
}

export interface WindowPercentiles {
  p50: number | null;
  p90: number | null;
  p99: number | null;
  /**
   * False when the calls span several buckets: the API answers percentiles per bucket only,
   * and percentiles cannot be combined, so each figure is then the highest per-bucket value.
   */
  exact: boolean;
}

/**
 * Latency percentiles of a window from ungrouped /api/metrics rows (one per bucket), so they
 * do not depend on any grouping. Never an average of percentiles: the row's own values when
 * the calls fall in one bucket, else the highest value of any bucket (`exact: false`).
 */
export function windowPercentiles(rows: MetricRow[]): WindowPercentiles {
  const withCalls = rows.filter((r) => num(r.count) > 0);
  const highest = (key: 'p50_latency_ms' | 'p90_latency_ms' | 'p99_latency_ms') => {
    const values = withCalls.map((r) => r[key]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    return values.length > 0 ? Math.max(...values) : null;
  };
  return { p50: highest('p50_latency_ms'), p90: highest('p90_latency_ms'), p99: highest('p99_latency_ms'), exact: withCalls.length <= 1 };
}

const bucketSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** Sorted distinct bucket times in unix seconds (uPlot's x axis). */
export function bucketTimes(rows: MetricRow[], grid: number[] = []): number[] {
  return [...new Set([...grid, ...rows.map((r) => bucketSeconds(r.bucket))].filter(Number.isFinite))].sort((a, b) => a - b);
}

export const BUCKET_SECONDS = { minute: 60, hour: 3600, day: 86_400 } as const;

/**
 * Every bucket start between two times, so quiet periods show as zero instead of
 * being skipped. Empty when the window is unknown or would need too many points.
 */
export function bucketGrid(sinceMs: number | undefined, untilMs: number, bucket: keyof typeof BUCKET_SECONDS, maxPoints = 1500): number[] {
  if (sinceMs === undefined || !Number.isFinite(sinceMs)) return [];
  const step = BUCKET_SECONDS[bucket];
  const first = Math.floor(sinceMs / 1000 / step) * step;
  const last = Math.floor(untilMs / 1000 / step) * step;
  if ((last - first) / step > maxPoints) return [];
  const grid: number[] = [];
  for (let t = first; t <= last; t += step) grid.push(t);
  return grid;
}

/** Totals per bucket, aligned with bucketTimes(rows). */
export function totalsByBucket(rows: MetricRow[], grid: number[] = []): { xs: number[]; totals: Totals[] } {
  const xs = bucketTimes(rows, grid);
  const groups = new Map<number, MetricRow[]>(xs.map((x) => [x, []]));
  for (const row of rows) groups.get(bucketSeconds(row.bucket))?.push(row);
  return { xs, totals: xs.map((x) => sumRows(groups.get(x)!)) };
}

export interface GroupTotals extends Totals {
  group: string;
}

/** Totals per group, most expensive (then busiest) first. */
export function totalsByGroup(rows: MetricRow[]): GroupTotals[] {
  const groups = new Map<string, MetricRow[]>();
  for (const row of rows) {
    const key = row.group || '(none)';
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(row);
  }
  return [...groups.entries()]
    .map(([group, list]) => ({ group, ...sumRows(list) }))
    .sort((a, b) => b.cost - a.cost || b.count - a.count || a.group.localeCompare(b.group));
}

/** One aligned series per group: `value(row)` at each bucket, `empty` where the group had no row. */
export function pivot(
  rows: MetricRow[],
  groups: string[],
  value: (row: MetricRow) => number | null,
  empty: number | null,
  grid: number[] = [],
): { xs: number[]; series: (number | null)[][] } {
  const xs = bucketTimes(rows, grid);
  const index = new Map(xs.map((x, i) => [x, i]));
  const byGroup = new Map(groups.map((g) => [g, new Array<number | null>(xs.length).fill(empty)]));
  for (const row of rows) {
    const series = byGroup.get(row.group || '(none)');
    const i = index.get(bucketSeconds(row.bucket));
    if (series && i !== undefined) series[i] = value(row);
  }
  return { xs, series: groups.map((g) => byGroup.get(g)!) };
}

/** Folds every group outside `keep` into one "other" group, so charts stay readable. */
export function foldGroups(rows: MetricRow[], keep: ReadonlySet<string>, other = 'other'): MetricRow[] {
  const merged = new Map<string, MetricRow[]>();
  const out: MetricRow[] = [];
  for (const row of rows) {
    const group = row.group || '(none)';
    if (keep.has(group)) out.push({ ...row, group });
    else {
      if (!merged.has(row.bucket)) merged.set(row.bucket, []);
      merged.get(row.bucket)!.push(row);
    }
  }
  for (const [bucket, list] of merged) {
    const t = sumRows(list);
    out.push({
      bucket,
      group: other,
      count: t.count,
      error_count: t.errors,
      cost_usd: t.hasCost ? t.cost : null,
      unpriced_count: t.unpriced,
      input_tokens: t.inputTokens,
      output_tokens: t.outputTokens,
      p50_latency_ms: t.p50,
      p90_latency_ms: t.p90,
      p99_latency_ms: t.p99,
    });
  }
  return out;
}
