import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Attributes } from '../otlp.ts';
import { mapAttributes } from './testing.ts';

const PROMPT_MESSAGES = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
  { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'c0', toolName: 'get_weather', args: { city: 'Paris' } }] },
  { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c0', toolName: 'get_weather', result: { temp: 21 } }] },
];

/** The ai.* attributes of a v4 `ai.generateText.doGenerate` span. */
const DO_GENERATE: Attributes = {
  'ai.operationId': 'ai.generateText.doGenerate',
  'operation.name': 'ai.generateText.doGenerate weather-bot',
  'resource.name': 'weather-bot',
  'ai.model.id': 'gpt-4o-mini',
  'ai.model.provider': 'openai.chat',
  'ai.response.model': 'gpt-4o-mini-2024-07-18',
  'ai.response.id': 'chatcmpl-1',
  'ai.response.timestamp': '2024-11-01T10:00:00.000Z',
  'ai.prompt.format': 'messages',
  'ai.prompt.messages': JSON.stringify(PROMPT_MESSAGES),
  'ai.prompt.tools': ['{"type":"function","name":"get_weather"}'],
  'ai.response.text': 'Sunny, 21°C.',
  'ai.response.finishReason': 'stop',
  'ai.usage.promptTokens': 50,
  'ai.usage.completionTokens': 6,
  'ai.settings.maxRetries': 2,
  'ai.request.headers.user-agent': 'ai/4.0',
  'ai.telemetry.functionId': 'weather-bot',
  'ai.telemetry.metadata.sessionId': 's-1',
  'ai.telemetry.metadata.userId': 'u-1',
  'ai.telemetry.metadata.tags': ['beta', 'eu'],
  'ai.telemetry.metadata.tenant': 'acme',
};

/** The gen_ai.* attributes the SDK writes on the same span. */
const GEN_AI: Attributes = {
  'gen_ai.system': 'openai.chat',
  'gen_ai.request.model': 'gpt-4o-mini',
  'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
  'gen_ai.response.id': 'chatcmpl-1',
  'gen_ai.response.finish_reasons': ['stop'],
  'gen_ai.usage.input_tokens': 50,
  'gen_ai.usage.output_tokens': 6,
};

test('doGenerate span: ai.* and the gen_ai.* the SDK also writes agree', () => {
  const both = mapAttributes({ ...DO_GENERATE, ...GEN_AI });
  const legacyOnly = mapAttributes(DO_GENERATE);
  for (const out of [both, legacyOnly]) {
    assert.equal(out.type, 'generation');
    assert.equal(out.operation, 'chat');
    assert.equal(out.provider, 'openai');
    assert.equal(out.model, 'gpt-4o-mini-2024-07-18');
    assert.equal(out.request_model, 'gpt-4o-mini');
    assert.equal(out.input_tokens, 50);
    assert.equal(out.output_tokens, 6);
    assert.equal(out.total_tokens, 56);
    assert.deepEqual(out.finish_reasons, ['stop']);
    assert.deepEqual(out.input_messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: '', tool_calls: [{ id: 'c0', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
      { role: 'tool', content: '{"temp":21}', tool_call_id: 'c0' },
    ]);
    assert.deepEqual(out.output_messages, [{ role: 'assistant', content: 'Sunny, 21°C.', finish_reason: 'stop' }]);
    assert.equal(out.session_id, 's-1');
    assert.equal(out.user_id, 'u-1');
    assert.deepEqual(out.tags, ['beta', 'eu']);
    assert.deepEqual(out.metadata, { function_id: 'weather-bot', sessionId: 's-1', userId: 'u-1', tenant: 'acme' });
    assert.deepEqual(out.mapping.unmapped, []);
  }
  assert.deepEqual(both.mapping.dialects, ['otel-genai', 'vercel-ai']);
  assert.deepEqual(legacyOnly.mapping.dialects, ['vercel-ai']);
});

test('tool-call part drift: args (≤v4) vs input, result vs output {type,value}', () => {
  const v5Messages = [
    { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'c0', toolName: 'get_weather', input: { city: 'Paris' } }] },
    { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c0', toolName: 'get_weather', output: { type: 'json', value: { temp: 21 } } }] },
  ];
  const v4 = mapAttributes({
    'ai.operationId': 'ai.generateText.doGenerate',
    'ai.prompt.messages': JSON.stringify(PROMPT_MESSAGES.slice(2)),
    'ai.response.toolCalls': JSON.stringify([{ toolCallType: 'function', toolCallId: 'c1', toolName: 'get_time', args: '{"tz":"CET"}' }]),
  });
  const v5 = mapAttributes({
    'ai.operationId': 'ai.generateText.doGenerate',
    'ai.prompt.messages': JSON.stringify(v5Messages),
    'ai.response.toolCalls': JSON.stringify([{ type: 'tool-call', toolCallId: 'c1', toolName: 'get_time', input: '{"tz":"CET"}' }]),
  });
  assert.deepEqual(v5.input_messages, v4.input_messages);
  assert.deepEqual(v5.output_messages, v4.output_messages);
  assert.equal(v4.input_text, 'get_weather({"city":"Paris"})\n{"temp":21}');
  assert.equal(v4.output_text, 'get_time({"tz":"CET"})');
});

