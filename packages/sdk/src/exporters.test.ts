import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resolveConfig } from './config.ts';
import { createLogExporter, createSpanExporter } from './exporters.ts';
import type { SlicedExporter } from './pipeline.ts';

test('HTTP exporters per protocol: protobuf is sent a slice at a time, JSON by the OTel exporter', async () => {
  const proto = createSpanExporter(resolveConfig({}, {}));
  const json = createSpanExporter(resolveConfig({ protocol: 'http/json' }, {}));
  assert.equal(typeof (proto as SlicedExporter<unknown>).serialize, 'function');
  assert.ok(json instanceof JsonTraceExporter);
  await Promise.all([proto.shutdown(), json.shutdown(), createLogExporter(resolveConfig({}, {})).shutdown()]);
});

test('OTLP/HTTP protobuf: slices serialised apart go out as one request to /v1/traces with the configured headers', async () => {
  const requests: { url?: string; headers: IncomingHttpHeaders; body: Buffer }[] = [];
  const sink = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  const exporter = createSpanExporter(resolveConfig({ endpoint, apiKey: 'sh_test' }, {})) as SlicedExporter<import('@opentelemetry/sdk-trace-base').ReadableSpan>;

  const recorded = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(recorded)] }).getTracer('t');
  for (let i = 0; i < 5; i++) tracer.startSpan(`span-${i}`).end();
  const spans = recorded.getFinishedSpans();
  const slices = [exporter.serialize(spans.slice(0, 2)), exporter.serialize(spans.slice(2))];
  const result = await new Promise<{ code: number }>((resolve) => exporter.send(Buffer.concat(slices), spans.length, resolve));
  await exporter.shutdown();
  sink.close();

  assert.equal(result.code, 0, 'success');
  assert.equal(requests.length, 1);
  const [request] = requests;
  assert.equal(request.url, '/v1/traces');
  assert.equal(request.headers['content-type'], 'application/x-protobuf');
  assert.equal(request.headers.authorization, 'Bearer sh_test');
  // the slices back to back, unchanged (the collector decodes them as one request: test/e2e/sdk.test.ts)
  assert.ok(slices.every((slice) => slice.length > 0));
  assert.deepEqual(request.body, Buffer.concat(slices));
});

// The gRPC exporters are optional peers of the SDK; this repository installs them (the
// collector's gRPC receiver is tested with them), so here they load. Without them,
// createSpanExporter throws "protocol grpc needs …: npm install …".
test('gRPC uses the optional gRPC exporter packages when they are installed', async () => {
  const config = resolveConfig({ protocol: 'grpc', endpoint: 'http://127.0.0.1:4317' }, {});
  const spans = createSpanExporter(config);
  const logs = createLogExporter(config);
  assert.ok(spans instanceof GrpcTraceExporter);
  assert.ok(logs instanceof GrpcLogExporter);
  await Promise.all([spans.shutdown(), logs.shutdown()]);
});
