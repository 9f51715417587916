import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Attributes } from '../otlp.ts';
import { mapAttributes } from './testing.ts';

/** A pydantic-ai v5 agent-run span as Agent.instrument_all() writes it. */
const AGENT_RUN: Attributes = {
  model_name: 'gpt-4o',
  agent_name: 'support',
  'gen_ai.agent.name': 'support',
  'gen_ai.agent.call.id': 'run-1',
  'gen_ai.conversation.id': 'conv-1',
  'gen_ai.operation.name': 'invoke_agent',
  'logfire.msg': 'support run',
  final_result: 'Paris.',
  'pydantic_ai.all_messages': JSON.stringify([
    { role: 'user', parts: [{ type: 'text', content: 'Capital of France?' }] },
    { role: 'assistant', parts: [{ type: 'tool_call', id: 'c0', name: 'lookup', arguments: { q: 'France' } }] },
    { role: 'user', parts: [{ type: 'tool_call_response', id: 'c0', name: 'lookup', result: 'capital: Paris' }] },
    { role: 'assistant', parts: [{ type: 'text', content: 'Paris.' }], finish_reason: 'stop' },
  ]),
  'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'Be brief.' }]),
  'gen_ai.aggregated_usage.input_tokens': 40,
  'gen_ai.aggregated_usage.output_tokens': 9,
  'gen_ai.aggregated_usage.details.reasoning_tokens': 2,
  metadata: '{"tenant":"acme"}',
  'logfire.json_schema': '{"type":"object","properties":{"final_result":{"type":"object"}}}',
};

test('pydantic-ai agent run: all_messages and instructions in, final_result out, aggregated usage', () => {
  const out = mapAttributes(AGENT_RUN, { name: 'invoke_agent support' });
  assert.equal(out.type, 'agent');
  assert.equal(out.agent_name, 'support');
  assert.equal(out.model, 'gpt-4o');
  assert.equal(out.session_id, 'conv-1');
  assert.deepEqual(out.input_messages, [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Capital of France?' },
    { role: 'assistant', content: '', tool_calls: [{ id: 'c0', name: 'lookup', arguments: '{"q":"France"}' }] },
    { role: 'user', content: 'capital: Paris', tool_call_id: 'c0' },
  ]);
  assert.deepEqual(out.output_messages, [{ role: 'assistant', content: 'Paris.' }]);
  assert.deepEqual([out.input_tokens, out.output_tokens, out.reasoning_tokens], [40, 9, 2]);
  assert.deepEqual(out.metadata, { tenant: 'acme' });
  assert.deepEqual(out.mapping.dialects, ['otel-genai', 'logfire']);
  // Not claimed by any dialect yet: pydantic-ai's run id.
  assert.deepEqual(out.mapping.unmapped, ['gen_ai.agent.call.id']);
});

test('aggregated usage only fills in when the span has no gen_ai.usage.*', () => {
  const out = mapAttributes({ ...AGENT_RUN, 'gen_ai.usage.input_tokens': 7, 'gen_ai.usage.output_tokens': 1 });
  assert.deepEqual([out.input_tokens, out.output_tokens], [7, 1]);
});

test('structured final_result is kept as JSON; no-model is not a model', () => {
  const out = mapAttributes({
    ...AGENT_RUN,
    model_name: 'no-model',
    final_result: '{"city": "Paris", "country": "France"}',
  });
  assert.equal(out.model, '');
  assert.equal(out.output_text, '{"city": "Paris", "country": "France"}');
});

test('chat span: operation.cost is the client cost; logfire.tags become tags', () => {
  const out = mapAttributes({
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.system': 'openai',
    'gen_ai.request.model': 'gpt-4o',
    'gen_ai.usage.input_tokens': 12,
    'gen_ai.usage.output_tokens': 3,
    'operation.cost': 0.00006,
    'logfire.tags': ['prod', 'support'],
    'logfire.msg': 'chat gpt-4o',
    'logfire.span_type': 'span',
  });
  assert.equal(out.type, 'generation');
  assert.equal(out.cost_usd, 0.00006);
  assert.equal(out.cost_source, 'client');
  assert.deepEqual(out.tags, ['prod', 'support']);
  assert.deepEqual(out.mapping.unmapped, []);
});

