// Issue 13 end to end, through real OTel SDK exporters and a real collector on chDB: the
// 2026 GenAI fields stored and read back, inline images stored apart from the span rows
// and served by the span API, gen_ai.evaluation.result span events and log records as
// scores (source otel) that filters find, and the per-tenant ingest-health report.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import type { RunningCollector } from '@spanhouse/collector';
import { apiClient } from '../support/api.ts';
import { startTestCollector, tempDataDir } from '../support/collector.ts';
import { childSpan, otelTracer } from '../support/otel.ts';
import { makeKey, withKeyStore } from '../support/keys.ts';

const data = tempDataDir('genai-2026');
let collector: RunningCollector;
const keys = { acme: '', globex: '' };
let acme: ReturnType<typeof apiClient>;
let globex: ReturnType<typeof apiClient>;

before(async () => {
  await withKeyStore(data.dir, async (keyStore) => {
    for (const tenant of ['acme', 'globex'] as const) keys[tenant] = (await makeKey(keyStore, tenant)).key;
  });
  collector = await startTestCollector(data.dir);
  acme = apiClient(collector.url, keys.acme);
  globex = apiClient(collector.url, keys.globex);
});
after(async () => {
  await collector?.close();
  data.remove();
});

/** A 300 KB "image": large enough that carrying it in list reads would show. */
const IMAGE = Buffer.alloc(300_000, 0);
IMAGE.write('\x89PNG\r\n\x1a\n', 0, 'latin1');
for (let i = 8; i < IMAGE.length; i++) IMAGE[i] = (i * 31) % 251;

