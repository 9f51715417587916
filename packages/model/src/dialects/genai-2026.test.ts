// Issue 13: the 2026 GenAI conventions (semantic-conventions-genai), message parts beyond
// text, and the dialect fixes for OpenLLMetry's AI SDK wrapper, OpenInference with Anthropic
// and Langfuse embeddings. Each case is one class of input, not one sample.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapAttributes } from './testing.ts';

test('2026 operation names decide the span type', () => {
  const types = Object.fromEntries(
    ['generate_content', 'retrieval', 'create_agent', 'invoke_agent', 'invoke_workflow', 'plan', 'execute_tool', 'embeddings', 'search_memory', 'update_memory'].map(
      (operation) => [operation, mapAttributes({ 'gen_ai.operation.name': operation, 'gen_ai.request.model': 'm' }).type],
    ),
  );
  assert.deepEqual(types, {
    generate_content: 'generation',
    retrieval: 'retriever',
    create_agent: 'agent',
    invoke_agent: 'agent',
    invoke_workflow: 'chain',
    plan: 'chain',
    execute_tool: 'tool',
    embeddings: 'embedding',
    search_memory: 'span',
    update_memory: 'span',
  });
});

test('2026 fields: conversation as session, agent and workflow ids, request parameters, usage details, output type', () => {
  const span = mapAttributes({
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'anthropic',
    'gen_ai.request.model': 'claude-sonnet-4-5',
    'gen_ai.conversation.id': 'conv-7',
    'gen_ai.agent.id': 'agent-42',
    'gen_ai.agent.name': 'planner',
    'gen_ai.agent.version': '3.1',
    'gen_ai.workflow.name': 'trip-planning',
    'gen_ai.output.type': 'json',
    'gen_ai.request.temperature': 0.3,
    'gen_ai.request.top_p': 0.9,
    'gen_ai.request.max_tokens': 512,
    'gen_ai.request.seed': 7,
    'gen_ai.request.stream': true,
    'gen_ai.usage.input_tokens': 1200,
    'gen_ai.usage.output_tokens': 300,
    'gen_ai.usage.cache_read.input_tokens': 800,
    'gen_ai.usage.cache_creation.input_tokens': 200,
    'gen_ai.usage.reasoning.output_tokens': 120,
    'gen_ai.usage.input_tokens.image': 400,
    'gen_ai.usage.output_tokens.audio': 50,
    'gen_ai.tool.definitions': JSON.stringify([{ type: 'function', name: 'get_weather' }]),
  });
  assert.equal(span.session_id, 'conv-7');
  assert.deepEqual([span.agent_id, span.agent_name, span.agent_version, span.workflow_name], ['agent-42', 'planner', '3.1', 'trip-planning']);
  assert.equal(span.output_type, 'json');
  assert.deepEqual(span.request_params, { temperature: 0.3, top_p: 0.9, max_tokens: 512, seed: 7, stream: true });
  assert.deepEqual([span.cache_read_tokens, span.cache_write_tokens, span.reasoning_tokens], [800, 200, 120]);
  assert.deepEqual(span.token_details, { 'input_tokens.image': 400, 'output_tokens.audio': 50 });
  assert.equal(span.mapping.semconv, '2026');
  assert.deepEqual(span.mapping.unmapped, []);
});

