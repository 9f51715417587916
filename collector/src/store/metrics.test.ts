// Metrics take one of two plans: the hourly rollup (span_metrics, filled by materialized
// views) with the spans of the partial hours at the window's ends, or every span. With
// the rollup forced on (exactBelow: 0) and off, both plans run on the same data, with
// revised spans, and must give the same counts, sums, and percentiles within 1%.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mapSpan, type OtlpSpan, type SpanhouseSpan } from '@spanhouse/model';
import { backfillSpanMetrics, LATENCY_BUCKET, MetricsStore, rollupHours, UNPRICED_CALL, type MetricPoint, type MetricsQuery } from './metrics.ts';
import { queryRows } from './query.ts';
import { SpanStore } from './span-store.ts';
import { testStorage, type TestStorage } from '../../../test/support/storage.ts';

const HOUR_US = 3_600_000_000;
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4'];
let storage: TestStorage;
let store: SpanStore;
let rollup: MetricsStore;
let exact: MetricsStore;
// a whole hour 30 hours ago: spans spread over the 30 hours from there
const t0 = Math.floor(Date.now() / 3_600_000 - 30) * HOUR_US;

function generation(i: number, tenantId = 'default'): SpanhouseSpan {
  const start = t0 + Math.floor((i * 30 * HOUR_US) / 600) + 1234;
  // latencies from 0.4 ms to ~40 s, a few of exactly 0
  const latencyUs = i % 97 === 0 ? 0 : Math.round(400 * Math.pow(1.021, i % 540));
  const span: OtlpSpan = {
    traceId: (i + 1).toString(16).padStart(32, '0'), spanId: (i + 1).toString(16).padStart(16, '0'), parentSpanId: '',
    name: 'chat', kind: 3, startTimeUs: start, endTimeUs: start + latencyUs,
    attributes: {
      'gen_ai.operation.name': 'chat', 'gen_ai.request.model': MODELS[i % 3], 'gen_ai.system': i % 3 === 2 ? 'anthropic' : 'openai',
      'gen_ai.usage.input_tokens': 100 + i, 'gen_ai.usage.output_tokens': 10 + (i % 50),
    },
    events: [], links: [], status: { code: i % 11 === 0 ? 2 : 0, message: '' },
  };
  const mapped = mapSpan({ span, resource: { 'service.name': i % 2 ? 'api' : 'worker' }, scope: { name: 's', version: '' }, tenantId });
  // every 13th call has no price: usage and no cost (UNPRICED_CALL)
  return { ...mapped, cost_usd: i % 13 === 0 ? null : 0.0001 * (i % 40) };
}

before(async () => {
  storage = await testStorage('metrics');
  store = await SpanStore.open(storage.options);
  const spans = Array.from({ length: 600 }, (_, i) => generation(i));
  // stored in three requests, the last a retry of part of the first
  await store.insertSpans(spans.slice(0, 300));
  await store.insertSpans(spans.slice(300));
  await store.insertSpans(spans.slice(0, 50));
  await store.insertSpans([generation(0, 'other-tenant')]);
  // revised spans: new model, cost, status and latency; the old versions must not count
  const stored = await store.newestSpans('default', { spanIds: spans.slice(100, 140).map((s) => s.span_id) });
  await store.writeRevisions(
    stored.map((previous) => ({
      previous,
      // re-priced too: the unpriced ones among them (104, 117, 130) no longer count as such
      span: { ...previous.span, model: 'gpt-4.1', cost_usd: 0.5, status: 'error', latency_ms: previous.span.latency_ms * 3 + 7 },
    })),
  );
  rollup = new MetricsStore(store.client, { exactBelow: 0 });
  exact = new MetricsStore(store.client, { exactBelow: Number.POSITIVE_INFINITY });
});
after(async () => {
  await store.close();
  await storage.remove();
});

