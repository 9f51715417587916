// The spine, end to end: real OTel SDK exporters send OTLP over loopback to a real
// collector with embedded ClickHouse; everything is read back through the REST API.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { SpanStatusCode } from '@opentelemetry/api';
import * as semconv from '@opentelemetry/semantic-conventions/incubating';
import type { RunningCollector } from '@spanhouse/collector';
import { getJson, startTestCollector, tempDataDir } from '../support/collector.ts';
import { childSpan, otelTracer } from '../support/otel.ts';

const data = tempDataDir('ingest');
let collector: RunningCollector;

before(async () => {
  collector = await startTestCollector(data.dir, { maxBodyBytes: 256 * 1024 });
});
after(async () => {
  await collector?.close();
  data.remove();
});

const msg = (role: string, content: string) => ({ role, parts: [{ type: 'text', content }] });

/** An agent run: a root agent span, a chat call that asks for a tool, the tool, and a failed chat call. */
async function sendAgentTrace(encoding: 'protobuf' | 'json', gzip = false, serviceName = `agent-${encoding}`) {
  const otel = otelTracer(collector.url, { encoding, gzip, serviceName });
  const t0 = Date.now() - 5_000;
  const root = childSpan(otel.tracer, 'invoke_agent travel-planner', undefined, {
    [semconv.ATTR_GEN_AI_OPERATION_NAME]: 'invoke_agent',
    [semconv.ATTR_GEN_AI_AGENT_NAME]: 'travel-planner',
    [semconv.ATTR_GEN_AI_CONVERSATION_ID]: 'conv-42',
    'user.id': 'user-7',
  }, t0);
  const chat = childSpan(otel.tracer, 'chat gpt-4o', root, {
    [semconv.ATTR_GEN_AI_OPERATION_NAME]: 'chat',
    [semconv.ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
    [semconv.ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o',
    [semconv.ATTR_GEN_AI_RESPONSE_MODEL]: 'gpt-4o-2024-08-06',
    [semconv.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 812,
    [semconv.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 64,
    [semconv.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: 512,
    [semconv.ATTR_GEN_AI_SYSTEM_INSTRUCTIONS]: JSON.stringify([{ type: 'text', content: 'You plan trips.' }]),
    [semconv.ATTR_GEN_AI_INPUT_MESSAGES]: JSON.stringify([msg('user', 'Find me a flight to Lisbon on Friday')]),
    [semconv.ATTR_GEN_AI_OUTPUT_MESSAGES]: JSON.stringify([
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'search_flights', arguments: { to: 'LIS', day: 'Friday' } }], finish_reason: 'tool_call' },
    ]),
    [semconv.ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: ['tool_call'],
  }, t0 + 10);
  chat.end(t0 + 910);
  const tool = childSpan(otel.tracer, 'execute_tool search_flights', root, {
    [semconv.ATTR_GEN_AI_OPERATION_NAME]: 'execute_tool',
    [semconv.ATTR_GEN_AI_TOOL_NAME]: 'search_flights',
    [semconv.ATTR_GEN_AI_TOOL_CALL_ID]: 'call_1',
    [semconv.ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]: '{"to":"LIS","day":"Friday"}',
    [semconv.ATTR_GEN_AI_TOOL_CALL_RESULT]: '[{"flight":"TP1351","price":129}]',
  }, t0 + 920);
  tool.end(t0 + 1_120);
  const failed = childSpan(otel.tracer, 'chat gpt-4o-mini', root, {
    [semconv.ATTR_GEN_AI_OPERATION_NAME]: 'chat',
    [semconv.ATTR_GEN_AI_SYSTEM]: 'openai',
    [semconv.ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o-mini',
    [semconv.ATTR_GEN_AI_USAGE_PROMPT_TOKENS]: 40,
    [semconv.ATTR_GEN_AI_INPUT_MESSAGES]: JSON.stringify([msg('user', 'Summarise the flight options')]),
    [semconv.ATTR_ERROR_TYPE]: 'RateLimitError',
  }, t0 + 1_130);
  failed.setStatus({ code: SpanStatusCode.ERROR, message: '429 Rate limit reached for gpt-4o-mini' });
  failed.end(t0 + 1_400);
  root.end(t0 + 1_500);
  await otel.flush();
  await otel.shutdown();
  return {
    traceId: root.spanContext().traceId,
    ids: { root: root.spanContext().spanId, chat: chat.spanContext().spanId, tool: tool.spanContext().spanId, failed: failed.spanContext().spanId },
  };
}

async function checkAgentTrace(traceId: string, ids: Record<string, string>, serviceName: string) {
  const { status, body } = await getJson(`${collector.url}/api/traces/${traceId}?include=content`);
  assert.equal(status, 200);
  const { trace, spans } = body;
  // rollup
  assert.equal(trace.name, 'invoke_agent travel-planner');
  assert.equal(trace.status, 'error');
  assert.equal(trace.span_count, 4);
  assert.equal(trace.llm_count, 2);
  assert.equal(trace.tool_count, 1);
  assert.equal(trace.input_tokens, 852);
  assert.equal(trace.output_tokens, 64);
  assert.equal(trace.duration_ms, 1500);
  assert.deepEqual(trace.models, ['gpt-4o-2024-08-06', 'gpt-4o-mini']);
  assert.deepEqual(trace.services, [serviceName]);
  assert.equal(trace.user_id, 'user-7');
  assert.equal(trace.session_id, 'conv-42');
  assert.equal(trace.input, 'You plan trips.\nFind me a flight to Lisbon on Friday');
  // tree shape
  const byId = Object.fromEntries(spans.map((s: any) => [s.span_id, s]));
  assert.equal(byId[ids.root].parent_span_id, '');
  for (const child of [ids.chat, ids.tool, ids.failed]) assert.equal(byId[child].parent_span_id, ids.root);
  assert.deepEqual(spans.map((s: any) => s.span_id), [ids.root, ids.chat, ids.tool, ids.failed], 'ordered by start time');
  // the chat call
  const chat = byId[ids.chat];
  assert.equal(chat.type, 'generation');
  assert.equal(chat.model, 'gpt-4o-2024-08-06');
  assert.equal(chat.request_model, 'gpt-4o');
  assert.equal(chat.provider, 'openai');
  assert.equal(chat.input_tokens, 812);
  assert.equal(chat.cache_read_tokens, 512);
  assert.equal(chat.total_tokens, 876);
  assert.equal(chat.latency_ms, 900);
  assert.equal(chat.status, 'success');
  assert.deepEqual(chat.input_messages, [
    { role: 'system', content: 'You plan trips.' },
    { role: 'user', content: 'Find me a flight to Lisbon on Friday' },
  ]);
  assert.deepEqual(chat.output_messages[0].tool_calls, [{ id: 'call_1', name: 'search_flights', arguments: '{"to":"LIS","day":"Friday"}' }]);
  assert.equal(chat.service_name, serviceName);
  assert.equal(chat.span_attributes['gen_ai.request.model'], 'gpt-4o');
  assert.deepEqual(chat.mapping.dialects, ['otel-genai']);
  // the tool
  const tool = byId[ids.tool];
  assert.equal(tool.type, 'tool');
  assert.equal(tool.tool_name, 'search_flights');
  assert.equal(tool.input_text, '{"to":"LIS","day":"Friday"}');
  assert.equal(tool.output_text, '[{"flight":"TP1351","price":129}]');
  // the failure
  const failed = byId[ids.failed];
  assert.equal(failed.status, 'error');
  assert.equal(failed.error_type, 'RateLimitError');
  assert.equal(failed.error_message, '429 Rate limit reached for gpt-4o-mini');
  assert.equal(failed.input_tokens, 40);
  // the agent root
  assert.equal(byId[ids.root].type, 'agent');
  assert.equal(byId[ids.root].agent_name, 'travel-planner');

  const one = await getJson(`${collector.url}/api/spans/${ids.chat}`);
  assert.equal(one.status, 200);
  assert.equal(one.body.output_messages[0].finish_reason, 'tool_call');
  assert.equal(one.body.trace_id, traceId);
}

describe('OTLP/HTTP from real OpenTelemetry SDK exporters', () => {
  test('protobuf exporter: GenAI spans mapped, stored and read back', async () => {
    const { traceId, ids } = await sendAgentTrace('protobuf');
    await checkAgentTrace(traceId, ids, 'agent-protobuf');
  });

  test('JSON exporter: the same trace comes out the same', async () => {
    const { traceId, ids } = await sendAgentTrace('json');
    await checkAgentTrace(traceId, ids, 'agent-json');
  });

  test('gzip-compressed protobuf export', async () => {
    const { traceId, ids } = await sendAgentTrace('protobuf', true, 'agent-gzip');
    await checkAgentTrace(traceId, ids, 'agent-gzip');
  });

  test('trace list: newest first, filters and cursor', async () => {
    const all = await getJson(`${collector.url}/api/traces?service=agent-gzip`);
    assert.equal(all.status, 200);
    assert.equal(all.body.data.length, 1);
    assert.equal(all.body.data[0].service_name, undefined);
    const errors = await getJson(`${collector.url}/api/traces?status=error&model=gpt-4o-mini&limit=2`);
    assert.equal(errors.body.data.length, 2);
    assert.ok(errors.body.next_cursor);
    const rest = await getJson(`${collector.url}/api/traces?status=error&model=gpt-4o-mini&limit=2&cursor=${errors.body.next_cursor}`);
    assert.ok(rest.body.data.length >= 1);
    const seen = new Set([...errors.body.data, ...rest.body.data].map((t: any) => t.trace_id));
    assert.equal(seen.size, errors.body.data.length + rest.body.data.length, 'pages do not overlap');
    const slow = await getJson(`${collector.url}/api/traces?min_latency_ms=100000`);
    assert.equal(slow.body.data.length, 0);
    const bad = await getJson(`${collector.url}/api/traces?status=broken`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /status/);
    const badCursor = await getJson(`${collector.url}/api/traces?cursor=nonsense`);
    assert.equal(badCursor.status, 400);
    const unknown = await getJson(`${collector.url}/api/traces?colour=red`);
    assert.equal(unknown.status, 400);
    const missing = await getJson(`${collector.url}/api/traces/${'f'.repeat(32)}`);
    assert.equal(missing.status, 404);
    const notHex = await getJson(`${collector.url}/api/spans/xyz`);
    assert.equal(notHex.status, 400);
  });
});

/** A hand-written OTLP/JSON body, for cases no SDK will produce. */
function jsonSpan(traceId: string, spanId: string, name: string) {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    traceId,
    spanId,
    name,
    kind: 3,
    startTimeUnixNano: String(now - 2_000_000_000n),
    endTimeUnixNano: String(now - 1_000_000_000n),
    attributes: [
      { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
      { key: 'gen_ai.request.model', value: { stringValue: 'claude-sonnet-4' } },
      { key: 'gen_ai.provider.name', value: { stringValue: 'anthropic' } },
      { key: 'gen_ai.usage.input_tokens', value: { intValue: '21' } },
    ],
    status: { code: 1 },
  };
}
const body = (spans: object[]) => ({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'raw-json' } }] }, scopeSpans: [{ scope: { name: 'raw' }, spans }] }] });
const post = (payload: string | Buffer, headers: Record<string, string>) =>
  fetch(`${collector.url}/v1/traces`, { method: "POST", body: typeof payload === "string" ? payload : new Uint8Array(payload), headers });

