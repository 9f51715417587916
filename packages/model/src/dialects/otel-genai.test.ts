import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapSpan } from '../map-span.ts';
import type { Attributes, OtlpEvent, OtlpSpan } from '../otlp.ts';

function span(attributes: Attributes, extra: Partial<OtlpSpan> = {}): OtlpSpan {
  return {
    traceId: 'a'.repeat(32),
    spanId: 'b'.repeat(16),
    parentSpanId: '',
    name: 'chat gpt-4o',
    kind: 3,
    startTimeUs: 1_700_000_000_000_000,
    endTimeUs: 1_700_000_001_250_000,
    attributes,
    events: [],
    links: [],
    status: { code: 0, message: '' },
    ...extra,
  };
}
const map = (s: OtlpSpan) => mapSpan({ span: s, resource: { 'service.name': 'svc' }, scope: { name: 'test', version: '' }, tenantId: 't1' });

test('current conventions: model, provider, tokens, messages and system instructions', () => {
  const out = map(
    span({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.usage.input_tokens': 120,
      'gen_ai.usage.output_tokens': 30,
      'gen_ai.usage.cache_read.input_tokens': 100,
      'gen_ai.usage.reasoning.output_tokens': 5,
      'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'Be brief.' }]),
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] }]),
      'gen_ai.output.messages': JSON.stringify([
        { role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'get_weather', arguments: { city: 'Paris' } }], finish_reason: 'tool_call' },
      ]),
      'gen_ai.request.temperature': 0.2,
      'http.url': 'https://api.openai.com',
    }),
  );
  assert.equal(out.type, 'generation');
  assert.equal(out.model, 'gpt-4o-2024-08-06');
  assert.equal(out.request_model, 'gpt-4o');
  assert.equal(out.provider, 'openai');
  assert.equal(out.input_tokens, 120);
  assert.equal(out.output_tokens, 30);
  assert.equal(out.total_tokens, 150);
  assert.equal(out.cache_read_tokens, 100);
  assert.equal(out.reasoning_tokens, 5);
  assert.deepEqual(out.input_messages, [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Weather in Paris?' },
  ]);
  assert.equal(out.output_messages[0].tool_calls?.[0].name, 'get_weather');
  assert.equal(out.output_messages[0].finish_reason, 'tool_call');
  assert.match(out.output_text, /get_weather\(\{"city":"Paris"\}\)/);
  assert.equal(out.latency_ms, 1250);
  assert.equal(out.service_name, 'svc');
  assert.deepEqual(out.mapping.dialects, ['otel-genai']);
  assert.deepEqual(out.mapping.unmapped, ['http.url']);
  assert.equal(out.span_attributes['gen_ai.usage.input_tokens'], '120');
});

test('older conventions: gen_ai.system, prompt/completion tokens and content events', () => {
  const events: OtlpEvent[] = [
    { name: 'gen_ai.content.prompt', timeUs: 1, attributes: { 'gen_ai.prompt': JSON.stringify([{ role: 'user', content: 'Hello' }]) } },
    { name: 'gen_ai.content.completion', timeUs: 2, attributes: { 'gen_ai.completion': JSON.stringify([{ role: 'assistant', content: 'Hi!' }]) } },
  ];
  const out = map(
    span(
      {
        'gen_ai.system': 'Anthropic',
        'gen_ai.request.model': 'claude-3-5-sonnet',
        'gen_ai.usage.prompt_tokens': 10,
        'gen_ai.usage.completion_tokens': 3,
      },
      { events },
    ),
  );
  assert.equal(out.provider, 'anthropic');
  assert.equal(out.model, 'claude-3-5-sonnet');
  assert.equal(out.input_tokens, 10);
  assert.equal(out.output_tokens, 3);
  assert.equal(out.input_text, 'Hello');
  assert.equal(out.output_text, 'Hi!');
  assert.equal(out.type, 'generation');
});

test('legacy gen_ai.prompt / gen_ai.completion attributes', () => {
  const out = map(span({ 'gen_ai.prompt': 'plain prompt', 'gen_ai.completion': 'plain answer', 'gen_ai.request.model': 'm' }));
  assert.equal(out.input_text, 'plain prompt');
  assert.equal(out.output_text, 'plain answer');
});

