// OTLP/gRPC end to end: the real OpenTelemetry gRPC exporters for traces and logs send to
// the collector's gRPC port, with gzip and an API key in the metadata; what they sent is
// read back through the REST API, in the key's tenant only. A wrong key fails the export.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import { context, trace } from '@opentelemetry/api';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { RunningCollector } from '@spanhouse/collector';
import { apiClient } from '../support/api.ts';
import { startTestCollector, tempDataDir } from '../support/collector.ts';
import { makeKey, withKeyStore } from '../support/keys.ts';

const data = tempDataDir('grpc');
let collector: RunningCollector;
const keys: Record<'acme' | 'globex', string> = { acme: '', globex: '' };

before(async () => {
  await withKeyStore(data.dir, async (keyStore) => {
    for (const tenant of ['acme', 'globex'] as const) keys[tenant] = (await makeKey(keyStore, tenant)).key;
  });
  collector = await startTestCollector(data.dir);
});
after(async () => {
  await collector?.close();
  data.remove();
});

const grpcUrl = () => `http://127.0.0.1:${collector.grpcPort}`;
function metadata(entries: Record<string, string>): Metadata {
  const md = new Metadata();
  for (const [k, v] of Object.entries(entries)) md.set(k, v);
  return md;
}

function grpcTracer(md: Metadata, gzip = false) {
  const exporter = new OTLPTraceExporter({ url: grpcUrl(), metadata: md, ...(gzip ? { compression: CompressionAlgorithm.GZIP } : {}) });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'grpc-app' }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 60_000 })],
  });
  return { provider, tracer: provider.getTracer('grpc-e2e') };
}

const chat = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 12, 'gen_ai.usage.output_tokens': 3 };

test('spans sent by the OTel gRPC trace exporter (gzip, Bearer key) are stored in the key\'s tenant', async () => {
  const { provider, tracer } = grpcTracer(metadata({ authorization: `Bearer ${keys.acme}` }), true);
  const root = tracer.startSpan('agent run');
  const child = tracer.startSpan('chat gpt-4o-mini', { attributes: chat }, trace.setSpan(context.active(), root));
  child.end();
  root.end();
  await provider.forceFlush();
  await provider.shutdown();

  const acme = apiClient(collector.url, keys.acme);
  const { status, body } = await acme('GET', `/api/traces/${root.spanContext().traceId}`);
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(body.trace.span_count, 2);
  const llm = body.spans.find((s: any) => s.span_id === child.spanContext().spanId);
  assert.equal(llm.model, 'gpt-4o-mini');
  assert.equal(llm.input_tokens, 12);
  assert.equal(llm.service_name, 'grpc-app');
  // another tenant's key does not see it
  assert.equal((await apiClient(collector.url, keys.globex)('GET', `/api/traces/${root.spanContext().traceId}`)).status, 404);
});

test('log records sent by the OTel gRPC logs exporter (x-api-key) are joined to their span', async () => {
  const md = metadata({ 'x-api-key': keys.globex });
  const { provider, tracer } = grpcTracer(md);
  const logs = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'grpc-app' }),
    processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: grpcUrl(), metadata: md }), scheduledDelayMillis: 60_000 })],
  });
  const span = tracer.startSpan('chat gpt-4o-mini', { attributes: chat });
  const spanCtx = trace.setSpan(context.active(), span);
  const logger = logs.getLogger('@opentelemetry/instrumentation-openai');
  logger.emit({ context: spanCtx, eventName: 'gen_ai.user.message', attributes: { 'gen_ai.system': 'openai' }, body: { content: 'Which port is gRPC?' } });
  logger.emit({
    context: spanCtx,
    attributes: { 'event.name': 'gen_ai.choice', 'gen_ai.system': 'openai' },
    body: { index: 0, finish_reason: 'stop', message: { role: 'assistant', content: '4317.' } },
  });
  span.end();
  await logs.forceFlush();
  await provider.forceFlush();
  await Promise.all([logs.shutdown(), provider.shutdown()]);

  const { status, body } = await apiClient(collector.url, keys.globex)('GET', `/api/spans/${span.spanContext().spanId}`);
  assert.equal(status, 200, JSON.stringify(body));
  assert.deepEqual(body.input_messages, [{ role: 'user', content: 'Which port is gRPC?' }]);
  assert.equal(body.output_messages[0].content, '4317.');
});

test('a wrong key fails the gRPC export with UNAUTHENTICATED and stores nothing', async () => {
  // real spans, recorded in memory, then handed to the gRPC exporter as its batch processor would
  const memory = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  const span = provider.getTracer('grpc-e2e').startSpan('chat', { attributes: chat });
  span.end();
  const exporter = new OTLPTraceExporter({ url: grpcUrl(), metadata: metadata({ authorization: 'Bearer sh_wrong_key' }) });
  const result = await new Promise<{ code: number; error?: Error & { code?: number } }>((resolve) => exporter.export(memory.getFinishedSpans(), resolve));
  await exporter.shutdown();
  assert.equal(result.code, 1); // ExportResultCode.FAILED
  assert.equal(result.error?.code, 16); // grpc UNAUTHENTICATED
  assert.match(String(result.error?.message), /API key is not valid/);
  const { status } = await apiClient(collector.url, keys.acme)('GET', `/api/traces/${span.spanContext().traceId}`);
  assert.equal(status, 404);
});