test('Logfire OpenAI instrumentation: request_data/response_data as the fallback', () => {
  const out = mapAttributes({
    'gen_ai.system': 'openai',
    'logfire.msg_template': 'Chat Completion with {request_data[model]!r}',
    'logfire.msg': "Chat Completion with 'gpt-4o-mini'",
    'logfire.span_type': 'span',
    request_data: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Capital of France?' }] }),
    response_data: JSON.stringify({
      message: { role: 'assistant', content: 'Paris.', tool_calls: null },
      usage: { prompt_tokens: 14, completion_tokens: 2, total_tokens: 16 },
    }),
  });
  assert.equal(out.type, 'generation');
  assert.equal(out.model, 'gpt-4o-mini');
  assert.equal(out.request_model, 'gpt-4o-mini');
  assert.equal(out.provider, 'openai');
  assert.equal(out.input_text, 'Be brief.\nCapital of France?');
  assert.deepEqual(out.output_messages, [{ role: 'assistant', content: 'Paris.' }]);
  assert.deepEqual([out.input_tokens, out.output_tokens, out.total_tokens], [14, 2, 16]);
  assert.deepEqual(out.mapping.unmapped, []);

  const streamed = mapAttributes({
    request_data: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] },
    response_data: { combined_chunk_content: 'Hello!', chunk_count: 3 },
  });
  assert.equal(streamed.output_text, 'Hello!');
  assert.equal(streamed.model, 'gpt-4o-mini');
});

test('pydantic-ai chat span: model_request_parameters is understood (kept as an attribute)', () => {
  // As open_model_request_span writes it, exported through Logfire or a plain OTel SDK.
  const out = mapAttributes({
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.system': 'openai',
    'gen_ai.request.model': 'gpt-4o',
    model_request_parameters: '{"function_tools":[],"output_mode":"text","output_tools":[],"allow_text_output":true}',
  });
  assert.equal(out.type, 'generation');
  assert.deepEqual(out.mapping.unmapped, []);
  assert.equal(out.span_attributes.model_request_parameters.includes('function_tools'), true);
});

test('pydantic-ai instrumentation v2 tool span: tool_arguments in, tool_response out', () => {
  const out = mapAttributes({
    'gen_ai.tool.name': 'get_weather',
    'gen_ai.tool.call.id': 'call_7',
    tool_arguments: '{"city":"Lisbon"}',
    tool_response: '21 degrees',
    'logfire.msg': 'running tool: get_weather',
  }, { name: 'running tool' });
  assert.equal(out.type, 'tool');
  assert.deepEqual(out.input_messages, [{ role: 'tool', content: '{"city":"Lisbon"}', tool_call_id: 'call_7' }]);
  assert.deepEqual(out.output_messages, [{ role: 'tool', content: '21 degrees', tool_call_id: 'call_7' }]);
  assert.deepEqual(out.mapping.unmapped, []);
  // without a tool name, `tool_arguments` is somebody else's generic attribute
  assert.deepEqual(mapAttributes({ tool_arguments: '{}' }).mapping.unmapped, ['tool_arguments']);
});

test('an older pydantic-ai "agent run" span (no operation name, usage on the span) is an agent, not a generation', () => {
  const out = mapAttributes(
    { model_name: 'gpt-4o', agent_name: 'support', 'logfire.msg': 'support run', 'gen_ai.usage.input_tokens': 30, final_result: 'Paris.' },
    { name: 'agent run' },
  );
  assert.equal(out.type, 'agent');
  assert.equal(out.agent_name, 'support');
  assert.equal(out.input_tokens, 30);
});
