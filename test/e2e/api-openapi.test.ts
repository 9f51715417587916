// schemas/openapi.json matches the server: every route the collector serves under
// /api and /v1 is documented and every documented operation is served; list
// endpoints document exactly the query parameters the server accepts; and answers
// of a live server carry the fields the document requires.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { RunningCollector } from '@spanhouse/collector';
import { metricsQuery } from '../../collector/src/api/metrics.ts';
import { otelMetricsQuery } from '../../collector/src/api/otel-metrics.ts';
import { sessionListQuery, userListQuery } from '../../collector/src/api/sessions.ts';
import { spanListQuery, traceCountQuery, traceListQuery } from '../../collector/src/api/traces.ts';
import { valuesQuery } from '../../collector/src/api/values.ts';
import { DIRECT_GATEWAY_ROUTES } from '../../collector/src/gateway/routes.ts';
import { apiClient } from '../support/api.ts';
import { startTestCollector, tempDataDir } from '../support/collector.ts';

const doc = JSON.parse(readFileSync(new URL('../../schemas/openapi.json', import.meta.url), 'utf8'));
const data = tempDataDir('api-openapi');
let collector: RunningCollector;

before(async () => {
  collector = await startTestCollector(data.dir);
});
after(async () => {
  await collector?.close();
  data.remove();
});

interface Layer {
  route?: { path: string | RegExp; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: string | string[] | RegExp;
}

/** METHOD /path for every route in the Express router tree, `:id` written as `{id}`. */
function routesOf(stack: Layer[], prefix = ''): string[] {
  const out: string[] = [];
  for (const layer of stack) {
    if (layer.route) {
      if (typeof layer.route.path !== 'string') continue;
      for (const method of Object.keys(layer.route.methods)) {
        if (method !== '_all') out.push(`${method.toUpperCase()} ${(prefix + layer.route.path).replace(/:(\w+)/g, '{$1}')}`);
      }
    } else if (layer.handle?.stack) {
      const paths = Array.isArray(layer.rawPath) ? layer.rawPath : [layer.rawPath];
      for (const path of paths) if (typeof path === 'string') out.push(...routesOf(layer.handle.stack, prefix + (path === '/' ? '' : path)));
    }
  }
  return out;
}

test('the document is OpenAPI 3.1 and every operation has an id and responses', () => {
  assert.equal(doc.openapi, '3.1.0');
  for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      assert.ok(op.operationId, `${method} ${path}: operationId`);
      assert.ok(Object.keys(op.responses ?? {}).length > 0, `${method} ${path}: responses`);
      for (const p of path.match(/\{(\w+)\}/g) ?? []) {
        assert.ok(op.parameters?.some((x: any) => x.in === 'path' && `{${x.name}}` === p), `${method} ${path}: path parameter ${p}`);
      }
    }
  }
  const refs = JSON.stringify(doc).match(/"#\/components\/schemas\/(\w+)"/g) ?? [];
  for (const ref of refs) assert.ok(doc.components.schemas[ref.split('/').pop()!.replace('"', '')], ref);
});

test('every served route is documented, and every documented route is served', () => {
  const app = collector.app as unknown as { router: { stack: Layer[] } };
  // the gateway's POST routes are answered ahead of the app (gateway/routes.ts)
  const served = new Set([...routesOf(app.router.stack).filter((r) => / \/(api|v1)\//.test(r)), ...DIRECT_GATEWAY_ROUTES]);
  const documented = new Set(Object.entries<Record<string, unknown>>(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`)));
  assert.deepEqual([...served].filter((r) => !documented.has(r)).sort(), [], 'served but not documented');
  assert.deepEqual([...documented].filter((r) => !served.has(r)).sort(), [], 'documented but not served');
});

test('list endpoints document exactly the query parameters they accept', () => {
  const queryParams = (path: string) =>
    doc.paths[path].get.parameters
      .filter((p: any) => p.in === 'query')
      .map((p: any) => p.name)
      .sort();
  const accepted = (shape: Record<string, unknown>) => [...Object.keys(shape), 'metadata.{key}'].sort();
  assert.deepEqual(queryParams('/api/spans'), accepted(spanListQuery.shape));
  assert.deepEqual(queryParams('/api/traces'), accepted(traceListQuery.shape));
  assert.deepEqual(queryParams('/api/metrics'), accepted(metricsQuery.shape));
  assert.deepEqual(queryParams('/api/otel-metrics'), Object.keys(otelMetricsQuery.shape).sort());
  assert.deepEqual(queryParams('/api/traces/count'), accepted(traceCountQuery.shape));
  for (const [path, shape] of [['/api/sessions', sessionListQuery.shape], ['/api/users', userListQuery.shape], ['/api/values', valuesQuery.shape]] as const) {
    assert.deepEqual(queryParams(path), Object.keys(shape).sort(), path);
  }
});

test('GET /api/openapi.json serves the document without a key, with this collector as its server', async () => {
  const res = await fetch(`${collector.url}/api/openapi.json`);
  assert.equal(res.status, 200);
  const served = await res.json();
  assert.deepEqual(served.paths, doc.paths);
  assert.deepEqual(served.servers, [{ url: collector.url }]);
});

test('live answers carry the fields the document requires', async () => {
  const api = apiClient(collector.url);
  const made = await api('POST', '/api/traces', { model: 'gpt-4o', input: 'hello', output: 'hi', input_tokens: 3, output_tokens: 1 });
  const required = (name: string) => doc.components.schemas[name].required as string[];
  const check = (value: Record<string, unknown>, name: string) => {
    for (const field of required(name)) assert.ok(field in value, `${name}.${field}`);
  };
  check(made.body, 'Written');
  const spans = await api('GET', '/api/spans');
  assert.deepEqual(Object.keys(spans.body).sort(), ['data', 'next_cursor']);
  for (const span of spans.body.data) check(span, 'Span');
  check((await api('GET', `/api/spans/${made.body.span_id}`)).body, 'Span');
  for (const trace of (await api('GET', '/api/traces')).body.data) check(trace, 'Trace');
  for (const point of (await api('GET', '/api/metrics?bucket=minute')).body.data) check(point, 'MetricPoint');
  const otlpMetric = { name: 'gen_ai.client.operation.duration', unit: 's', histogram: { aggregationTemporality: 1, dataPoints: [{ timeUnixNano: `${Date.now()}000000`, count: '1', sum: 0.5, bucketCounts: ['1'] }] } };
  const sent = await fetch(`${collector.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [otlpMetric] }] }] }) });
  assert.equal(sent.status, 200);
  const otelPoints = (await api('GET', '/api/otel-metrics?bucket=minute')).body.data;
  assert.equal(otelPoints.length, 1);
  for (const point of otelPoints) check(point, 'OtelMetricPoint');
  const event = await api('POST', `/api/spans/${made.body.span_id}/events`, { kind: 'feedback', source: 'ui', data: { value: 'up' } });
  check(event.body, 'SpanEvent');
  const item = await api('POST', '/api/datasets/d/items', { span_id: made.body.span_id });
  check(item.body, 'DatasetItem');
  for (const dataset of (await api('GET', '/api/datasets')).body.data) check(dataset, 'Dataset');
  for (const session of (await api('GET', '/api/sessions')).body.data) check(session, 'Session');
  for (const user of (await api('GET', '/api/users')).body.data) check(user, 'User');
  check((await api('POST', '/api/sql', { query: 'SELECT 1' })).body, 'SqlResult');
  check((await api('GET', '/api/spans?limit=nope')).body, 'Error');
});
