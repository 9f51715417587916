import assert from 'node:assert/strict';
import { test } from 'node:test';
import { playgroundRequest, replayModel, type SourceSpan } from './playground.ts';
import { loadGatewaySettings } from './settings.ts';

const settings = loadGatewaySettings(
  {
    providers: {
      local: { baseUrl: 'http://127.0.0.1:11434/v1', providerName: 'ollama' },
      // the built-in anthropic needs ANTHROPIC_API_KEY (none here); claude-direct has a key of its own
      anthropic: {},
      'claude-direct': { type: 'anthropic', baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'sk-ant', providerName: 'anthropic' },
    },
    aliases: { smart: { targets: ['openai/gpt-4.1', 'claude-direct/claude-sonnet-4'] } },
  },
  { OPENAI_API_KEY: 'sk-env', GEMINI_API_KEY: 'g-env' },
);

test('replayModel: a span from an SDK goes to its own provider; aliases, provider/model and the default provider stay', () => {
  assert.equal(settings.defaultProvider, 'openai');
  // a span the Anthropic SDK sent straight to Anthropic: the configured provider with a key
  assert.equal(replayModel('claude-sonnet-4', 'anthropic', settings), 'claude-direct/claude-sonnet-4');
  assert.equal(replayModel('gemini-2.5-flash', 'gcp.gemini', settings), 'gemini/gemini-2.5-flash');
  assert.equal(replayModel('llama3', 'ollama', settings), 'local/llama3');
  // the default provider's spans, gateway spans (alias, provider/model) and unknown providers are routed as named
  assert.equal(replayModel('gpt-4.1', 'openai', settings), 'gpt-4.1');
  assert.equal(replayModel('smart', 'anthropic', settings), 'smart');
  assert.equal(replayModel('anthropic/claude-sonnet-4', 'anthropic', settings), 'anthropic/claude-sonnet-4');
  assert.equal(replayModel('mistral-large', 'mistral_ai', settings), 'mistral-large');
});

test('playgroundRequest: the source\'s own model, given or left out, goes to its provider; another model goes as asked', () => {
  const source: SourceSpan = {
    trace_id: 't'.repeat(32),
    span_id: 's'.repeat(16),
    type: 'generation',
    model: 'claude-sonnet-4-20250514',
    request_model: 'claude-sonnet-4',
    provider: 'anthropic',
    input_messages: [{ role: 'user', content: 'hi' }],
    span_attributes: { 'gen_ai.request.temperature': '0.3' },
  };
  const modelOf = (body: Parameters<typeof playgroundRequest>[0]) => {
    const request = playgroundRequest(body, source, settings);
    assert.equal(typeof request, 'object', String(request));
    return (request as { model: string }).model;
  };
  assert.equal(modelOf({}), 'claude-direct/claude-sonnet-4');
  assert.equal(modelOf({ model: 'claude-sonnet-4' }), 'claude-direct/claude-sonnet-4'); // the UI sends the field as loaded
  assert.equal(modelOf({ model: 'gpt-4.1-mini' }), 'gpt-4.1-mini');
  assert.equal(modelOf({ model: 'smart' }), 'smart');
  assert.equal(playgroundRequest({ model: 'gpt-4.1' }, null, settings).constructor, String, 'no turns and no source: an error message');
});
