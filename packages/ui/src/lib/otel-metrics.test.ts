import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OtelMetricPoint } from '../api/types.ts';
import { formatMetricValue, summarizeOtelMetrics } from './otel-metrics.ts';

const point = (bucket: string, name: string, group: string, count: number, sum: number, min: number | null, max: number | null): OtelMetricPoint => ({
  bucket,
  name,
  unit: name.endsWith('duration') ? 's' : '{token}',
  type: 'histogram',
  group,
  count,
  sum,
  min,
  max,
  bucket_counts: [],
  explicit_bounds: [],
});

test('sums each metric and group over the buckets: counts, sums, extremes and the mean', () => {
  const rows = summarizeOtelMetrics([
    point('2025-06-01T10:00:00Z', 'gen_ai.client.token.usage', 'gpt-4o', 2, 150, 50, 100),
    point('2025-06-01T11:00:00Z', 'gen_ai.client.token.usage', 'gpt-4o', 1, 20, 20, 20),
    point('2025-06-01T11:00:00Z', 'gen_ai.client.token.usage', 'claude', 1, 900, 900, 900),
    point('2025-06-01T10:00:00Z', 'gen_ai.client.operation.duration', 'gpt-4o', 4, 6, 0.5, 3),
  ]);
  assert.deepEqual(
    rows.map((r) => [r.name, r.group, r.count, r.sum, r.min, r.max, r.mean]),
    [
      ['gen_ai.client.operation.duration', 'gpt-4o', 4, 6, 0.5, 3, 1.5],
      ['gen_ai.client.token.usage', 'claude', 1, 900, 900, 900, 900],
      ['gen_ai.client.token.usage', 'gpt-4o', 3, 170, 20, 100, 170 / 3],
    ],
  );
});

test('counters have no mean; values show in their unit', () => {
  const [row] = summarizeOtelMetrics([{ ...point('b', 'gen_ai.server.requests', '', 0, 12, null, null), type: 'sum', unit: '{request}' }]);
  assert.equal(row.mean, null);
  assert.equal(formatMetricValue(1.5, 's'), '1.50 s');
  assert.equal(formatMetricValue(250, 'ms'), '250 ms');
  assert.equal(formatMetricValue(56.67, '{token}'), '57');
  assert.equal(formatMetricValue(null, 's'), '—');
});
