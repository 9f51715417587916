import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calcPrice, findProvider, type ModelInfo, type Provider, type Usage } from '@pydantic/genai-prices';
import { PROVIDER_IDS } from './providers.ts';
import { priceUsage } from './price-usage.ts';
import { priceTokens } from './token-prices.ts';

/** Every model of every provider Spanhouse maps, from the bundled table. */
function bundledModels(): Array<{ provider: Provider; model: ModelInfo }> {
  const out: Array<{ provider: Provider; model: ModelInfo }> = [];
  for (const id of new Set(Object.values(PROVIDER_IDS))) {
    const provider = findProvider({ providerId: id });
    for (const model of provider?.models ?? []) out.push({ provider: provider!, model });
  }
  return out;
}

const USAGES: Usage[] = [
  { input_tokens: 0, output_tokens: 0 },
  { input_tokens: 1, output_tokens: 1 },
  { input_tokens: 1234, output_tokens: 567 },
  { input_tokens: 10_000, cache_read_tokens: 6_000, cache_write_tokens: 2_000, output_tokens: 500 },
  { input_tokens: 3_000, cache_read_tokens: 3_000, output_tokens: 900, output_reasoning_tokens: 900 },
  { input_tokens: 199_999, output_tokens: 7, output_reasoning_tokens: 3 },
  { input_tokens: 200_001, cache_write_tokens: 1, output_tokens: 8_191 },
  { input_tokens: 1_500_000, cache_read_tokens: 1_000_000, output_tokens: 100_000, output_reasoning_tokens: 40_000 },
];

test('token rates give calcPrice\'s figures to the bit, for every bundled model they cover', () => {
  const models = bundledModels();
  let covered = 0;
  for (const { provider, model } of models) {
    // as price-usage.ts asks once a model is matched: this model under its own name
    const onlyThisModel: Provider = { ...provider, models: [{ ...model, match: { equals: model.id } }] };
    let coversModel = false;
    for (const usage of USAGES) {
      const fast = priceTokens(usage, provider, model);
      if (!fast) continue;
      coversModel = true;
      const slow = calcPrice(usage, model.id, { provider: onlyThisModel });
      assert.ok(slow, `${provider.id}/${model.id}: calcPrice found no price`);
      const label = `${provider.id}/${model.id} ${JSON.stringify(usage)}`;
      assert.equal(fast.total_price, slow.total_price, label);
      assert.equal(fast.input_price, slow.input_price, label);
      assert.equal(fast.output_price, slow.output_price, label);
    }
    if (coversModel) covered++;
  }
  // the table is mostly token rates: if this drops, the fast path stopped recognising them
  assert.ok(models.length > 500 && covered / models.length > 0.95, `covered ${covered} of ${models.length}`);
});

test('dated or time-of-day prices, per-request fees and usage Spanhouse never reports are left to calcPrice', () => {
  const usage = { input_tokens: 100, output_tokens: 10 };
  const provider: Provider = { id: 'p', name: 'p', api_pattern: '', models: [] };
  const model = (prices: ModelInfo['prices']): ModelInfo => ({ id: 'm', match: { equals: 'm' }, prices });
  assert.equal(priceTokens(usage, provider, model([{ prices: { input_mtok: 1 } }])), undefined);
  assert.equal(priceTokens(usage, provider, model({ input_mtok: 1, requests_kcount: 5 })), undefined);
  assert.equal(priceTokens({ ...usage, input_audio_tokens: 5 }, provider, model({ input_mtok: 1, input_audio_mtok: 5 })), undefined, 'usage never reported');
  assert.equal(priceTokens({ input_tokens: 10, cache_read_tokens: 20 }, provider, model({ input_mtok: 1, cache_read_mtok: 0.1 })), undefined, 'not a partition');
  assert.equal(priceTokens(usage, provider, model({ input_mtok: 2, output_mtok: 8 }))?.total_price, (2 * 100) / 1e6 + (8 * 10) / 1e6);
});

test('a model priced again (its match remembered) costs what its first pricing did', () => {
  const calls = [
    { provider: 'openai', model: 'gpt-4o-2024-08-06', input_tokens: 1000, cache_read_tokens: 400, output_tokens: 200 },
    { provider: 'anthropic', model: 'claude-sonnet-4-20250514', input_tokens: 10_000, cache_read_tokens: 6_000, cache_write_tokens: 2_000, output_tokens: 500 },
    { provider: '', model: 'gemini-2.5-pro', input_tokens: 250_000, output_tokens: 3_000, reasoning_tokens: 1_000 },
    { provider: 'openai', model: 'o3', input_tokens: 5_000, output_tokens: 4_000, reasoning_tokens: 3_500 },
    { provider: 'groq', model: 'llama-3.3-70b-versatile', input_tokens: 77, output_tokens: 5 },
  ];
  for (const call of calls) {
    // the first pricing of a name in this process searches the table; the second reuses its match
    const first = priceUsage(call);
    const again = priceUsage(call);
    assert.equal(first.unpriced, false, call.model);
    assert.deepEqual(again, first, call.model);
  }
});
