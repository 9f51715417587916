import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calcPrice } from '@pydantic/genai-prices';
import { BUNDLED_PRICE_VERSION } from './price-data.ts';
import { priceUsage, toGenAiPricesUsage, type PriceResult, type PricedUsage } from './price-usage.ts';

const close = (actual: number, expected: number, message?: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${message ?? ''} expected ${expected}, got ${actual}`);

function mustPrice(result: PriceResult): PricedUsage {
  assert.equal(result.unpriced, false, result.unpriced ? result.reason : '');
  return result as PricedUsage;
}

const sumOfDetails = (r: PricedUsage) => Object.values(r.cost_details).reduce((a, b) => a + (b ?? 0), 0);

test('gpt-4o with cached input: list prices, cache part at the cache rate, no double count', () => {
  // OTel: 1000 input tokens of which 400 were cache reads; 200 output.
  const r = mustPrice(
    priceUsage({ provider: 'openai', model: 'gpt-4o-2024-08-06', input_tokens: 1000, cache_read_tokens: 400, output_tokens: 200 }),
  );
  // $2.50/M uncached input, $1.25/M cached input, $10/M output.
  close(r.cost_usd, (600 * 2.5 + 400 * 1.25 + 200 * 10) / 1e6);
  close(r.cost_details.input, (600 * 2.5) / 1e6);
  close(r.cost_details.cache_read, (400 * 1.25) / 1e6);
  close(r.cost_details.cache_write, 0);
  close(r.cost_details.output, (200 * 10) / 1e6);
  assert.equal(r.cost_details.reasoning, undefined);
  assert.deepEqual(r.pricing, { provider: 'openai', model: 'gpt-4o', source: 'genai-prices', version: BUNDLED_PRICE_VERSION });
  // Same figure genai-prices gives for the same (already OTel-shaped) usage.
  const direct = calcPrice({ input_tokens: 1000, cache_read_tokens: 400, output_tokens: 200 }, 'gpt-4o-2024-08-06', { providerId: 'openai' });
  assert.equal(r.cost_usd, direct?.total_price);
});

test('claude sonnet with cache reads and writes', () => {
  const usage = { input_tokens: 10_000, cache_read_tokens: 6_000, cache_write_tokens: 2_000, output_tokens: 500 };
  const r = mustPrice(priceUsage({ provider: 'anthropic', model: 'claude-sonnet-4-20250514', ...usage }));
  // $3/M input, $0.30/M cache read, $3.75/M cache write (5 min), $15/M output.
  close(r.cost_usd, (2_000 * 3 + 6_000 * 0.3 + 2_000 * 3.75 + 500 * 15) / 1e6);
  close(r.cost_details.cache_write, (2_000 * 3.75) / 1e6);
  close(sumOfDetails(r), r.cost_usd, 'details partition the total');
  assert.equal(r.pricing.provider, 'anthropic');
  assert.equal(r.pricing.model, 'claude-sonnet-4-0');
  assert.equal(r.cost_usd, calcPrice(usage, 'claude-sonnet-4-20250514', { providerId: 'anthropic' })?.total_price);
});

test('reasoning tokens are part of output tokens: charged once, at the output rate', () => {
  const withReasoning = mustPrice(priceUsage({ provider: 'openai', model: 'o1', input_tokens: 100, output_tokens: 1000, reasoning_tokens: 800 }));
  const without = mustPrice(priceUsage({ provider: 'openai', model: 'o1', input_tokens: 100, output_tokens: 1000 }));
  close(withReasoning.cost_usd, without.cost_usd);
  close(withReasoning.cost_usd, (100 * 15 + 1000 * 60) / 1e6);
  assert.equal(withReasoning.cost_details.reasoning, undefined, 'o1 has no separate reasoning price');
});

test('a separately priced reasoning part is split out of output, not added to it', () => {
  const r = mustPrice(
    priceUsage({ provider: 'perplexity', model: 'sonar-deep-research', input_tokens: 100, output_tokens: 1000, reasoning_tokens: 400 }),
  );
  // $2/M input, $8/M output, $3/M reasoning.
  close(r.cost_details.output, (600 * 8) / 1e6);
  close(r.cost_details.reasoning ?? NaN, (400 * 3) / 1e6);
  close(r.cost_usd, (100 * 2 + 600 * 8 + 400 * 3) / 1e6);
});

test('provider-native counts (cache outside input, thoughts outside output) are folded into the totals', () => {
  assert.deepEqual(toGenAiPricesUsage({ model: 'm', input_tokens: 50, cache_read_tokens: 400, cache_write_tokens: 100, output_tokens: 10, reasoning_tokens: 30 }), {
    input_tokens: 550,
    output_tokens: 40,
    cache_read_tokens: 400,
    cache_write_tokens: 100,
    output_reasoning_tokens: 30,
  });
  // OTel-shaped counts pass through unchanged; zero parts are left out.
  assert.deepEqual(toGenAiPricesUsage({ model: 'm', input_tokens: 500, cache_read_tokens: 400, output_tokens: 40, reasoning_tokens: 0 }), {
    input_tokens: 500,
    output_tokens: 40,
    cache_read_tokens: 400,
  });
  const r = mustPrice(priceUsage({ provider: 'anthropic', model: 'claude-3-5-sonnet-20241022', input_tokens: 50, cache_read_tokens: 400, output_tokens: 10 }));
  close(r.cost_usd, (50 * 3 + 400 * 0.3 + 10 * 15) / 1e6);
});

test('Spanhouse provider ids map onto genai-prices providers', () => {
  const cases: Array<[string, string, string]> = [
    ['aws.bedrock', 'anthropic.claude-3-5-sonnet-20240620-v1:0', 'aws'],
    ['aws.bedrock', 'amazon.nova-pro-v1:0', 'aws'],
    ['google', 'gemini-2.5-flash', 'google'],
    ['google.vertex', 'gemini-2.0-flash', 'google'],
    ['azure', 'gpt-4o-mini', 'azure'],
    ['mistral', 'mistral-large-latest', 'mistral'],
    ['xai', 'grok-3', 'x-ai'],
    ['groq', 'llama-3.3-70b-versatile', 'groq'],
    ['deepseek', 'deepseek-chat', 'deepseek'],
  ];
  for (const [provider, model, expected] of cases) {
    const r = mustPrice(priceUsage({ provider, model, input_tokens: 1000, output_tokens: 100 }));
    assert.equal(r.pricing.provider, expected, `${provider}/${model}`);
    assert.ok(r.cost_usd > 0, `${provider}/${model} costs something`);
  }
});

test('unknown or empty provider falls back to matching by model name, and router-style vendor prefixes', () => {
  assert.equal(mustPrice(priceUsage({ provider: '', model: 'gpt-4o', input_tokens: 10 })).pricing.provider, 'openai');
  assert.equal(mustPrice(priceUsage({ provider: 'my-gateway', model: 'claude-3-haiku-20240307', input_tokens: 10 })).pricing.provider, 'anthropic');
  const routed = mustPrice(priceUsage({ model: 'openai/gpt-4o', input_tokens: 1000, output_tokens: 100 }));
  assert.equal(routed.pricing.provider, 'openai');
  close(routed.cost_usd, (1000 * 2.5 + 100 * 10) / 1e6);
});

test('embedding models price input only', () => {
  const r = mustPrice(priceUsage({ provider: 'openai', model: 'text-embedding-3-small', input_tokens: 1_000_000 }));
  close(r.cost_usd, 0.02);
  close(r.cost_details.input, 0.02);
});

test('unknown models are unpriced with a reason, never $0', () => {
  const r = priceUsage({ provider: 'openai', model: 'totally-made-up-model-9000', input_tokens: 100, output_tokens: 10 });
  assert.equal(r.unpriced, true);
  assert.match(r.unpriced ? r.reason : '', /no price for openai\/totally-made-up-model-9000/);
  assert.equal(priceUsage({ provider: 'ollama', model: 'llama3:8b', input_tokens: 100 }).unpriced, true);
  assert.equal(priceUsage({ provider: 'openai', model: '  ', input_tokens: 100 }).unpriced, true);
});

test('non-finite or negative counts are treated as absent', () => {
  const r = mustPrice(priceUsage({ provider: 'openai', model: 'gpt-4o', input_tokens: Number.NaN, cache_read_tokens: -5, output_tokens: 10 }));
  close(r.cost_usd, (10 * 10) / 1e6);
});

test('input-size tiers: details use the tier genai-prices applied', () => {
  const small = mustPrice(priceUsage({ provider: 'anthropic', model: 'claude-sonnet-4-6', input_tokens: 100_000, output_tokens: 1000, at: new Date('2026-01-01') }));
  const large = mustPrice(priceUsage({ provider: 'anthropic', model: 'claude-sonnet-4-6', input_tokens: 300_000, output_tokens: 1000, at: new Date('2026-01-01') }));
  close(small.cost_details.input, (100_000 * 3) / 1e6);
  close(large.cost_details.input, (300_000 * 6) / 1e6);
  close(large.cost_details.output, (1000 * 22.5) / 1e6);
  close(sumOfDetails(large), large.cost_usd);
});

test('the call time selects the price in force then', () => {
  const model = 'us.openai.gpt-5.6-luna';
  // $1.10/M until 2026-07-30, $0.22/M (below the 272k-token tier) from then on.
  const before = priceUsage({ provider: 'aws.bedrock', model, input_tokens: 100_000, at: new Date('2026-06-01T00:00:00Z') });
  const after = priceUsage({ provider: 'aws.bedrock', model, input_tokens: 100_000, at: new Date('2026-09-01T00:00:00Z') });
  close(mustPrice(before).cost_usd, 0.11);
  close(mustPrice(after).cost_usd, 0.022);
});

test('details always sum to the total across a spread of models', () => {
  const models: Array<[string, string]> = [
    ['openai', 'gpt-4o-mini'],
    ['openai', 'gpt-4.1'],
    ['anthropic', 'claude-3-haiku-20240307'],
    ['google', 'gemini-1.5-pro'],
    ['google', 'gemini-2.5-pro'],
    ['aws.bedrock', 'amazon.nova-lite-v1:0'],
    ['mistral', 'mistral-small-latest'],
  ];
  for (const [provider, model] of models) {
    const r = mustPrice(priceUsage({ provider, model, input_tokens: 250_000, cache_read_tokens: 50_000, cache_write_tokens: 10_000, output_tokens: 5000, reasoning_tokens: 1000 }));
    close(sumOfDetails(r), r.cost_usd, `${provider}/${model}`);
    assert.equal(r.cost_details.other, undefined, `${provider}/${model} has nothing outside the token parts`);
  }
});
