// Dialects with no Node library: OTLP/JSON payloads written the way Pydantic Logfire and
// pydantic-ai (instrumentation v5 by default, v2 for the legacy names) export them, from their
// documented attribute names and source (pydantic_ai/_instrumentation.py, _tool_manager.py;
// Logfire's instrument_openai). Posted to /v1/traces and read back through the REST API.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningCollector } from '@spanhouse/collector';
import { getJson, startTestCollector, tempDataDir } from '../support/collector.ts';
import { readTrace } from '../support/library.ts';

const data = tempDataDir('dialect-recorded');
let collector: RunningCollector;
before(async () => {
  collector = await startTestCollector(data.dir);
});
after(async () => {
  await collector?.close();
  data.remove();
});

type Plain = string | number | boolean | string[];
/** OTLP/JSON AnyValue for the attribute types Python SDKs send. */
function anyValue(value: Plain): object {
  if (Array.isArray(value)) return { arrayValue: { values: value.map((v) => ({ stringValue: v })) } };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
}
const attributes = (attrs: Record<string, Plain>) => Object.entries(attrs).map(([key, value]) => ({ key, value: anyValue(value) }));

const T0 = BigInt(Date.now() - 60_000) * 1_000_000n;
const at = (ms: number) => String(T0 + BigInt(ms) * 1_000_000n);

interface RecordedSpan {
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startMs: number;
  endMs: number;
  attrs: Record<string, Plain>;
  status?: { code: number; message?: string };
  events?: Array<{ name: string; ms: number; attrs: Record<string, Plain> }>;
}

/** One resource (a Python service exporting through Logfire) with one scope. */
function payload(traceId: string, scope: string, spans: RecordedSpan[]) {
  return {
    resourceSpans: [
      {
        resource: { attributes: attributes({ 'service.name': 'weather-service', 'telemetry.sdk.language': 'python', 'telemetry.sdk.name': 'opentelemetry' }) },
        scopeSpans: [
          {
            scope: { name: scope },
            spans: spans.map((s) => ({
              traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId ?? '',
              name: s.name,
              kind: s.kind,
              startTimeUnixNano: at(s.startMs),
              endTimeUnixNano: at(s.endMs),
              attributes: attributes(s.attrs),
              events: (s.events ?? []).map((e) => ({ name: e.name, timeUnixNano: at(e.ms), attributes: attributes(e.attrs) })),
              status: s.status ?? { code: 0 },
            })),
          },
        ],
      },
    ],
  };
}

