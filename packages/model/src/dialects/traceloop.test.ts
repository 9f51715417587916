import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Attributes } from '../otlp.ts';
import { mapAttributes } from './testing.ts';

test('legacy LLM span: flattened prompt/completion with tool calls, usage, association properties', () => {
  const out = mapAttributes(
    {
      'llm.request.type': 'chat',
      'gen_ai.system': 'OpenAI',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.usage.prompt_tokens': 120,
      'gen_ai.usage.completion_tokens': 30,
      'gen_ai.usage.cache_read_input_tokens': 100,
      'llm.usage.total_tokens': 150,
      'llm.usage.reasoning_tokens': 9,
      'llm.is_streaming': false,
      'gen_ai.is_streaming': false,
      'llm.headers': 'None',
      'gen_ai.openai.api_base': 'https://api.openai.com/v1/',
      'gen_ai.prompt.0.role': 'system',
      'gen_ai.prompt.0.content': 'Be brief.',
      'gen_ai.prompt.1.role': 'user',
      'gen_ai.prompt.1.content': 'Weather in Paris?',
      'gen_ai.prompt.2.role': 'assistant',
      'gen_ai.prompt.2.tool_calls.0.id': 'call_0',
      'gen_ai.prompt.2.tool_calls.0.name': 'get_weather',
      'gen_ai.prompt.2.tool_calls.0.arguments': '{"city":"Paris"}',
      'gen_ai.prompt.3.role': 'tool',
      'gen_ai.prompt.3.tool_call_id': 'call_0',
      'gen_ai.prompt.3.content': '{"temp":21}',
      'gen_ai.completion.0.role': 'assistant',
      'gen_ai.completion.0.content': 'Sunny, 21°C.',
      'gen_ai.completion.0.finish_reason': 'stop',
      'traceloop.association.properties.session_id': 's-1',
      'traceloop.association.properties.user_id': 'u-1',
      'traceloop.association.properties.tenant': 'acme',
      'traceloop.workflow.name': 'weather_flow',
      'traceloop.entity.path': 'weather_flow.answer',
    },
    { name: 'openai.chat' },
  );
  assert.equal(out.type, 'generation');
  assert.equal(out.operation, 'chat');
  assert.equal(out.provider, 'openai');
  assert.equal(out.model, 'gpt-4o-2024-08-06');
  assert.deepEqual(
    [out.input_tokens, out.output_tokens, out.total_tokens, out.cache_read_tokens, out.reasoning_tokens],
    [120, 30, 150, 100, 9],
  );
  assert.deepEqual(out.input_messages, [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Weather in Paris?' },
    { role: 'assistant', content: '', tool_calls: [{ id: 'call_0', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
    { role: 'tool', content: '{"temp":21}', tool_call_id: 'call_0' },
  ]);
  assert.deepEqual(out.output_messages, [{ role: 'assistant', content: 'Sunny, 21°C.', finish_reason: 'stop' }]);
  assert.deepEqual(out.finish_reasons, ['stop']);
  assert.equal(out.session_id, 's-1');
  assert.equal(out.user_id, 'u-1');
  assert.deepEqual(out.metadata, { session_id: 's-1', user_id: 'u-1', tenant: 'acme', workflow_name: 'weather_flow' });
  assert.deepEqual(out.mapping.dialects, ['otel-genai', 'traceloop']);
  assert.deepEqual(out.mapping.unmapped, []);
});

test('gen_ai.prompt.N indexes sort numerically with gaps; structured content and tool-call finish', () => {
  const attributes: Attributes = { 'llm.request.type': 'chat', 'gen_ai.request.model': 'claude-3-5-sonnet' };
  for (const i of [0, 2, 9, 10, 12]) {
    attributes[`gen_ai.prompt.${i}.role`] = 'user';
    attributes[`gen_ai.prompt.${i}.content`] = `p${i}`;
  }
  attributes['gen_ai.completion.0.role'] = 'assistant';
  attributes['gen_ai.completion.0.content'] = JSON.stringify([{ type: 'text', text: 'Let me check.' }]);
  attributes['gen_ai.completion.0.finish_reason'] = 'tool_use';
  attributes['gen_ai.completion.0.tool_calls.0.id'] = 'toolu_1';
  attributes['gen_ai.completion.0.tool_calls.0.name'] = 'search';
  attributes['gen_ai.completion.0.tool_calls.0.arguments'] = '{"q":"otlp"}';
  attributes['llm.response.finish_reason'] = 'tool_use';
  const out = mapAttributes(attributes);
  assert.deepEqual(out.input_messages.map((m) => m.content), ['p0', 'p2', 'p9', 'p10', 'p12']);
  assert.equal(out.output_messages[0].content, 'Let me check.');
  assert.deepEqual(out.output_messages[0].tool_calls, [{ id: 'toolu_1', name: 'search', arguments: '{"q":"otlp"}' }]);
  assert.deepEqual(out.finish_reasons, ['tool_use']);
});

test('llm.request.type gives the operation and so the type', () => {
  const embedding = mapAttributes({ 'llm.request.type': 'embedding', 'gen_ai.request.model': 'text-embedding-3-small' });
  assert.equal(embedding.operation, 'embeddings');
  assert.equal(embedding.type, 'embedding');
  const completion = mapAttributes({ 'llm.request.type': 'completion', 'gen_ai.request.model': 'davinci-002' });
  assert.equal(completion.operation, 'text_completion');
  assert.equal(completion.type, 'generation');
  assert.equal(mapAttributes({ 'llm.request.type': 'rerank' }).type, 'retriever');
});

test('workflow and task spans: entity input/output wrappers become messages', () => {
  const workflow = mapAttributes({
    'traceloop.span.kind': 'workflow',
    'traceloop.entity.name': 'answer_question',
    'traceloop.workflow.name': 'answer_question',
    'traceloop.entity.input': JSON.stringify({ args: ['What is OTLP?'], kwargs: {} }),
    'traceloop.entity.output': JSON.stringify('A protocol.'),
  });
  assert.equal(workflow.type, 'chain');
  assert.equal(workflow.input_text, 'What is OTLP?');
  assert.equal(workflow.output_text, 'A protocol.');
  assert.deepEqual(workflow.metadata, { workflow_name: 'answer_question' });
  assert.equal(workflow.workflow_name, 'answer_question');
  assert.deepEqual(workflow.mapping.unmapped, []);

  const langchain = mapAttributes({
    'traceloop.span.kind': 'task',
    'traceloop.entity.name': 'RunnableSequence',
    'traceloop.entity.input': JSON.stringify({ inputs: { input: 'hi there' }, tags: [], metadata: {}, kwargs: { name: 'RunnableSequence' } }),
    'traceloop.entity.output': JSON.stringify({ outputs: { output: 'hello' }, kwargs: { tags: [] } }),
  });
  assert.equal(langchain.type, 'chain');
  assert.equal(langchain.input_text, 'hi there');
  assert.equal(langchain.output_text, 'hello');

  const chat = mapAttributes({
    'traceloop.span.kind': 'task',
    'traceloop.entity.input': JSON.stringify({ inputs: { messages: [{ role: 'user', content: 'Ping?' }] } }),
    'traceloop.entity.output': JSON.stringify({ args: [], kwargs: { answer: 'Pong', score: 1 } }),
  });
  assert.deepEqual(chat.input_messages, [{ role: 'user', content: 'Ping?' }]);
  assert.equal(chat.output_text, '{"answer":"Pong","score":1}');
});

test('tool and agent spans take their names from traceloop.entity.name', () => {
  const tool = mapAttributes({
    'traceloop.span.kind': 'tool',
    'traceloop.entity.name': 'get_weather',
    'traceloop.entity.input': JSON.stringify({ args: [], kwargs: { city: 'Paris' } }),
    'traceloop.entity.output': '{"temp": 21}',
  });
  assert.equal(tool.type, 'tool');
  assert.equal(tool.tool_name, 'get_weather');
  assert.equal(tool.agent_name, '');
  assert.equal(tool.input_text, '{"city":"Paris"}');
  assert.equal(tool.output_text, '{"temp": 21}');
  const agent = mapAttributes({ 'traceloop.span.kind': 'agent', 'traceloop.entity.name': 'planner' });
  assert.equal(agent.type, 'agent');
  assert.equal(agent.agent_name, 'planner');
  assert.equal(agent.tool_name, '');
  // An unknown kind says nothing about the type.
  assert.equal(mapAttributes({ 'traceloop.span.kind': 'unknown' }).type, 'span');
});
