// The Overview's GenAI metrics table: /api/otel-metrics points (per bucket) summed per
// metric and group over the window, and values shown in their unit. Pure functions.
import type { OtelMetricPoint } from '../api/types.ts';
import { formatCount, formatDuration } from './format.ts';

/** One metric and group over the window: a point's fields without its bucket (and bucket counts), and the mean. */
export type OtelMetricSummary = Omit<OtelMetricPoint, 'bucket' | 'bucket_counts' | 'explicit_bounds'> & {
  /** sum / count, or null for counters. */
  mean: number | null;
};

const lower = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
const upper = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

/** One row per metric and group, metrics by name, groups by largest sum first. */
export function summarizeOtelMetrics(points: OtelMetricPoint[]): OtelMetricSummary[] {
  const rows = new Map<string, OtelMetricSummary>();
  for (const p of points) {
    const key = `${p.name}\u0000${p.group}`;
    const row = rows.get(key) ?? { name: p.name, unit: p.unit, type: p.type, group: p.group, count: 0, sum: 0, min: null, max: null, mean: null };
    row.count += p.count;
    row.sum += p.sum;
    row.min = lower(row.min, p.min);
    row.max = upper(row.max, p.max);
    rows.set(key, row);
  }
  return [...rows.values()]
    .map((r) => ({ ...r, mean: r.count > 0 ? r.sum / r.count : null }))
    .sort((a, b) => a.name.localeCompare(b.name) || b.sum - a.sum || a.group.localeCompare(b.group));
}

/** A value in its OTel unit: seconds and milliseconds as durations, the rest as counts. */
export function formatMetricValue(value: number | null, unit: string): string {
  if (value === null) return '—';
  if (unit === 's') return formatDuration(value * 1000);
  if (unit === 'ms') return formatDuration(value);
  if (Math.abs(value) < 10 && !Number.isInteger(value)) return value.toFixed(2);
  return formatCount(value);
}
