import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Attributes } from '../otlp.ts';
import { mapAttributes } from './testing.ts';

test('LLM span: model, host provider, tokens, cost, flattened messages with tool calls', () => {
  const out = mapAttributes({
    'openinference.span.kind': 'LLM',
    'llm.model_name': 'gpt-4o-2024-08-06',
    'llm.request.model_name': 'gpt-4o',
    'llm.provider': 'azure',
    'llm.system': 'openai',
    'llm.invocation_parameters': '{"temperature":0.1,"model":"gpt-4o"}',
    'llm.token_count.prompt': 120,
    'llm.token_count.completion': 30,
    'llm.token_count.total': 150,
    'llm.token_count.prompt_details.cache_read': 100,
    'llm.token_count.prompt_details.cache_write': 4,
    'llm.token_count.completion_details.reasoning': 7,
    'llm.cost.total': 0.0066,
    'llm.cost.prompt': 0.0021,
    'llm.cost.completion': 0.0045,
    'llm.cost.prompt_details.cache_read': 0.0003,
    'llm.finish_reason': 'tool_calls',
    'llm.input_messages.0.message.role': 'system',
    'llm.input_messages.0.message.content': 'Be brief.',
    'llm.input_messages.1.message.role': 'user',
    'llm.input_messages.1.message.contents.0.message_content.type': 'text',
    'llm.input_messages.1.message.contents.0.message_content.text': 'Weather in',
    'llm.input_messages.1.message.contents.1.message_content.type': 'image',
    'llm.input_messages.1.message.contents.1.message_content.image.image.url': 'https://x/img.png',
    'llm.input_messages.1.message.contents.2.message_content.type': 'text',
    'llm.input_messages.1.message.contents.2.message_content.text': 'Paris?',
    'llm.input_messages.2.message.role': 'tool',
    'llm.input_messages.2.message.name': 'get_weather',
    'llm.input_messages.2.message.tool_call_id': 'call_0',
    'llm.input_messages.2.message.content': '{"temp":21}',
    'llm.output_messages.0.message.role': 'assistant',
    'llm.output_messages.0.message.tool_calls.0.tool_call.id': 'call_1',
    'llm.output_messages.0.message.tool_calls.0.tool_call.function.name': 'get_time',
    'llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments': '{"tz":"CET"}',
    'llm.tools.0.tool.json_schema': '{"type":"function","function":{"name":"get_time"}}',
    'input.value': '{"messages":[]}',
    'input.mime_type': 'application/json',
    'output.value': '{"choices":[]}',
    'output.mime_type': 'application/json',
    'http.status_code': 200,
  });
  assert.equal(out.type, 'generation');
  assert.equal(out.model, 'gpt-4o-2024-08-06');
  assert.equal(out.request_model, 'gpt-4o');
  assert.equal(out.provider, 'azure');
  assert.deepEqual(
    [out.input_tokens, out.output_tokens, out.total_tokens, out.cache_read_tokens, out.cache_write_tokens, out.reasoning_tokens],
    [120, 30, 150, 100, 4, 7],
  );
  assert.equal(out.cost_usd, 0.0066);
  assert.equal(out.cost_source, 'client');
  assert.deepEqual(out.cost_details, { total: 0.0066, input: 0.0021, output: 0.0045, cache_read: 0.0003 });
  assert.deepEqual(out.finish_reasons, ['tool_calls']);
  assert.deepEqual(out.input_messages, [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Weather in\nParis?', parts: [{ type: 'uri', modality: 'image', uri: 'https://x/img.png' }] },
    { role: 'tool', content: '{"temp":21}', name: 'get_weather', tool_call_id: 'call_0' },
  ]);
  assert.deepEqual(out.output_messages, [{ role: 'assistant', content: '', tool_calls: [{ id: 'call_1', name: 'get_time', arguments: '{"tz":"CET"}' }] }]);
  assert.equal(out.output_text, 'get_time({"tz":"CET"})');
  assert.deepEqual(out.mapping.dialects, ['openinference']);
  assert.deepEqual(out.mapping.unmapped, ['http.status_code']);
});

