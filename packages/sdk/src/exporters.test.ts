import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resolveConfig } from './config.ts';
import { createLogExporter, createSpanExporter } from './exporters.ts';

test('HTTP exporters per protocol', async () => {
  const proto = createSpanExporter(resolveConfig({}, {}));
  const json = createSpanExporter(resolveConfig({ protocol: 'http/json' }, {}));
  assert.ok(proto instanceof ProtoTraceExporter);
  assert.ok(json instanceof JsonTraceExporter);
  await Promise.all([proto.shutdown(), json.shutdown(), createLogExporter(resolveConfig({}, {})).shutdown()]);
});

test('gRPC needs its optional exporter packages, and says which', () => {
  assert.throws(() => createSpanExporter(resolveConfig({ protocol: 'grpc' }, {})), /npm install @opentelemetry\/exporter-trace-otlp-grpc@\^0\.223/);
});
