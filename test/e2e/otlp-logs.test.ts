// GenAI content sent as OTLP log records (as @opentelemetry/instrumentation-openai
// does) is joined to its span whichever arrives first. Real SDK log and trace exporters.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import type { Logger } from '@opentelemetry/api-logs';
import type { RunningCollector } from '@spanhouse/collector';
import { getJson, startTestCollector, tempDataDir } from '../support/collector.ts';
import { otelLogger } from '../support/library.ts';
import { childSpan, otelTracer } from '../support/otel.ts';

const data = tempDataDir('logs');
let collector: RunningCollector;
before(async () => {
  collector = await startTestCollector(data.dir);
});
after(async () => {
  await collector?.close();
  data.remove();
});


/** The records the official OpenAI instrumentation emits for one chat call (event name as attribute or field). */
function emitChatLogs(logger: Logger, spanCtx: ReturnType<typeof trace.setSpan>, at = Date.now()) {
  logger.emit({ context: spanCtx, timestamp: at, attributes: { 'event.name': 'gen_ai.system.message', 'gen_ai.system': 'openai' }, body: { content: 'You are a sommelier.' } });
  logger.emit({ context: spanCtx, timestamp: at + 1, eventName: 'gen_ai.user.message', attributes: { 'gen_ai.system': 'openai' }, body: { content: 'A wine for grilled fish?' } });
  logger.emit({
    context: spanCtx,
    timestamp: at + 2,
    attributes: { 'event.name': 'gen_ai.choice', 'gen_ai.system': 'openai' },
    body: { index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'An Albariño from Rías Baixas.' } },
  });
}

const chatAttributes = { 'gen_ai.operation.name': 'chat', 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 25 };

async function readSpan(spanId: string) {
  const { status, body } = await getJson(`${collector.url}/api/spans/${spanId}`);
  assert.equal(status, 200);
  return body;
}

function assertJoined(span: any) {
  assert.deepEqual(span.input_messages, [
    { role: 'system', content: 'You are a sommelier.' },
    { role: 'user', content: 'A wine for grilled fish?' },
  ]);
  assert.equal(span.output_messages[0].content, 'An Albariño from Rías Baixas.');
  assert.equal(span.output_messages[0].finish_reason, 'stop');
  assert.ok(span.mapping.dialects.includes('otel-genai-logs'));
  assert.deepEqual(span.events.map((e: any) => e.name).sort(), ['gen_ai.choice', 'gen_ai.system.message', 'gen_ai.user.message']);
}

test('logs arriving after their span are joined to the stored span', async () => {
  const otel = otelTracer(collector.url, { serviceName: 'logs-app' });
  const logs = otelLogger(collector.url, 'logs-app');
  const span = childSpan(otel.tracer, 'chat gpt-4o-mini', undefined, chatAttributes);
  span.end();
  await otel.flush();
  const stored = await readSpan(span.spanContext().spanId);
  assert.deepEqual(stored.input_messages, []);

  emitChatLogs(logs.provider.getLogger('@opentelemetry/instrumentation-openai'), trace.setSpan(context.active(), span));
  await logs.flush();
  const joined = await readSpan(span.spanContext().spanId);
  assertJoined(joined);
  assert.equal(joined.input_tokens, 25);
  // the trace rollup sees the joined content too, and still counts the span once
  const { body } = await getJson(`${collector.url}/api/traces/${span.spanContext().traceId}`);
  assert.equal(body.trace.span_count, 1);
  assert.equal(body.trace.input_tokens, 25);
  assert.match(body.trace.output, /Albariño/);
  await Promise.all([otel.shutdown(), logs.shutdown()]);
});

test('logs arriving before their span are joined when the span lands', async () => {
  const otel = otelTracer(collector.url, { serviceName: 'logs-app' });
  const logs = otelLogger(collector.url, 'logs-app');
  const span = childSpan(otel.tracer, 'chat gpt-4o-mini', undefined, chatAttributes);
  const at = Date.now();
  emitChatLogs(logs.provider.getLogger('@opentelemetry/instrumentation-openai'), trace.setSpan(context.active(), span), at);
  await logs.flush();
  assert.equal((await getJson(`${collector.url}/api/spans/${span.spanContext().spanId}`)).status, 404);
  span.end();
  await otel.flush();
  assertJoined(await readSpan(span.spanContext().spanId));
  // a retried export (the same records again) does not duplicate events or messages
  emitChatLogs(logs.provider.getLogger('@opentelemetry/instrumentation-openai'), trace.setSpan(context.active(), span), at);
  await logs.flush();
  const again = await readSpan(span.spanContext().spanId);
  assert.equal(again.input_messages.length, 2);
  assert.equal(again.events.length, 3);
  await Promise.all([otel.shutdown(), logs.shutdown()]);
});

test('log records without a span context are reported in partial_success', async () => {
  const res = await fetch(`${collector.url}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'orphan' }, timeUnixNano: '1' }] }] }] }),
  });
  assert.equal(res.status, 200);
  const answer = await res.json();
  assert.equal(answer.partialSuccess.rejectedLogRecords, '1');
  assert.match(answer.partialSuccess.errorMessage, /without a trace and span id/);
  const bad = await fetch(`${collector.url}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array([0xff, 0xff]) });
  assert.equal(bad.status, 400);
});
