// OTLP metrics end to end: the real OpenTelemetry metrics SDK exports the GenAI metrics
// over OTLP/HTTP (protobuf) and OTLP/gRPC; GET /api/otel-metrics sums them per bucket,
// counting cumulative points once. Other metrics are accepted and reported as not kept.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { RunningCollector } from '@spanhouse/collector';
import { apiClient } from '../support/api.ts';
import { startTestCollector, tempDataDir } from '../support/collector.ts';

const data = tempDataDir('metrics');
let collector: RunningCollector;
let api: ReturnType<typeof apiClient>;
const since = new Date(Date.now() - 3_600_000).toISOString();

before(async () => {
  collector = await startTestCollector(data.dir);
  api = apiClient(collector.url);
});
after(async () => {
  await collector?.close();
  data.remove();
});

function meters(exporter: PushMetricExporter, serviceName: string) {
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    // exports only when flushed
    readers: [new PeriodicExportingMetricReader({ exporter: exporter as never, exportIntervalMillis: 3_600_000 })],
  });
  return { provider, meter: provider.getMeter('genai-e2e') };
}

async function otelMetrics(query: string) {
  const { status, body } = await api('GET', `/api/otel-metrics?since=${since}&bucket=day&${query}`);
  assert.equal(status, 200, JSON.stringify(body));
  return body.data as any[];
}

test('GenAI histograms from the OTel SDK over OTLP/HTTP protobuf: cumulative points counted once', async () => {
  const { provider, meter } = meters(new ProtoMetricExporter({ url: `${collector.url}/v1/metrics` }), 'metrics-http');
  const tokens = meter.createHistogram('gen_ai.client.token.usage', { unit: '{token}' });
  const duration = meter.createHistogram('gen_ai.client.operation.duration', { unit: 's' });
  const other = meter.createCounter('http.client.requests');
  const attrs = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o' };
  tokens.record(100, { ...attrs, 'gen_ai.token.type': 'input' });
  tokens.record(20, { ...attrs, 'gen_ai.token.type': 'output' });
  duration.record(1.5, attrs);
  other.add(3);
  await provider.forceFlush();
  // the SDK's default temporality is cumulative: the next export repeats the totals so far
  tokens.record(50, { ...attrs, 'gen_ai.token.type': 'input' });
  await provider.forceFlush();
  await provider.shutdown();

  const byType = await otelMetrics('name=gen_ai.client.token.usage&group_by=token_type');
  const input = byType.find((r) => r.group === 'input');
  const output = byType.find((r) => r.group === 'output');
  assert.deepEqual([input.count, input.sum, input.min, input.max], [2, 150, 50, 100]);
  assert.deepEqual([output.count, output.sum], [1, 20]);
  assert.equal(input.type, 'histogram');
  assert.equal(input.unit, '{token}');
  assert.equal(input.bucket_counts.reduce((a: number, b: number) => a + b, 0), 2);
  assert.equal(input.bucket_counts.length, input.explicit_bounds.length + 1);

  const byModel = await otelMetrics('name=gen_ai.client.operation.duration&group_by=model');
  assert.deepEqual(byModel.map((r) => [r.group, r.count, r.sum]), [['gpt-4o', 1, 1.5]]);
  // the non-GenAI counter was not stored
  assert.ok(!(await otelMetrics('')).some((r) => r.name === 'http.client.requests'));
});

test('GenAI metrics over OTLP/gRPC (delta temporality)', async () => {
  const exporter = new GrpcMetricExporter({ url: `http://127.0.0.1:${collector.grpcPort}`, temporalityPreference: AggregationTemporalityPreference.DELTA });
  const { provider, meter } = meters(exporter, 'metrics-grpc');
  const ttft = meter.createHistogram('gen_ai.server.time_to_first_token', { unit: 's' });
  ttft.record(0.2, { 'gen_ai.request.model': 'llama-3.1-8b' });
  await provider.forceFlush();
  ttft.record(0.4, { 'gen_ai.request.model': 'llama-3.1-8b' });
  await provider.forceFlush();
  await provider.shutdown();
  const rows = await otelMetrics('name=gen_ai.server.time_to_first_token&group_by=service');
  assert.deepEqual(rows.map((r) => [r.group, r.count]), [['metrics-grpc', 2]]);
  assert.ok(Math.abs(rows[0].sum - 0.6) < 1e-9);
});

test('OTLP/JSON metrics: GenAI points stored, the rest counted in partial_success with the reason', async () => {
  const now = BigInt(Date.now()) * 1_000_000n;
  const res = await fetch(`${collector.url}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      resourceMetrics: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'metrics-json' } }] },
        scopeMetrics: [{
          scope: { name: 'manual' },
          metrics: [
            {
              name: 'gen_ai.client.token.usage', unit: '{token}',
              histogram: {
                aggregationTemporality: 'AGGREGATION_TEMPORALITY_DELTA',
                dataPoints: [{
                  attributes: [{ key: 'gen_ai.request.model', value: { stringValue: 'json-model' } }, { key: 'gen_ai.token.type', value: { stringValue: 'input' } }],
                  startTimeUnixNano: String(now - 1_000_000_000n), timeUnixNano: String(now), count: '2', sum: 30, bucketCounts: ['1', '1', '0'], explicitBounds: [10, 100],
                }],
              },
            },
            { name: 'process.cpu.utilization', gauge: { dataPoints: [{ asDouble: 0.5, timeUnixNano: String(now) }, { asDouble: 0.6, timeUnixNano: String(now) }] } },
          ],
        }],
      }],
    }),
  });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.partialSuccess.rejectedDataPoints, '2');
  assert.match(body.partialSuccess.errorMessage, /keeps only the GenAI metrics .*process\.cpu\.utilization/);
  const rows = await otelMetrics('name=gen_ai.client.token.usage&group_by=model');
  const json = rows.find((r) => r.group === 'json-model');
  assert.deepEqual([json.count, json.sum, json.bucket_counts, json.explicit_bounds], [2, 30, [1, 1, 0], [10, 100]]);
});

test('other paths under /v1/ answer an OTLP status, never the UI', async () => {
  const res = await fetch(`${collector.url}/v1/profiles`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(res.status, 404);
  assert.match(res.headers.get('content-type') ?? '', /json/);
  assert.match((await res.json()).message, /\/v1\/metrics/);
});