function assertSameAnswer(fast: MetricPoint[], slow: MetricPoint[]): void {
  assert.deepEqual(
    fast.map((p) => [p.bucket, p.group, p.count, p.error_count, p.unpriced_count, p.input_tokens, p.output_tokens]),
    slow.map((p) => [p.bucket, p.group, p.count, p.error_count, p.unpriced_count, p.input_tokens, p.output_tokens]),
  );
  fast.forEach((p, i) => {
    const q = slow[i];
    assert.ok(Math.abs(p.cost_usd - q.cost_usd) < 1e-9, `cost ${p.cost_usd} vs ${q.cost_usd}`);
    // the exact plan interpolates between the latencies around the rank; the histogram
    // stands within 1% for the lower one (two-sided check in the percentile test)
    for (const key of ['p50_latency_ms', 'p90_latency_ms', 'p99_latency_ms'] as const) {
      assert.ok(p[key] <= q[key] * 1.0101 + 1e-9, `${key}: ${p[key]} vs ${q[key]}`);
    }
  });
}

const at = (hours: number) => new Date(t0 / 1000 + hours * 3_600_000);
const base = (over: Partial<MetricsQuery>): MetricsQuery => ({ tenantId: 'default', bucket: 'hour', types: ['generation', 'embedding'], ...over });

