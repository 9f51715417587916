import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AnthropicStreamTranslator, DEFAULT_MAX_TOKENS, fromAnthropicError, fromAnthropicResponse, toAnthropicRequest } from './anthropic.ts';
import { ChunkAccumulator } from './gateway.ts';

test('an OpenAI request becomes a Messages request: system apart, tool calls and results as blocks, turns merged', () => {
  const out = toAnthropicRequest(
    {
      model: 'smart',
      temperature: 1.5,
      stop: 'END',
      tool_choice: 'required',
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
        { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 't1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }, { id: 't2', type: 'function', function: { name: 'get_weather', arguments: 'not json' } }] },
        { role: 'tool', tool_call_id: 't1', content: 'cold' },
        { role: 'tool', tool_call_id: 't2', content: 'colder' },
        { role: 'user', content: 'And?' },
      ],
    },
    'claude-sonnet-4',
  );
  assert.deepEqual(out, {
    model: 'claude-sonnet-4',
    max_tokens: DEFAULT_MAX_TOKENS,
    system: 'Be brief.',
    temperature: 1,
    stop_sequences: ['END'],
    tools: [{ name: 'get_weather', description: undefined, input_schema: { type: 'object' } }],
    tool_choice: { type: 'any' },
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'Look' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 't1', name: 'get_weather', input: { city: 'Oslo' } },
          { type: 'tool_use', id: 't2', name: 'get_weather', input: { _raw: 'not json' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't1', content: 'cold' },
          { type: 'tool_result', tool_use_id: 't2', content: 'colder' },
          { type: 'text', text: 'And?' },
        ],
      },
    ],
  });
});

test('a Messages answer becomes a chat.completion with tool calls, finish reason and OpenAI usage', () => {
  const out = fromAnthropicResponse({
    id: 'msg_1',
    model: 'claude-sonnet-4',
    content: [{ type: 'tool_use', id: 't1', name: 'get_weather', input: { city: 'Oslo' } }],
    stop_reason: 'tool_use',
    usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 3, cache_creation_input_tokens: 2 },
  });
  assert.equal(out.choices[0].finish_reason, 'tool_calls');
  assert.deepEqual(out.choices[0].message, { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] });
  assert.deepEqual(out.usage, { prompt_tokens: 15, completion_tokens: 5, total_tokens: 20, prompt_tokens_details: { cached_tokens: 3 }, cache_creation_input_tokens: 2 });
  assert.deepEqual(fromAnthropicError({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }), { error: { message: 'Overloaded', type: 'overloaded_error', param: null, code: 'overloaded_error' } });
  assert.equal(fromAnthropicError('<html>'), null);
});

test('stream events translate into chunks that assemble into the same message', () => {
  const t = new AnthropicStreamTranslator();
  const events: Array<[string, object]> = [
    ['message_start', { message: { id: 'msg_1', model: 'claude-x', usage: { input_tokens: 7, output_tokens: 1 } } }],
    ['ping', {}],
    ['content_block_start', { index: 0, content_block: { type: 'text', text: '' } }],
    ['content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Let me ' } }],
    ['content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'check.' } }],
    ['content_block_start', { index: 1, content_block: { type: 'tool_use', id: 't1', name: 'get_weather', input: {} } }],
    ['content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"city"' } }],
    ['content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: ':"Oslo"}' } }],
    ['message_delta', { delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 12 } }],
    ['message_stop', {}],
  ];
  const acc = new ChunkAccumulator();
  for (const [type, data] of events) for (const chunk of t.translate(type, data)) acc.add(chunk);
  assert.deepEqual(acc.message(), { role: 'assistant', content: 'Let me check.', tool_calls: [{ id: 't1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] });
  assert.deepEqual(acc.finishReasons, ['tool_calls']);
  assert.deepEqual(acc.usage, { prompt_tokens: 7, completion_tokens: 12, total_tokens: 19, prompt_tokens_details: { cached_tokens: 0 } });
  assert.equal(acc.model, 'claude-x');
  assert.throws(() => t.translate('error', { error: { type: 'overloaded_error', message: 'Overloaded' } }), /Overloaded/);
});