async function post(body: object) {
  const res = await fetch(`${collector.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200);
  const answer = await res.json();
  assert.equal(answer.partialSuccess?.rejectedSpans ?? '0', '0', JSON.stringify(answer));
}

const INTERNAL = 1;
const CLIENT = 3;
const text = (content: string) => ({ type: 'text', content });
/** Baggage pydantic-ai copies onto every span of an agent run. */
const RUN_BAGGAGE = { 'gen_ai.agent.name': 'weather_agent', 'gen_ai.agent.call.id': 'run-42', 'gen_ai.conversation.id': 'conv-77' };
const TOOL_CALL = { type: 'tool_call', id: 'call_w1', name: 'get_weather', arguments: { city: 'Lisbon' } };
const INSTRUCTIONS = JSON.stringify([text('You report the weather.')]);

describe('pydantic-ai (instrumentation v5) through Logfire', () => {
  const traceId = '5a'.repeat(16);
  const ids = { root: '1000000000000001', chat1: '1000000000000002', tool: '1000000000000003', chat2: '1000000000000004' };

  before(() =>
    post(
      payload(traceId, 'pydantic-ai', [
        {
          spanId: ids.root,
          name: 'invoke_agent weather_agent',
          kind: INTERNAL,
          startMs: 0,
          endMs: 2_000,
          attrs: {
            ...RUN_BAGGAGE,
            model_name: 'gpt-4o',
            agent_name: 'weather_agent',
            'gen_ai.operation.name': 'invoke_agent',
            'logfire.msg': 'weather_agent run',
            'logfire.span_type': 'span',
            'logfire.tags': ['demo'],
            'gen_ai.system_instructions': INSTRUCTIONS,
            'pydantic_ai.all_messages': JSON.stringify([
              { role: 'user', parts: [text('Weather in Lisbon?')] },
              { role: 'assistant', parts: [TOOL_CALL] },
              { role: 'user', parts: [{ type: 'tool_call_response', id: 'call_w1', name: 'get_weather', result: '21 degrees, sunny' }] },
              { role: 'assistant', parts: [text('It is 21 degrees and sunny in Lisbon.')], finish_reason: 'stop' },
            ]),
            final_result: 'It is 21 degrees and sunny in Lisbon.',
            'gen_ai.aggregated_usage.input_tokens': 95,
            'gen_ai.aggregated_usage.output_tokens': 30,
            metadata: '{"tenant":"acme"}',
            'logfire.json_schema': '{"type":"object","properties":{"pydantic_ai.all_messages":{"type":"array"},"final_result":{"type":"object"}}}',
          },
        },
        {
          spanId: ids.chat1,
          parentSpanId: ids.root,
          name: 'chat gpt-4o',
          kind: CLIENT,
          startMs: 10,
          endMs: 800,
          attrs: {
            ...RUN_BAGGAGE,
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': 'openai',
            'gen_ai.system': 'openai',
            'gen_ai.request.model': 'gpt-4o',
            'server.address': 'api.openai.com',
            'server.port': 443,
            model_request_parameters: '{"function_tools":[{"name":"get_weather","parameters_json_schema":{"type":"object"}}],"output_mode":"text","allow_text_output":true}',
            'gen_ai.tool.definitions': '[{"type":"function","name":"get_weather","parameters":{"type":"object"}}]',
            'gen_ai.request.temperature': 0.2,
            'logfire.json_schema': '{"type":"object","properties":{"model_request_parameters":{"type":"object"}}}',
            'logfire.span_type': 'span',
            'logfire.msg': 'chat gpt-4o',
            'gen_ai.system_instructions': INSTRUCTIONS,
            'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [text('Weather in Lisbon?')] }]),
            'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [TOOL_CALL], finish_reason: 'tool_call' }]),
            'gen_ai.usage.input_tokens': 40,
            'gen_ai.usage.output_tokens': 12,
            'gen_ai.response.model': 'gpt-4o-2024-08-06',
            'gen_ai.response.id': 'chatcmpl-abc',
            'gen_ai.response.finish_reasons': ['tool_call'],
            'operation.cost': 0.00022,
          },
        },
        {
          spanId: ids.tool,
          parentSpanId: ids.root,
          name: 'execute_tool get_weather',
          kind: INTERNAL,
          startMs: 810,
          endMs: 900,
          attrs: {
            ...RUN_BAGGAGE,
            'gen_ai.tool.name': 'get_weather',
            'gen_ai.tool.call.id': 'call_w1',
            'gen_ai.tool.call.arguments': '{"city":"Lisbon"}',
            'gen_ai.tool.call.result': '21 degrees, sunny',
            'logfire.msg': 'running tool: get_weather',
            'logfire.json_schema': '{"type":"object","properties":{"gen_ai.tool.call.arguments":{"type":"object"},"gen_ai.tool.call.result":{"type":"object"},"gen_ai.tool.name":{},"gen_ai.tool.call.id":{}}}',
          },
        },
        {
          spanId: ids.chat2,
          parentSpanId: ids.root,
          name: 'chat gpt-4o',
          kind: CLIENT,
          startMs: 910,
          endMs: 1_900,
          attrs: {
            ...RUN_BAGGAGE,
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': 'openai',
            'gen_ai.system': 'openai',
            'gen_ai.request.model': 'gpt-4o',
            model_request_parameters: '{"function_tools":[],"output_mode":"text","allow_text_output":true}',
            'logfire.span_type': 'span',
            'logfire.msg': 'chat gpt-4o',
            'gen_ai.input.messages': JSON.stringify([
              { role: 'user', parts: [text('Weather in Lisbon?')] },
              { role: 'assistant', parts: [TOOL_CALL] },
              { role: 'user', parts: [{ type: 'tool_call_response', id: 'call_w1', name: 'get_weather', result: '21 degrees, sunny' }] },
            ]),
            'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [text('It is 21 degrees and sunny in Lisbon.')], finish_reason: 'stop' }]),
            'gen_ai.usage.input_tokens': 55,
            'gen_ai.usage.output_tokens': 18,
            'gen_ai.response.model': 'gpt-4o-2024-08-06',
            'gen_ai.response.finish_reasons': ['stop'],
            'gen_ai.client.operation.time_to_first_chunk': 0.35,
            'operation.cost': 0.00031,
          },
        },
      ]),
    ),
  );

  test('the agent run span: all messages in, final result out, aggregated usage', async () => {
    const { spans } = await readTrace(collector.url, traceId);
    const root = spans.find((s: any) => s.span_id === ids.root);
    assert.equal(root.type, 'agent');
    assert.equal(root.agent_name, 'weather_agent');
    assert.equal(root.model, 'gpt-4o');
    assert.equal(root.session_id, 'conv-77');
    assert.deepEqual(root.input_messages, [
      { role: 'system', content: 'You report the weather.' },
      { role: 'user', content: 'Weather in Lisbon?' },
      { role: 'assistant', content: '', tool_calls: [{ id: 'call_w1', name: 'get_weather', arguments: '{"city":"Lisbon"}' }] },
      { role: 'user', content: '21 degrees, sunny', tool_call_id: 'call_w1' },
    ]);
    assert.equal(root.output_text, 'It is 21 degrees and sunny in Lisbon.');
    assert.deepEqual([root.input_tokens, root.output_tokens], [95, 30]);
    assert.deepEqual(root.tags, ['demo']);
    assert.deepEqual(root.metadata, { tenant: 'acme' });
    assert.deepEqual(root.mapping.dialects, ['otel-genai', 'logfire']);
    assert.deepEqual(root.mapping.unmapped, ['gen_ai.agent.call.id'], 'the run id is the one documented gap');
  });

  test('chat spans: models, provider, usage, client cost, messages, time to first chunk', async () => {
    const { spans } = await readTrace(collector.url, traceId);
    const [chat1, chat2] = [ids.chat1, ids.chat2].map((id) => spans.find((s: any) => s.span_id === id));
    for (const chat of [chat1, chat2]) {
      assert.equal(chat.type, 'generation');
      assert.equal(chat.kind, 'client');
      assert.equal(chat.parent_span_id, ids.root);
      assert.equal(chat.model, 'gpt-4o-2024-08-06');
      assert.equal(chat.request_model, 'gpt-4o');
      assert.equal(chat.provider, 'openai');
      assert.equal(chat.cost_source, 'client');
      assert.equal(chat.agent_name, 'weather_agent');
      assert.deepEqual(chat.mapping.unmapped, ['gen_ai.agent.call.id']);
    }
    assert.deepEqual([chat1.input_tokens, chat1.output_tokens, chat1.cost_usd], [40, 12, 0.00022]);
    assert.deepEqual(chat1.input_messages, [
      { role: 'system', content: 'You report the weather.' },
      { role: 'user', content: 'Weather in Lisbon?' },
    ]);
    assert.deepEqual(chat1.output_messages[0].tool_calls, [{ id: 'call_w1', name: 'get_weather', arguments: '{"city":"Lisbon"}' }]);
    assert.deepEqual(chat1.finish_reasons, ['tool_call']);
    assert.equal(chat1.ttft_ms, null);
    assert.deepEqual([chat2.input_tokens, chat2.output_tokens, chat2.cost_usd], [55, 18, 0.00031]);
    assert.equal(chat2.input_messages[2].tool_call_id, 'call_w1');
    assert.equal(chat2.output_text, 'It is 21 degrees and sunny in Lisbon.');
    assert.equal(chat2.ttft_ms, 350, 'seconds on the wire, milliseconds stored');
  });

  test('the tool span and the trace rollup', async () => {
    const { trace, spans } = await readTrace(collector.url, traceId);
    const tool = spans.find((s: any) => s.span_id === ids.tool);
    assert.equal(tool.type, 'tool');
    assert.equal(tool.tool_name, 'get_weather');
    assert.equal(tool.tool_call_id, 'call_w1');
    assert.equal(tool.input_text, '{"city":"Lisbon"}');
    assert.equal(tool.output_text, '21 degrees, sunny');

    assert.equal(trace.name, 'invoke_agent weather_agent');
    assert.equal(trace.span_count, 4);
    assert.equal(trace.llm_count, 2);
    assert.equal(trace.tool_count, 1);
    // the agent span's aggregated usage is not counted a second time
    assert.equal(trace.input_tokens, 95);
    assert.equal(trace.output_tokens, 30);
    assert.ok(Math.abs(trace.cost_usd - 0.00053) < 1e-12, `cost ${trace.cost_usd}`);
    assert.equal(trace.session_id, 'conv-77');
    assert.deepEqual(trace.services, ['weather-service']);
  });
});

describe('pydantic-ai failures', () => {
  test('a rate-limited chat call: error status, exception type and message, on the span and the agent run', async () => {
    const traceId = '5b'.repeat(16);
    const failure = { code: 2, message: "status_code: 429, model_name: gpt-4o, body: {'message': 'Rate limit reached'}" };
    const exception = { name: 'exception', ms: 300, attrs: { 'exception.type': 'pydantic_ai.exceptions.ModelHTTPError', 'exception.message': failure.message, 'exception.escaped': 'True' } };
    await post(
      payload(traceId, 'pydantic-ai', [
        {
          spanId: '2000000000000001',
          name: 'invoke_agent weather_agent',
          kind: INTERNAL,
          startMs: 0,
          endMs: 320,
          attrs: { ...RUN_BAGGAGE, agent_name: 'weather_agent', model_name: 'gpt-4o', 'gen_ai.operation.name': 'invoke_agent', 'logfire.msg': 'weather_agent run', 'logfire.level_num': 17 },
          status: failure,
          events: [exception],
        },
        {
          spanId: '2000000000000002',
          parentSpanId: '2000000000000001',
          name: 'chat gpt-4o',
          kind: CLIENT,
          startMs: 5,
          endMs: 300,
          attrs: {
            ...RUN_BAGGAGE,
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': 'openai',
            'gen_ai.system': 'openai',
            'gen_ai.request.model': 'gpt-4o',
            'logfire.msg': 'chat gpt-4o',
            'logfire.level_num': 17,
            'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [text('Weather in Lisbon?')] }]),
          },
          status: failure,
          events: [exception],
        },
      ]),
    );
    const { trace, spans } = await readTrace(collector.url, traceId);
    for (const span of spans) {
      assert.equal(span.status, 'error');
      assert.equal(span.error_type, 'pydantic_ai.exceptions.ModelHTTPError');
      assert.equal(span.error_message, failure.message);
    }
    const chat = spans.find((s: any) => s.parent_span_id !== '');
    assert.equal(chat.input_text, 'Weather in Lisbon?');
    assert.equal(chat.input_tokens, 0);
    assert.equal(trace.status, 'error');
    assert.equal(trace.error_count, 2);
  });
});

describe('older pydantic-ai releases (instrumentation v2 names)', () => {
  test('"agent run" with usage and no operation name, a chat call, and "running tool" with tool_arguments/tool_response', async () => {
    const traceId = '5c'.repeat(16);
    const usage = { 'gen_ai.usage.input_tokens': 30, 'gen_ai.usage.output_tokens': 5 };
    await post(
      payload(traceId, 'pydantic-ai', [
        {
          spanId: '3000000000000001',
          name: 'agent run',
          kind: INTERNAL,
          startMs: 0,
          endMs: 500,
          // the run's usage sits on the agent span under the gen_ai.usage names
          attrs: { model_name: 'gpt-4o', agent_name: 'weather_agent', 'logfire.msg': 'weather_agent run', 'logfire.span_type': 'span', ...usage, final_result: 'Sunny.' },
        },
        {
          spanId: '3000000000000002',
          parentSpanId: '3000000000000001',
          name: 'chat gpt-4o',
          kind: CLIENT,
          startMs: 10,
          endMs: 90,
          attrs: { 'gen_ai.operation.name': 'chat', 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o', 'logfire.msg': 'chat gpt-4o', ...usage },
        },
        {
          spanId: '3000000000000003',
          parentSpanId: '3000000000000001',
          name: 'running tool',
          kind: INTERNAL,
          startMs: 100,
          endMs: 200,
          attrs: {
            'gen_ai.tool.name': 'get_weather',
            'gen_ai.tool.call.id': 'call_v2',
            tool_arguments: '{"city":"Lisbon"}',
            tool_response: 'Sunny.',
            'logfire.msg': 'running tool: get_weather',
            'logfire.json_schema': '{"type":"object","properties":{"tool_arguments":{"type":"object"},"tool_response":{"type":"object"},"gen_ai.tool.name":{},"gen_ai.tool.call.id":{}}}',
          },
        },
      ]),
    );
    const { trace, spans } = await readTrace(collector.url, traceId);
    const [root, , tool] = spans;
    assert.equal(root.type, 'agent', 'agent_name marks the agent run: not a second generation');
    assert.equal(root.agent_name, 'weather_agent');
    assert.equal(root.output_text, 'Sunny.');
    assert.equal(tool.type, 'tool');
    assert.equal(tool.tool_name, 'get_weather');
    assert.deepEqual(tool.input_messages, [{ role: 'tool', content: '{"city":"Lisbon"}', tool_call_id: 'call_v2' }]);
    assert.equal(tool.output_text, 'Sunny.');
    assert.deepEqual(tool.mapping.unmapped, []);
    // usage counted once, on the chat call
    assert.equal(trace.llm_count, 1);
    assert.equal(trace.input_tokens, 30);
  });
});

describe("Logfire's OpenAI instrumentation (logfire.instrument_openai)", () => {
  test('request_data/response_data: model, messages, usage; streamed: the combined chunk content', async () => {
    const traceId = '5d'.repeat(16);
    const logfireAttrs = (model: string) => ({
      'logfire.msg_template': 'Chat Completion with {request_data[model]!r}',
      'logfire.msg': `Chat Completion with '${model}'`,
      'logfire.span_type': 'span',
      'logfire.tags': ['LLM'],
      'gen_ai.system': 'openai',
      request_data: JSON.stringify({
        model,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Capital of France?' },
        ],
      }),
    });
    await post(
      payload(traceId, 'logfire.openai', [
        {
          spanId: '4000000000000001',
          name: 'Chat Completion with {request_data[model]!r}',
          kind: INTERNAL,
          startMs: 0,
          endMs: 400,
          attrs: {
            ...logfireAttrs('gpt-4o-mini'),
            response_data: JSON.stringify({
              message: { role: 'assistant', content: 'Paris.', tool_calls: null },
              usage: { prompt_tokens: 14, completion_tokens: 2, total_tokens: 16 },
            }),
          },
        },
        {
          spanId: '4000000000000002',
          name: 'streaming response from {request_data[model]!r} took {duration:.2f}s',
          kind: INTERNAL,
          startMs: 500,
          endMs: 900,
          attrs: { ...logfireAttrs('gpt-4o'), response_data: JSON.stringify({ combined_chunk_content: 'Paris!', chunk_count: 3 }), duration: 0.4 },
        },
      ]),
    );
    const { spans } = await readTrace(collector.url, traceId);
    const [plain, streamed] = spans;
    for (const span of [plain, streamed]) {
      assert.equal(span.type, 'generation');
      assert.equal(span.provider, 'openai');
      assert.equal(span.input_text, 'Be brief.\nCapital of France?');
      assert.deepEqual(span.tags, ['LLM']);
      assert.equal(span.scope_name, 'logfire.openai');
    }
    assert.equal(plain.model, 'gpt-4o-mini');
    assert.deepEqual([plain.input_tokens, plain.output_tokens, plain.total_tokens], [14, 2, 16]);
    assert.deepEqual(plain.output_messages, [{ role: 'assistant', content: 'Paris.' }]);
    assert.deepEqual(plain.mapping.unmapped, []);
    assert.equal(streamed.model, 'gpt-4o');
    assert.equal(streamed.output_text, 'Paris!');
    // Logfire's template fields are kept but not modelled
    assert.deepEqual(streamed.mapping.unmapped, ['duration']);

    const one = await getJson(`${collector.url}/api/spans/4000000000000001`);
    assert.equal(one.status, 200);
    assert.equal(one.body.span_attributes['logfire.msg'], "Chat Completion with 'gpt-4o-mini'");
  });
});