test('per-message span events (v1.28 style) become messages', () => {
  const events: OtlpEvent[] = [
    { name: 'gen_ai.system.message', timeUs: 1, attributes: { content: 'You are terse.' } },
    { name: 'gen_ai.user.message', timeUs: 2, attributes: { content: 'Ping?' } },
    { name: 'gen_ai.choice', timeUs: 3, attributes: { index: 0, finish_reason: 'stop', message: JSON.stringify({ content: 'Pong.' }) } },
  ];
  const out = map(span({ 'gen_ai.request.model': 'gpt-4o-mini' }, { events }));
  assert.deepEqual(out.input_messages.map((m) => m.role), ['system', 'user']);
  assert.equal(out.output_messages[0].content, 'Pong.');
  assert.equal(out.output_messages[0].finish_reason, 'stop');
});

test('a gen_ai.tool.message event: its id is the tool call it answers', () => {
  // As @opentelemetry/instrumentation-openai emits it (there as a log record, read the same way).
  const events: OtlpEvent[] = [
    { name: 'gen_ai.assistant.message', timeUs: 1, attributes: { tool_calls: JSON.stringify([{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }]) } },
    { name: 'gen_ai.tool.message', timeUs: 2, attributes: { id: 'call_1', content: '{"temp":21}' } },
  ];
  const out = map(span({ 'gen_ai.request.model': 'gpt-4o' }, { events }));
  assert.deepEqual(out.input_messages[1], { role: 'tool', content: '{"temp":21}', tool_call_id: 'call_1' });
  assert.equal(out.input_messages[0].tool_calls?.[0].id, 'call_1');
});

test('tool and agent spans', () => {
  const tool = map(
    span({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'get_weather',
      'gen_ai.tool.call.id': 'c1',
      'gen_ai.tool.call.arguments': '{"city":"Paris"}',
      'gen_ai.tool.call.result': '{"temp":21}',
    }),
  );
  assert.equal(tool.type, 'tool');
  assert.equal(tool.tool_name, 'get_weather');
  assert.equal(tool.input_text, '{"city":"Paris"}');
  assert.equal(tool.output_text, '{"temp":21}');
  // read into the messages, the content is not kept again as raw attributes
  assert.equal(tool.span_attributes['gen_ai.tool.call.arguments'], undefined);
  assert.equal(tool.span_attributes['gen_ai.tool.call.result'], undefined);
  assert.equal(tool.span_attributes['gen_ai.tool.call.id'], 'c1');
  const agent = map(span({ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner' }));
  assert.equal(agent.type, 'agent');
  assert.equal(agent.agent_name, 'planner');
});

test('errors and timeouts', () => {
  const failed = map(span({ 'gen_ai.request.model': 'm', 'error.type': 'RateLimitError' }, { status: { code: 2, message: '429 Too Many Requests' } }));
  assert.equal(failed.status, 'error');
  assert.equal(failed.error_type, 'RateLimitError');
  assert.equal(failed.error_message, '429 Too Many Requests');
  const timeout = map(span({ 'error.type': 'APIConnectionTimeoutError' }, { status: { code: 2, message: '' } }));
  assert.equal(timeout.status, 'timeout');
  const fromException = map(
    span({}, { status: { code: 2, message: '' }, events: [{ name: 'exception', timeUs: 1, attributes: { 'exception.type': 'Boom', 'exception.message': 'it broke' } }] }),
  );
  assert.equal(fromException.status, 'error');
  assert.equal(fromException.error_message, 'it broke');
  const ok = map(span({}));
  assert.equal(ok.status, 'success');
  assert.equal(ok.type, 'span');
});

test('huge values are truncated with a flag, not rejected', () => {
  const out = map(span({ 'gen_ai.input.messages': JSON.stringify([{ role: 'user', content: 'x'.repeat(1_200_000) }]) }));
  assert.equal(out.truncated, true);
  assert.equal(out.input_text.length, 1_000_000);
  assert.equal(out.input_messages[0].content.length, 1_000_000);
});

test("the gateway's own record attributes are kept, and not listed as keys no dialect understood", () => {
  const out = map(span({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o', 'spanhouse.gateway.attempts': 2, 'spanhouse.gateway.target': 'openai/gpt-4o', 'http.url': 'https://x' }));
  assert.deepEqual(out.mapping.unmapped, ['http.url']);
  assert.equal(out.span_attributes['spanhouse.gateway.attempts'], '2');
  assert.equal(out.span_attributes['spanhouse.gateway.target'], 'openai/gpt-4o');
});