function exporters(tenant: 'acme' | 'globex') {
  const headers = { authorization: `Bearer ${keys[tenant]}` };
  const otel = otelTracer(collector.url, { serviceName: 'vision-app', headers });
  const logs = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'vision-app' }),
    processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${collector.url}/v1/logs`, headers }), scheduledDelayMillis: 60_000 })],
  });
  return { otel, logs };
}

let spanId = '';
let traceId = '';

test('a 2026-conventions call with an image: fields, blob placeholder, evaluation scores', async () => {
  const { otel, logs } = exporters('acme');
  const span = childSpan(otel.tracer, 'chat gpt-4o', undefined, {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o',
    'gen_ai.conversation.id': 'conv-1',
    'gen_ai.agent.id': 'agent-9',
    'gen_ai.agent.version': '2',
    'gen_ai.workflow.name': 'describe-photo',
    'gen_ai.output.type': 'text',
    'gen_ai.request.temperature': 0.5,
    'gen_ai.request.max_tokens': 200,
    'gen_ai.request.stream': false,
    'gen_ai.usage.input_tokens': 900,
    'gen_ai.usage.output_tokens': 20,
    'gen_ai.usage.input_tokens.image': 765,
    'my.custom.attr': 'not understood',
    'gen_ai.input.messages': JSON.stringify([
      { role: 'user', parts: [{ type: 'text', content: 'What is this?' }, { type: 'blob', modality: 'image', mime_type: 'image/png', content: IMAGE.toString('base64') }] },
    ]),
    'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'A test pattern.' }], finish_reason: 'stop' }]),
  });
  // an evaluator recorded on the span, and another one sent as a log record in the span's context
  span.addEvent('gen_ai.evaluation.result', { 'gen_ai.evaluation.name': 'relevance', 'gen_ai.evaluation.score.value': 0.8, 'gen_ai.evaluation.score.label': 'relevant', 'gen_ai.evaluation.explanation': 'on topic' });
  span.end();
  ({ spanId, traceId } = span.spanContext());
  logs.getLogger('evals').emit({
    context: trace.setSpan(context.active(), span),
    eventName: 'gen_ai.evaluation.result',
    attributes: { 'gen_ai.evaluation.name': 'toxicity', 'gen_ai.evaluation.score.label': 'safe', 'gen_ai.evaluation.explanation': 'no issues' },
  });
  await otel.flush();
  await logs.forceFlush();
  await Promise.all([otel.shutdown(), logs.shutdown()]);

  const { status, body: stored } = await acme('GET', `/api/spans/${spanId}`);
  assert.equal(status, 200);
  assert.equal(stored.session_id, 'conv-1');
  assert.deepEqual([stored.agent_id, stored.agent_version, stored.workflow_name, stored.output_type], ['agent-9', '2', 'describe-photo', 'text']);
  assert.deepEqual(stored.request_params, { temperature: 0.5, max_tokens: 200, stream: false });
  assert.deepEqual(stored.token_details, { 'input_tokens.image': 765 });
  assert.equal(stored.mapping.semconv, '2026');
  assert.deepEqual(stored.mapping.unmapped, ['my.custom.attr']);

  // the image is a placeholder in the message; its bytes are served apart
  const [part] = stored.input_messages[0].parts;
  assert.deepEqual(Object.keys(part).sort(), ['blob_id', 'mime_type', 'modality', 'size', 'type']);
  assert.equal(part.size, IMAGE.length);
  assert.equal(part.mime_type, 'image/png');
  assert.ok(!JSON.stringify(stored).includes(IMAGE.toString('base64').slice(0, 200)), 'no base64 left in the span');
  const blob = await fetch(`${collector.url}/api/spans/${spanId}/blobs/${part.blob_id}`, { headers: { authorization: `Bearer ${keys.acme}` } });
  assert.equal(blob.status, 200);
  assert.equal(blob.headers.get('content-type'), 'image/png');
  assert.ok(Buffer.from(await blob.arrayBuffer()).equals(IMAGE), 'the bytes as sent');

  // scores from both forms, source otel
  const scores = Object.fromEntries(stored.scores.map((s: any) => [s.name, s]));
  assert.deepEqual(scores.relevance, { name: 'relevance', value: 0.8, comment: 'relevant: on topic', data_type: 'numeric', source: 'otel' });
  assert.deepEqual(scores.toxicity, { name: 'toxicity', value: 'safe', comment: 'no issues', data_type: 'categorical', source: 'otel' });
});

test('list reads stay small: the image is not in span lists or trace reads', async () => {
  const list = await acme('GET', `/api/spans?trace_id=${traceId}`);
  assert.equal(list.status, 200);
  assert.equal(list.body.data.length, 1);
  assert.ok(list.text.length < 20_000, `span list is ${list.text.length} bytes`);
  const withContent = await acme('GET', `/api/traces/${traceId}?include=content`);
  assert.ok(withContent.text.length < 20_000, `trace with content is ${withContent.text.length} bytes`);
});

test('otel scores are found by the score filters and exported as evaluation events on request', async () => {
  const relevant = await acme('GET', '/api/traces?score_name=relevance&min_score=0.5');
  assert.deepEqual(relevant.body.data.map((t: any) => t.trace_id), [traceId]);
  const safe = await acme('GET', '/api/spans?score_name=toxicity&score_value=safe');
  assert.deepEqual(safe.body.data.map((s: any) => s.span_id), [spanId]);
  assert.deepEqual((await acme('GET', '/api/traces?score_name=relevance&min_score=0.9')).body.data, []);

  const exported = await acme('GET', `/api/spans/${spanId}?include=evaluation_events`);
  const events = Object.fromEntries(exported.body.evaluation_events.map((e: any) => [e.attributes['gen_ai.evaluation.name'], e]));
  assert.equal(events.relevance.name, 'gen_ai.evaluation.result');
  assert.deepEqual(events.relevance.attributes, { 'gen_ai.evaluation.name': 'relevance', 'gen_ai.evaluation.score.value': 0.8, 'gen_ai.evaluation.explanation': 'relevant: on topic' });
  assert.deepEqual(events.toxicity.attributes, { 'gen_ai.evaluation.name': 'toxicity', 'gen_ai.evaluation.score.label': 'safe', 'gen_ai.evaluation.explanation': 'no issues' });
});

test('ingest health: spans per dialect, what is missing, semconv generations, top unmapped keys, per tenant', async () => {
  // globex sends a span no dialect gives a model or tokens
  const { otel, logs } = exporters('globex');
  childSpan(otel.tracer, 'chat', undefined, { 'gen_ai.operation.name': 'chat', 'gen_ai.system': 'acme-llm', 'globex.only': 'x' }).end();
  await otel.flush();
  await Promise.all([otel.shutdown(), logs.shutdown()]);

  const mine = await acme('GET', '/api/ingest-health');
  assert.equal(mine.status, 200);
  assert.deepEqual(mine.body.total, { spans: 1, llm_spans: 1, missing_model: 0, missing_tokens: 0, missing_content: 0 });
  assert.deepEqual(mine.body.dialects, [{ dialect: 'otel-genai', spans: 1, llm_spans: 1, missing_model: 0, missing_tokens: 0, missing_content: 0 }]);
  assert.deepEqual(mine.body.semconv, [{ semconv: '2026', spans: 1 }]);
  assert.deepEqual(mine.body.top_unmapped, [{ key: 'my.custom.attr', spans: 1 }]);

  const theirs = await globex('GET', '/api/ingest-health');
  assert.deepEqual(theirs.body.total, { spans: 1, llm_spans: 1, missing_model: 1, missing_tokens: 1, missing_content: 1 });
  assert.deepEqual(theirs.body.semconv, [{ semconv: 'legacy', spans: 1 }]);
  assert.deepEqual(theirs.body.top_unmapped, [{ key: 'globex.only', spans: 1 }]);

  // another tenant's blob is not found, and bad input is a clear 400
  const part = (await acme('GET', `/api/spans/${spanId}`)).body.input_messages[0].parts[0];
  assert.equal((await globex('GET', `/api/spans/${spanId}/blobs/${part.blob_id}`)).status, 404);
  const bad = await acme('GET', `/api/spans/${spanId}/blobs/not-a-hash`);
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /64 hex/);
  assert.equal((await acme('GET', '/api/ingest-health?since=yesterday')).status, 400);
});

test('scores exported as OTLP log records (GET /api/traces/:id/evaluations) become otel scores wherever they are sent', async () => {
  const exported = await acme('GET', `/api/traces/${traceId}/evaluations`);
  assert.equal(exported.status, 200);
  const records = exported.body.resourceLogs[0].scopeLogs[0].logRecords;
  assert.deepEqual(records.map((r: any) => [r.eventName, r.traceId, r.spanId]).sort(), [
    ['gen_ai.evaluation.result', traceId, spanId],
    ['gen_ai.evaluation.result', traceId, spanId],
  ]);
  // another tenant holds a span with the same ids; the export goes to its /v1/logs as it is
  const post = (path: string, body: unknown) =>
    fetch(`${collector.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.globex}` }, body: JSON.stringify(body) });
  const now = BigInt(Date.now()) * 1_000_000n;
  const span = { traceId, spanId, name: 'copy', kind: 1, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1_000_000n), attributes: [] };
  assert.equal((await post('/v1/traces', { resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'copy' }, spans: [span] }] }] })).status, 200);
  const imported = await post('/v1/logs', exported.body);
  assert.equal(imported.status, 200);
  assert.deepEqual(await imported.json(), {});
  const copy = await globex('GET', `/api/spans/${spanId}`);
  const scores = copy.body.scores.map((s: any) => [s.name, s.value, s.comment, s.source]).sort();
  assert.deepEqual(scores, [
    ['relevance', 0.8, 'relevant: on topic', 'otel'],
    ['toxicity', 'safe', 'no issues', 'otel'],
  ]);
});