test('flattened indexes sort numerically (10 after 9) and tolerate gaps', () => {
  const attributes: Attributes = { 'openinference.span.kind': 'LLM' };
  for (const i of [0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11]) {
    attributes[`llm.input_messages.${i}.message.role`] = 'user';
    attributes[`llm.input_messages.${i}.message.content`] = `m${i}`;
  }
  const out = mapAttributes(attributes);
  assert.deepEqual(
    out.input_messages.map((m) => m.content),
    ['m0', 'm1', 'm2', 'm3', 'm4', 'm6', 'm7', 'm8', 'm9', 'm10', 'm11'],
  );
});

test('span kinds become span types; unknown kinds are plain spans and beat operation names', () => {
  const kinds: Record<string, string> = {
    LLM: 'generation',
    EMBEDDING: 'embedding',
    CHAIN: 'chain',
    RETRIEVER: 'retriever',
    RERANKER: 'retriever',
    TOOL: 'tool',
    AGENT: 'agent',
    GUARDRAIL: 'span',
    EVALUATOR: 'span',
    PROMPT: 'span',
  };
  for (const [kind, type] of Object.entries(kinds)) {
    assert.equal(mapAttributes({ 'openinference.span.kind': kind, 'llm.model_name': 'm' }).type, type, kind);
  }
  // An explicit kind from a later dialect still beats gen_ai.operation.name from an earlier one.
  assert.equal(mapAttributes({ 'gen_ai.operation.name': 'chat', 'openinference.span.kind': 'AGENT' }).type, 'agent');
});

test('chain span: input.value/output.value by mime type, metadata JSON string, tags, session and user', () => {
  const out = mapAttributes({
    'openinference.span.kind': 'CHAIN',
    'input.value': '{"input":"What is OTLP?"}',
    'input.mime_type': 'application/json',
    'output.value': '{"not":"json"',
    'output.mime_type': 'text/plain',
    metadata: '{"tenant":"acme","ab":{"variant":"b"},"n":3}',
    'tag.tags': '["prod","rag"]',
    'session.id': 's-1',
    'user.id': 'u-1',
  });
  assert.equal(out.type, 'chain');
  assert.deepEqual(out.input_messages, [{ role: 'user', content: 'What is OTLP?' }]);
  assert.equal(out.output_text, '{"not":"json"');
  assert.deepEqual(out.metadata, { tenant: 'acme', 'ab.variant': 'b', n: '3' });
  assert.deepEqual(out.tags, ['prod', 'rag']);
  assert.equal(out.session_id, 's-1');
  assert.equal(out.user_id, 'u-1');
  // session.id and user.id are shared with the OTel conventions, which read them first.
  assert.deepEqual(out.mapping.dialects, ['otel-genai', 'openinference']);
  assert.deepEqual(out.mapping.unmapped, []);
});

test('metadata, tags and invocation parameters as kvlist or array values', () => {
  const kv = mapAttributes({
    'openinference.span.kind': 'LLM',
    metadata: { tenant: 'acme', ab: { variant: 'b' } },
    'tag.tags': ['a', 'b'],
    'llm.invocation_parameters': { model: 'claude-3-5-haiku', max_tokens: 100 },
  });
  assert.deepEqual(kv.metadata, { tenant: 'acme', 'ab.variant': 'b' });
  assert.deepEqual(kv.tags, ['a', 'b']);
  // No llm.model_name: the model comes from the invocation parameters, parsed either way.
  assert.equal(kv.model, 'claude-3-5-haiku');
  const json = mapAttributes({ 'openinference.span.kind': 'LLM', 'llm.invocation_parameters': '{"model":"claude-3-5-haiku"}' });
  assert.equal(json.model, 'claude-3-5-haiku');
  const array = mapAttributes({ 'openinference.span.kind': 'CHAIN', metadata: [{ tenant: 'acme' }, 'loose'] });
  assert.deepEqual(array.metadata, { tenant: 'acme', '1': 'loose' });
  // `metadata` is a generic name: without any OpenInference marker it is left unmapped.
  assert.deepEqual(mapAttributes({ metadata: '{"a":1}' }).mapping.unmapped, ['metadata']);
});