describe('span metrics from the hourly rollup', () => {
  test('the rollup counts every stored span once, with its newest values, in the buckets the spans give', async () => {
    const [sums] = await queryRows<{ spans: string; errors: string; hist: string; unpriced: string }>(store.client, {
      query: `SELECT sum(spans) AS spans, sum(errors) AS errors, arraySum(mapValues(sumMap(latency_hist))) AS hist, sum(unpriced) AS unpriced
              FROM span_metrics WHERE tenant_id = 'default'`,
    });
    // 47 of the 600 calls had no price; 3 of them were re-priced by a revision
    assert.deepEqual([Number(sums.spans), Number(sums.hist), Number(sums.unpriced)], [600, 600, 44]);
    // the views count what UNPRICED_CALL counts on the spans' newest versions
    const [spans] = await queryRows<{ n: string }>(store.client, { query: `SELECT countIf(${UNPRICED_CALL}) AS n FROM spans FINAL WHERE tenant_id = 'default'` });
    assert.equal(Number(spans.n), 44);
    // the materialized views' bucket expression and LATENCY_BUCKET agree on every stored latency
    const [diff] = await queryRows<{ n: string }>(store.client, {
      query: `SELECT count() AS n FROM (
                SELECT k, sum(v) AS v FROM (
                  SELECT key AS k, value AS v FROM span_metrics ARRAY JOIN mapKeys(latency_hist) AS key, mapValues(latency_hist) AS value WHERE tenant_id = 'default'
                  UNION ALL
                  SELECT ${LATENCY_BUCKET} AS k, -1 AS v FROM spans FINAL WHERE tenant_id = 'default')
                GROUP BY k HAVING v != 0)`,
    });
    assert.equal(Number(diff.n), 0);
  });

  test('a window with partial hours at both ends: rollup and spans give the same answer', async () => {
    for (const q of [
      base({ since: at(2.5), until: at(27.25), groupBy: { column: 'model' } }),
      base({ since: at(0), until: at(31), bucket: 'day', groupBy: { column: 'status' } }),
      base({ since: at(3.1), until: at(20.9), model: 'gpt-4.1' }),
      base({ since: at(1.5), until: at(29), provider: 'openai', status: 'error', groupBy: { column: 'service' } }),
      base({ since: at(-5), until: at(40), types: undefined, type: 'generation', groupBy: { column: 'provider' } }),
      // the whole window as one bucket: the hours' histograms merged, then its percentiles
      base({ since: at(2.5), until: at(27.25), bucket: 'window', groupBy: { column: 'model' } }),
      base({ since: at(0), until: at(31), bucket: 'window' }),
    ]) {
      assert.ok(rollupHours(q), 'the rollup plan applies');
      const [fast, slow] = [await rollup.query(q), await exact.query(q)];
      assert.ok(slow.length > 0);
      assertSameAnswer(fast, slow);
    }
  });

  test('percentiles from the histogram are within 1% of the latencies they stand for', async () => {
    const q = base({ since: at(0), until: at(31), bucket: 'day' });
    const fast = (await rollup.query(q)).sort((a, b) => b.count - a.count)[0];
    const latencies = (await queryRows<{ l: number }>(store.client, {
      query: `SELECT latency_ms AS l FROM spans FINAL
              WHERE tenant_id = 'default' AND toStartOfDay(start_time) = parseDateTime64BestEffort({day:String}) ORDER BY l`,
      query_params: { day: fast.bucket },
    })).map((r) => Number(r.l));
    assert.equal(fast.count, latencies.length);
    for (const [p, key] of [[0.5, 'p50_latency_ms'], [0.9, 'p90_latency_ms'], [0.99, 'p99_latency_ms']] as const) {
      const rank = latencies[Math.floor(p * (latencies.length - 1))];
      assert.ok(Math.abs(fast[key] - rank) <= rank * 0.01 + 1e-9, `${key}: ${fast[key]} vs ${rank}`);
    }
  });

  test('filters and groupings outside the rollup, minute buckets and windows under an hour read the spans', () => {
    assert.equal(rollupHours(base({ since: at(0), until: at(5), bucket: 'minute' })), null);
    assert.equal(rollupHours(base({ since: at(0), until: at(5), userId: 'u1' })), null);
    assert.equal(rollupHours(base({ since: at(0), until: at(5), tags: ['a'] })), null);
    assert.equal(rollupHours(base({ since: at(0), until: at(5), groupBy: { column: 'cluster' } })), null);
    assert.equal(rollupHours(base({ since: at(0), until: at(5), groupBy: { metadataKey: 'tier' } })), null);
    assert.equal(rollupHours(base({ since: at(0.2), until: at(0.9) })), null);
    assert.notEqual(rollupHours(base({ since: at(0), until: at(5), tags: [], metadata: [] })), null);
    // `until` is inclusive: an hour ending exactly at it is whole
    assert.deepEqual(rollupHours(base({ since: at(0.5), until: new Date(at(3).getTime() - 1) })), { from: at(1).getTime(), to: at(2).getTime() });
    assert.deepEqual(rollupHours(base({ since: at(1), until: at(3) })), { from: at(1).getTime(), to: at(3).getTime() });
  });

  test('another tenant sees only its own span', async () => {
    const q = { ...base({ since: at(-1), until: at(40), bucket: 'day' }), tenantId: 'other-tenant' };
    const points = await rollup.query(q);
    assert.equal(points.reduce((n, p) => n + p.count, 0), 1);
  });

  test("merged parts keep every call's latency: the histograms are summed by key, not kept from one row", async () => {
    // calls of the same hour and model stored one request at a time: a row of each in every part
    for (let i = 0; i < 12; i++) await store.insertSpans([generation(i, 'merging')]);
    await store.client.command({ query: 'OPTIMIZE TABLE span_metrics FINAL' });
    const [sums] = await queryRows<{ rows: string; spans: string; hist: string }>(store.client, {
      query: `SELECT count() AS rows, sum(spans) AS spans, arraySum(mapValues(sumMap(latency_hist))) AS hist FROM span_metrics WHERE tenant_id = 'merging'`,
    });
    assert.ok(Number(sums.rows) < 12, `the parts merged (${sums.rows} rows)`);
    assert.deepEqual([Number(sums.spans), Number(sums.hist)], [12, 12], 'every call is in the merged histograms');
    const q = { ...base({ since: at(-1), until: at(2), bucket: 'day' as const }), tenantId: 'merging' };
    assertSameAnswer(await rollup.query(q), await exact.query(q));
  });

  test('the backfill after an upgrade rebuilds the same rollup from the stored spans', async () => {
    const q = base({ since: at(2.5), until: at(27.25), groupBy: { column: 'model' } });
    const before = await rollup.query(q);
    await backfillSpanMetrics(store.client);
    assert.deepEqual(await rollup.query(q), before);
  });
});
