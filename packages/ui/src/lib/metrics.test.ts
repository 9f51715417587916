import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetricRow } from '../api/types.ts';
import { bucketGrid, foldGroups, pivot, sumRows, totalsByBucket, totalsByGroup } from './metrics.ts';

const row = (bucket: string, group: string, count: number, cost: number | null, p90: number | null): MetricRow => ({
  bucket,
  group,
  count,
  error_count: 1,
  cost_usd: cost,
  input_tokens: 100,
  output_tokens: 10,
  p50_latency_ms: p90 === null ? null : p90 / 2,
  p90_latency_ms: p90,
  p99_latency_ms: p90,
});

const H0 = '2025-06-01T10:00:00Z';
const H1 = '2025-06-01T11:00:00Z';
const rows = [row(H0, 'gpt-4o', 30, 0.3, 1000), row(H0, 'claude', 10, 0.5, 3000), row(H1, 'gpt-4o', 5, null, null), row(H1, 'gemini', 5, 0.01, 200)];

test('sums counts, cost and tokens; weights percentiles by call count', () => {
  const t = sumRows(rows.slice(0, 2));
  assert.equal(t.count, 40);
  assert.ok(Math.abs(t.cost - 0.8) < 1e-9);
  assert.equal(t.p90, (1000 * 30 + 3000 * 10) / 40);
  assert.equal(sumRows([row(H0, 'x', 3, null, null)]).hasCost, false, 'unknown cost stays unknown');
  assert.equal(sumRows([{ ...rows[0], unpriced_count: 4 }, rows[1], { ...rows[2], unpriced_count: 5 }]).unpriced, 9, 'unpriced calls add up');
});

test('per-bucket totals fill quiet buckets from the grid', () => {
  const grid = bucketGrid(Date.parse(H0), Date.parse('2025-06-01T13:30:00Z'), 'hour');
  assert.equal(grid.length, 4);
  const { xs, totals } = totalsByBucket(rows, grid);
  assert.equal(xs.length, 4);
  assert.deepEqual(totals.map((t) => t.count), [40, 10, 0, 0]);
});

test('groups sort by cost; small groups fold into "other"; pivot aligns series', () => {
  assert.deepEqual(totalsByGroup(rows).map((g) => g.group), ['claude', 'gpt-4o', 'gemini']);
  const folded = foldGroups(rows, new Set(['gpt-4o']));
  const other = folded.filter((r) => r.group === 'other');
  assert.equal(other.length, 2);
  const { xs, series } = pivot(folded, ['gpt-4o', 'other'], (r) => r.count, 0);
  assert.equal(xs.length, 2);
  assert.deepEqual(series, [[30, 5], [10, 5]]);
});

test('window percentiles never average: exact for one bucket, else the highest bucket value', async () => {
  const { windowPercentiles } = await import('./metrics.ts');
  const one = windowPercentiles([row(H0, '', 40, 0.8, 1500)]);
  assert.deepEqual(one, { p50: 750, p90: 1500, p99: 1500, exact: true });
  const two = windowPercentiles([row(H0, '', 40, 0.8, 1500), row(H1, '', 10, 0.01, 200), row('2025-06-01T12:00:00Z', '', 0, null, null)]);
  assert.deepEqual(two, { p50: 750, p90: 1500, p99: 1500, exact: false });
  assert.deepEqual(windowPercentiles([]), { p50: null, p90: null, p99: null, exact: true });
});