test('root spans are chains even with a model; ai.prompt, usage names of v5, generateObject output', () => {
  const root = mapAttributes({
    'ai.operationId': 'ai.generateText',
    'ai.model.id': 'claude-3-5-haiku-latest',
    'ai.model.provider': 'anthropic.messages',
    'ai.prompt': JSON.stringify({ system: 'Be brief.', prompt: 'Capital of France?' }),
    'ai.response.text': 'Paris.',
    'ai.usage.inputTokens': 20,
    'ai.usage.outputTokens': 3,
    'ai.usage.totalTokens': 23,
    'ai.settings.maxOutputTokens': 100,
  });
  assert.equal(root.type, 'chain');
  assert.equal(root.operation, '');
  assert.equal(root.provider, 'anthropic');
  assert.equal(root.input_text, 'Be brief.\nCapital of France?');
  assert.equal(root.output_text, 'Paris.');
  assert.deepEqual([root.input_tokens, root.output_tokens, root.total_tokens], [20, 3, 23]);

  const object = mapAttributes({
    'ai.operationId': 'ai.generateObject',
    'ai.prompt': JSON.stringify({ messages: [{ role: 'user', content: 'A city.' }] }),
    'ai.schema': '{"type":"object"}',
    'ai.schema.name': 'City',
    'ai.response.object': '{"name":"Paris"}',
  });
  assert.equal(object.type, 'chain');
  assert.equal(object.input_text, 'A city.');
  assert.equal(object.output_text, '{"name":"Paris"}');
  assert.deepEqual(object.mapping.unmapped, []);
});

test('token name drift: cached, reasoning and the v6 token details', () => {
  const v5 = mapAttributes({
    'ai.operationId': 'ai.streamText.doStream',
    'ai.usage.inputTokens': 100,
    'ai.usage.outputTokens': 40,
    'ai.usage.cachedInputTokens': 80,
    'ai.usage.reasoningTokens': 12,
  });
  const v6 = mapAttributes({
    'ai.operationId': 'ai.streamText.doStream',
    'ai.usage.inputTokens': 100,
    'ai.usage.outputTokens': 40,
    'ai.usage.inputTokenDetails.noCacheTokens': 20,
    'ai.usage.inputTokenDetails.cacheReadTokens': 80,
    'ai.usage.inputTokenDetails.cacheWriteTokens': 0,
    'ai.usage.outputTokenDetails.textTokens': 28,
    'ai.usage.outputTokenDetails.reasoningTokens': 12,
  });
  for (const out of [v5, v6]) {
    assert.deepEqual([out.input_tokens, out.output_tokens, out.cache_read_tokens, out.reasoning_tokens], [100, 40, 80, 12]);
    assert.deepEqual(out.mapping.unmapped, []);
  }
});

test('streaming: msToFirstChunk is milliseconds; the firstChunk event is the fallback', () => {
  const attr = mapAttributes({ 'ai.operationId': 'ai.streamText.doStream', 'ai.response.msToFirstChunk': 234.5, 'ai.response.msToFinish': 900 });
  assert.equal(attr.ttft_ms, 234.5);
  assert.deepEqual(attr.mapping.unmapped, []);
  const event = mapAttributes(
    { 'ai.operationId': 'ai.streamText.doStream' },
    { events: [{ name: 'ai.stream.firstChunk', timeUs: 1, attributes: { 'ai.response.msToFirstChunk': 120 } }] },
  );
  assert.equal(event.ttft_ms, 120);
});

test('tool call spans: name, id, args/result and input/output', () => {
  const v4 = mapAttributes({
    'ai.operationId': 'ai.toolCall',
    'ai.toolCall.name': 'get_weather',
    'ai.toolCall.id': 'c0',
    'ai.toolCall.args': '{"city":"Paris"}',
    'ai.toolCall.result': '{"temp":21}',
  });
  const v6 = mapAttributes({
    'ai.operationId': 'ai.toolCall',
    'ai.toolCall.name': 'get_weather',
    'ai.toolCall.id': 'c0',
    'ai.toolCall.input': '{"city":"Paris"}',
    'ai.toolCall.output': '{"temp":21}',
  });
  for (const out of [v4, v6]) {
    assert.equal(out.type, 'tool');
    assert.equal(out.operation, 'execute_tool');
    assert.equal(out.tool_name, 'get_weather');
    assert.equal(out.tool_call_id, 'c0');
    assert.equal(out.input_text, '{"city":"Paris"}');
    assert.equal(out.output_text, '{"temp":21}');
    assert.deepEqual(out.mapping.unmapped, []);
  }
});

test('embeddings: doEmbed is an embedding span, embedMany a chain; values become the input', () => {
  const doEmbed = mapAttributes({
    'ai.operationId': 'ai.embedMany.doEmbed',
    'ai.model.id': 'text-embedding-3-small',
    'ai.model.provider': 'openai.embedding',
    'ai.values': ['"hello"', '"world"'],
    'ai.embeddings': ['[0.1,0.2]', '[0.3,0.4]'],
    'ai.usage.tokens': 4,
  });
  assert.equal(doEmbed.type, 'embedding');
  assert.equal(doEmbed.operation, 'embeddings');
  assert.equal(doEmbed.input_text, 'hello\nworld');
  assert.equal(doEmbed.input_tokens, 4);
  assert.deepEqual(doEmbed.mapping.unmapped, []);
  const embed = mapAttributes({ 'ai.operationId': 'ai.embed', 'ai.value': '"hello"', 'ai.embedding': '[0.1]' });
  assert.equal(embed.type, 'chain');
  assert.equal(embed.input_text, 'hello');
});

test('raw provider ids normalise to one spelling', () => {
  const provider = (raw: string) => mapAttributes({ 'ai.model.provider': raw }).provider;
  assert.equal(provider('openai.responses'), 'openai');
  assert.equal(provider('google.vertex.chat'), 'google.vertex');
  assert.equal(provider('vertex.anthropic.messages'), 'google.vertex');
  assert.equal(provider('google.generative-ai'), 'google');
  assert.equal(provider('amazon-bedrock'), 'aws.bedrock');
  assert.equal(provider('azure-openai.chat'), 'azure');
  assert.equal(provider('mistral.chat'), 'mistral');
});
