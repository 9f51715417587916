import assert from 'node:assert/strict';
import { test } from 'node:test';
import { orderTargets, planRoute } from './routing.ts';
import { loadGatewaySettings } from './settings.ts';
import { parseTraceparent } from './trace.ts';

const t = (model: string, weight = 1) => ({ model, weight });

test('fallback keeps the order; weighted draws the first by weight; cheapest sorts by price, unpriced last', () => {
  const targets = [t('a', 1), t('b', 3), t('c', 1)];
  const none = () => null;
  assert.deepEqual(orderTargets(targets, 'fallback', () => 0.99, none).map((x) => x.model), ['a', 'b', 'c']);
  assert.deepEqual(orderTargets(targets, 'weighted', () => 0.1, none).map((x) => x.model), ['a', 'b', 'c']); // 0.5 of 5: a
  assert.deepEqual(orderTargets(targets, 'weighted', () => 0.5, none).map((x) => x.model), ['b', 'a', 'c']); // 2.5 of 5: b
  assert.deepEqual(orderTargets(targets, 'weighted', () => 0.9, none).map((x) => x.model), ['c', 'a', 'b']); // 4.5 of 5: c
  const prices: Record<string, number | null> = { a: 3, b: null, c: 1 };
  assert.deepEqual(orderTargets(targets, 'cheapest', () => 0, (x) => prices[x.model]).map((x) => x.model), ['c', 'a', 'b']);
});

test('planRoute: aliases with their timeouts, provider/model, bare models, and cheapest-first from the price table', () => {
  const settings = loadGatewaySettings(
    {
      providers: { local: { baseUrl: 'http://127.0.0.1:11434/v1' } },
      aliases: {
        smart: { targets: ['openai/gpt-4.1', 'anthropic/claude-sonnet-4'], timeoutMs: 1234, retries: 0 },
        thrifty: { targets: ['openai/gpt-4.1', 'openai/gpt-4.1-nano', 'local/llama3'], strategy: 'cheapest' },
      },
    },
    { OPENAI_API_KEY: 'sk-env' },
  );
  const smart = planRoute('smart', settings);
  assert.deepEqual(smart.targets.map((x) => `${x.provider.name}/${x.model}`), ['openai/gpt-4.1', 'anthropic/claude-sonnet-4']);
  assert.deepEqual([smart.alias, smart.timeoutMs, smart.retries], ['smart', 1234, 0]);
  assert.equal(smart.targets[0].provider.apiKey, 'sk-env');
  assert.equal(smart.targets[1].provider.type, 'anthropic');
  assert.deepEqual(planRoute('thrifty', settings).targets.map((x) => x.model), ['gpt-4.1-nano', 'gpt-4.1', 'llama3']);
  const direct = planRoute('local/llama3', settings);
  assert.deepEqual([direct.alias, direct.targets[0].provider.baseUrl, direct.targets[0].model], [null, 'http://127.0.0.1:11434/v1', 'llama3']);
  // an unknown prefix is part of the model name (OpenRouter-style ids)
  assert.equal(planRoute('meta-llama/llama-3-70b', settings).targets[0].model, 'meta-llama/llama-3-70b');
  assert.throws(() => loadGatewaySettings({ providers: { mine: {} } }, {}), /gateway.providers.mine.baseUrl/);
  assert.throws(() => loadGatewaySettings({ aliases: { x: { targets: [] } } }, {}), /gateway.aliases.x.targets/);
});

test('traceparent: valid headers join, anything else starts a new trace', () => {
  assert.deepEqual(parseTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'), { traceId: '0af7651916cd43dd8448eb211c80319c', parentSpanId: 'b7ad6b7169203331' });
  for (const bad of [undefined, '', 'garbage', '00-00000000000000000000000000000000-b7ad6b7169203331-01', 'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01']) {
    assert.equal(parseTraceparent(bad), null, String(bad));
  }
});