test('semconv generation: legacy names, current names, and a mix', () => {
  assert.equal(mapAttributes({ 'gen_ai.system': 'openai', 'gen_ai.usage.prompt_tokens': 3, 'gen_ai.request.model': 'gpt-4o' }).mapping.semconv, 'legacy');
  assert.equal(mapAttributes({ 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o' }).mapping.semconv, '2026');
  assert.equal(mapAttributes({ 'gen_ai.provider.name': 'openai', 'gen_ai.system': 'openai' }).mapping.semconv, 'mixed');
  assert.equal(mapAttributes({ 'http.method': 'GET' }).mapping.semconv, '');
});

test('tool calls: arguments and result as structured values, the tool definitions kept', () => {
  const span = mapAttributes({
    'gen_ai.operation.name': 'execute_tool',
    'gen_ai.tool.name': 'get_weather',
    'gen_ai.tool.call.id': 'call_1',
    'gen_ai.tool.call.arguments': { city: 'Lisbon' },
    'gen_ai.tool.call.result': { temp_c: 21 },
  });
  assert.equal(span.type, 'tool');
  assert.deepEqual(span.input_messages, [{ role: 'tool', content: '{"city":"Lisbon"}', tool_call_id: 'call_1' }]);
  assert.deepEqual(span.output_messages, [{ role: 'tool', content: '{"temp_c":21}', tool_call_id: 'call_1' }]);
});

const PNG_BASE64 = Buffer.from('not really a png, but bytes all the same').toString('base64');

test('message parts: blob, uri, file, reasoning, server tool calls and responses, as JSON or structured OTLP values', () => {
  const input = [
    {
      role: 'user',
      parts: [
        { type: 'text', content: 'What is in this picture?' },
        { type: 'blob', modality: 'image', mime_type: 'image/png', content: PNG_BASE64 },
        { type: 'uri', modality: 'image', mime_type: 'image/jpeg', uri: 'https://example.com/cat.jpg' },
        { type: 'file', modality: 'document', file_id: 'file-abc' },
      ],
    },
  ];
  const output = [
    {
      role: 'assistant',
      parts: [
        { type: 'reasoning', content: 'The user wants a description.' },
        { type: 'server_tool_call', id: 'srv_1', name: 'web_search', arguments: { q: 'cat breeds' } },
        { type: 'server_tool_call_response', id: 'srv_1', response: 'tabby' },
        { type: 'text', content: 'A tabby cat.' },
      ],
      finish_reason: 'stop',
    },
  ];
  const expectedInput = [
    {
      role: 'user',
      content: 'What is in this picture?',
      parts: [
        { type: 'blob', modality: 'image', mime_type: 'image/png', size: 40, content: PNG_BASE64 },
        { type: 'uri', modality: 'image', mime_type: 'image/jpeg', uri: 'https://example.com/cat.jpg' },
        { type: 'file', modality: 'document', file_id: 'file-abc' },
      ],
    },
  ];
  const expectedOutput = [
    {
      role: 'assistant',
      content: 'tabby\nA tabby cat.',
      tool_calls: [{ id: 'srv_1', name: 'web_search', arguments: '{"q":"cat breeds"}', kind: 'server' }],
      tool_call_id: 'srv_1',
      finish_reason: 'stop',
      parts: [{ type: 'reasoning', text: 'The user wants a description.' }],
    },
  ];
  assert.equal(Buffer.from(PNG_BASE64, 'base64').length, 40);
  // JSON strings (what most SDKs send) and structured values (OTLP arrays and kvlists) alike
  for (const [label, value] of [
    ['json', (v: unknown) => JSON.stringify(v)],
    ['structured', (v: unknown) => v],
  ] as const) {
    const span = mapAttributes({
      'gen_ai.operation.name': 'chat',
      'gen_ai.input.messages': value(input) as never,
      'gen_ai.output.messages': value(output) as never,
    });
    assert.deepEqual(span.input_messages, expectedInput, label);
    assert.deepEqual(span.output_messages, expectedOutput, label);
  }
});

test('provider-native media: OpenAI image_url (data URL and link), Anthropic base64 image and thinking', () => {
  const span = mapAttributes({
    'gen_ai.operation.name': 'chat',
    'gen_ai.input.messages': JSON.stringify([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Compare these' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}` } },
          { type: 'image_url', image_url: { url: 'https://example.com/b.png' } },
          { type: 'image', source: { type: 'base64', media_type: 'image/webp', data: PNG_BASE64 } },
        ],
      },
    ]),
    'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm' }, { type: 'text', text: 'Same cat.' }] }]),
  });
  assert.deepEqual(span.input_messages[0].parts, [
    { type: 'blob', modality: 'image', mime_type: 'image/png', size: 40, content: PNG_BASE64 },
    { type: 'uri', modality: 'image', uri: 'https://example.com/b.png' },
    { type: 'blob', modality: 'image', mime_type: 'image/webp', size: 40, content: PNG_BASE64 },
  ]);
  assert.equal(span.input_text, 'Compare these', 'media is not text');
  assert.deepEqual(span.output_messages, [{ role: 'assistant', content: 'Same cat.', parts: [{ type: 'reasoning', text: 'hmm' }] }]);
});

test("OpenLLMetry's AI SDK wrapper: the assistant's tool calls nested under tool_call reach the output", () => {
  // what @traceloop/node-server-sdk's ai-sdk transformation writes for ai.response.toolCalls
  const span = mapAttributes({
    'gen_ai.system': 'OpenAI',
    'gen_ai.request.model': 'gpt-4o',
    'gen_ai.completion.0.role': 'assistant',
    'gen_ai.completion.0.tool_calls.0.name': 'get_weather',
    'gen_ai.completion.0.tool_calls.0.arguments': '{"city":"Lisbon"}',
    'gen_ai.output.messages': JSON.stringify([
      { role: 'assistant', parts: [{ type: 'tool_call', tool_call: { name: 'get_weather', arguments: '{"city":"Lisbon"}' } }] },
    ]),
  });
  assert.deepEqual(span.output_messages, [{ role: 'assistant', content: '', tool_calls: [{ id: '', name: 'get_weather', arguments: '{"city":"Lisbon"}' }] }]);
  assert.equal(span.output_text, 'get_weather({"city":"Lisbon"})');
});

test('OpenInference with Anthropic: the system prompt from the invocation parameters comes first', () => {
  for (const system of ['You are terse.', [{ type: 'text', text: 'You are terse.' }]]) {
    const span = mapAttributes({
      'openinference.span.kind': 'LLM',
      'llm.system': 'anthropic',
      'llm.provider': 'anthropic',
      'llm.model_name': 'claude-sonnet-4-5',
      'llm.invocation_parameters': JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, system }),
      'llm.input_messages.0.message.role': 'user',
      'llm.input_messages.0.message.content': 'Hi',
    });
    assert.deepEqual(span.input_messages, [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Hi' },
    ]);
  }
  // an OpenAI-style span already has its system message: not added twice
  const openai = mapAttributes({
    'openinference.span.kind': 'LLM',
    'llm.invocation_parameters': JSON.stringify({ system: 'ignored' }),
    'llm.input_messages.0.message.role': 'system',
    'llm.input_messages.0.message.content': 'Be brief.',
  });
  assert.deepEqual(openai.input_messages, [{ role: 'system', content: 'Be brief.' }]);
});

test('Langfuse: a generation of an embedding model is an embedding span', () => {
  const span = mapAttributes({
    'langfuse.observation.type': 'generation',
    'langfuse.observation.model.name': 'text-embedding-3-small',
    'langfuse.observation.usage_details': JSON.stringify({ input: 5 }),
  });
  assert.equal(span.type, 'embedding');
  assert.equal(span.operation, 'embeddings');
  assert.equal(span.input_tokens, 5);
  assert.equal(mapAttributes({ 'langfuse.observation.type': 'generation', 'langfuse.observation.model.name': 'gpt-4o' }).type, 'generation');
  assert.equal(mapAttributes({ 'langfuse.observation.type': 'embedding', 'langfuse.observation.model.name': 'x' }).type, 'embedding');
});