describe('OTLP/HTTP error handling', () => {
  test('one span without a trace id: partial_success, the rest stored', async () => {
    const traceId = 'ab'.repeat(16);
    const res = await post(JSON.stringify(body([jsonSpan(traceId, '1'.repeat(16), 'good'), jsonSpan('', '2'.repeat(16), 'bad')])), { 'content-type': 'application/json' });
    assert.equal(res.status, 200);
    const answer = await res.json();
    assert.equal(answer.partialSuccess.rejectedSpans, '1');
    assert.match(answer.partialSuccess.errorMessage, /"bad" has an invalid trace id/);
    const stored = await getJson(`${collector.url}/api/traces/${traceId}`);
    assert.equal(stored.body.spans.length, 1);
    assert.equal(stored.body.spans[0].model, 'claude-sonnet-4');
  });

  test('the same batch sent twice is stored once', async () => {
    const traceId = 'cd'.repeat(16);
    const payload = JSON.stringify(body([jsonSpan(traceId, '3'.repeat(16), 'a'), jsonSpan(traceId, '4'.repeat(16), 'b')]));
    for (let i = 0; i < 2; i++) assert.equal((await post(payload, { 'content-type': 'application/json' })).status, 200);
    const stored = await getJson(`${collector.url}/api/traces/${traceId}`);
    assert.equal(stored.body.spans.length, 2);
    assert.equal(stored.body.trace.span_count, 2);
    assert.equal(stored.body.trace.input_tokens, 42);
  });

  test('gzip JSON body by hand', async () => {
    const traceId = 'ef'.repeat(16);
    const res = await post(gzipSync(JSON.stringify(body([jsonSpan(traceId, '5'.repeat(16), 'zipped')]))), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    assert.equal(res.status, 200);
    assert.equal((await getJson(`${collector.url}/api/traces/${traceId}`)).status, 200);
  });

  test('malformed protobuf: 400 with a google.rpc.Status body', async () => {
    const res = await post(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), { 'content-type': 'application/x-protobuf' });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('content-type'), 'application/x-protobuf');
    const text = Buffer.from(await res.arrayBuffer()).toString('utf8');
    assert.match(text, /invalid OTLP protobuf body/);
  });

  test('malformed JSON and a broken gzip stream: 400', async () => {
    const res = await post('{"resourceSpans": [', { 'content-type': 'application/json' });
    assert.equal(res.status, 400);
    assert.match((await res.json()).message, /invalid OTLP JSON/);
    const wrongShape = await post('{"resourceSpans": {"no": "array"}}', { 'content-type': 'application/json' });
    assert.equal(wrongShape.status, 400);
    const badGzip = await post(Buffer.from('not gzip at all'), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    assert.equal(badGzip.status, 400);
  });

  test('unknown content type: 415', async () => {
    const res = await post('hello', { 'content-type': 'text/plain' });
    assert.equal(res.status, 415);
    assert.match((await res.json()).message, /unsupported content type/);
  });

  test('body over the size limit: 413', async () => {
    const huge = JSON.stringify(body([{ ...jsonSpan('12'.repeat(16), '6'.repeat(16), 'x'), name: 'x'.repeat(300 * 1024) }]));
    const res = await post(huge, { 'content-type': 'application/json' });
    assert.equal(res.status, 413);
    assert.match((await res.json()).message, /larger than the limit/);
    // a gzip bomb is measured after decompression
    const bomb = gzipSync(huge);
    assert.ok(bomb.length < 256 * 1024);
    const bombed = await post(bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    assert.equal(bombed.status, 413);
  });
});

describe('durability', () => {
  test('a restart on the same data directory keeps the data', async () => {
    const before = await getJson(`${collector.url}/api/traces?limit=500`);
    assert.ok(before.body.data.length >= 6);
    await collector.close();
    collector = await startTestCollector(data.dir);
    const afterRestart = await getJson(`${collector.url}/api/traces?limit=500`);
    assert.deepEqual(afterRestart.body.data.map((t: any) => t.trace_id), before.body.data.map((t: any) => t.trace_id));
    const { traceId, ids } = await sendAgentTrace('protobuf', false, 'after-restart');
    await checkAgentTrace(traceId, ids, 'after-restart');
  });

  test('a batch re-sent after the restart (no memory of it) still reads once', async () => {
    const traceId = 'cd'.repeat(16);
    const payload = JSON.stringify(body([jsonSpan(traceId, '3'.repeat(16), 'a'), jsonSpan(traceId, '4'.repeat(16), 'b')]));
    assert.equal((await post(payload, { 'content-type': 'application/json' })).status, 200);
    const stored = await getJson(`${collector.url}/api/traces/${traceId}`);
    assert.equal(stored.body.spans.length, 2);
    assert.equal(stored.body.trace.span_count, 2);
    assert.equal(stored.body.trace.input_tokens, 42);
    const listed = await getJson(`${collector.url}/api/spans?trace_id=${traceId}`);
    assert.equal(listed.body.data.length, 2);
  });

  test('storage failure: 503 with Retry-After, and the process keeps serving', async () => {
    const traceId = '9a'.repeat(16);
    await collector.store.client.command({ query: 'RENAME TABLE spans TO spans_away' });
    try {
      const res = await post(JSON.stringify(body([jsonSpan(traceId, '7'.repeat(16), 'during-outage')])), { 'content-type': 'application/json' });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '5');
    } finally {
      await collector.store.client.command({ query: 'RENAME TABLE spans_away TO spans' });
    }
    // the exporter's retry now lands
    const retry = await post(JSON.stringify(body([jsonSpan(traceId, '7'.repeat(16), 'during-outage')])), { 'content-type': 'application/json' });
    assert.equal(retry.status, 200);
    assert.equal((await getJson(`${collector.url}/api/traces/${traceId}`)).body.spans.length, 1);
  });
});