test('request model from the invocation parameters when llm.model_name holds the response model', () => {
  // As @arizeai/openinference-instrumentation-openai 4.x writes a non-streamed chat call.
  const out = mapAttributes({
    'openinference.span.kind': 'LLM',
    'llm.model_name': 'gpt-4o-mini-2024-07-18',
    'llm.invocation_parameters': '{"model":"gpt-4o-mini"}',
  });
  assert.equal(out.request_model, 'gpt-4o-mini');
  assert.equal(out.model, 'gpt-4o-mini-2024-07-18');
  // llm.request.model_name, when sent, still wins
  const explicit = mapAttributes({ 'llm.request.model_name': 'gpt-4o', 'llm.invocation_parameters': '{"model":"gpt-4o-alias"}', 'llm.model_name': 'gpt-4o-x' });
  assert.equal(explicit.request_model, 'gpt-4o');
});

test('input.value without llm messages: an OpenAI request and response become messages', () => {
  const out = mapAttributes({
    'openinference.span.kind': 'LLM',
    'llm.model_name': 'gpt-4o-mini',
    'input.value': JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }),
    'input.mime_type': 'application/json',
    'output.value': JSON.stringify({ choices: [{ finish_reason: 'stop', message: { role: 'assistant', content: 'Hello!' } }] }),
    'output.mime_type': 'application/json',
  });
  assert.deepEqual(out.input_messages, [{ role: 'user', content: 'Hi' }]);
  assert.deepEqual(out.output_messages, [{ role: 'assistant', content: 'Hello!', finish_reason: 'stop' }]);
  assert.deepEqual(out.finish_reasons, ['stop']);
});

test('embedding, tool, agent, retriever and legacy completion spans', () => {
  const embedding = mapAttributes({
    'openinference.span.kind': 'EMBEDDING',
    'embedding.model_name': 'text-embedding-3-small',
    'embedding.embeddings.0.embedding.text': 'hello',
    'embedding.embeddings.0.embedding.vector': [0.1, 0.2],
    'embedding.embeddings.1.embedding.text': 'world',
    'llm.token_count.prompt': 2,
  });
  assert.equal(embedding.type, 'embedding');
  assert.equal(embedding.model, 'text-embedding-3-small');
  assert.equal(embedding.input_text, 'hello\nworld');
  assert.deepEqual(embedding.mapping.unmapped, []);

  const tool = mapAttributes({
    'openinference.span.kind': 'TOOL',
    'tool.name': 'get_weather',
    'tool.id': 'call_0',
    'tool.description': 'Weather by city',
    'tool.parameters': '{"city":"string"}',
    'input.value': '{"city": "Paris"}',
    'output.value': 'sunny',
  });
  assert.equal(tool.type, 'tool');
  assert.equal(tool.tool_name, 'get_weather');
  assert.equal(tool.tool_call_id, 'call_0');
  assert.equal(tool.input_text, '{"city": "Paris"}');
  assert.equal(tool.output_text, 'sunny');
  assert.deepEqual(tool.mapping.unmapped, []);

  const agent = mapAttributes({ 'openinference.span.kind': 'AGENT', 'agent.name': 'planner' });
  assert.equal(agent.agent_name, 'planner');

  const retriever = mapAttributes({
    'openinference.span.kind': 'RETRIEVER',
    'input.value': 'otlp',
    'retrieval.documents.0.document.content': 'doc one',
    'retrieval.documents.0.document.score': 0.9,
    'retrieval.documents.1.document.content': 'doc two',
  });
  assert.equal(retriever.type, 'retriever');
  assert.equal(retriever.output_text, 'doc one\ndoc two');

  const completion = mapAttributes({
    'openinference.span.kind': 'LLM',
    'llm.prompts.0.prompt.text': 'def fib(n):',
    'llm.choices.0.completion.text': ' return n',
  });
  assert.equal(completion.input_text, 'def fib(n):');
  assert.equal(completion.output_text, ' return n');
});

test('provider: llm.provider is the host, llm.system the fallback; google + vertexai is Vertex', () => {
  assert.equal(mapAttributes({ 'llm.system': 'anthropic', 'llm.model_name': 'm' }).provider, 'anthropic');
  assert.equal(mapAttributes({ 'llm.provider': 'aws', 'llm.system': 'anthropic' }).provider, 'aws.bedrock');
  assert.equal(mapAttributes({ 'llm.provider': 'google', 'llm.system': 'vertexai' }).provider, 'google.vertex');
  assert.equal(mapAttributes({ 'llm.system': 'mistralai' }).provider, 'mistral');
});
