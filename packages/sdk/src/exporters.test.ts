import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
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
