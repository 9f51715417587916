import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { compileOverrides, findOverride, loadPriceOverrides } from './overrides.ts';
import { priceUsage, type PricedUsage } from './price-usage.ts';

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-12, `expected ${expected}, got ${actual}`);

test('an override wins over the bundled price and uses the same counting rules', () => {
  const overrides = compileOverrides({
    version: 'acme-negotiated',
    prices: [{ provider: 'openai', model: 'gpt-4o', input_mtok: 1, output_mtok: 4, cache_read_mtok: 0.1 }],
  });
  const r = priceUsage({ provider: 'openai', model: 'GPT-4o', input_tokens: 1000, cache_read_tokens: 500, output_tokens: 100 }, overrides) as PricedUsage;
  assert.equal(r.unpriced, false);
  close(r.cost_usd, (500 * 1 + 500 * 0.1 + 100 * 4) / 1e6);
  close(r.cost_details.cache_read, (500 * 0.1) / 1e6);
  assert.deepEqual(r.pricing, { provider: 'openai', model: 'gpt-4o', source: 'override', version: 'override:acme-negotiated' });
  // Without overrides the bundled price applies.
  const bundled = priceUsage({ provider: 'openai', model: 'gpt-4o', input_tokens: 1000, output_tokens: 100 }) as PricedUsage;
  assert.equal(bundled.pricing.source, 'genai-prices');
});

test('an override prices a model genai-prices does not know (self-hosted, fine-tune)', () => {
  const overrides = compileOverrides({ prices: [{ model: { starts_with: 'acme-llama-' }, input_mtok: 0.2, output_mtok: 0.6 }] });
  const r = priceUsage({ provider: 'vllm', model: 'acme-llama-70b-instruct', input_tokens: 1_000_000, output_tokens: 1_000_000 }, overrides);
  assert.equal(r.unpriced, false);
  close((r as PricedUsage).cost_usd, 0.8);
  assert.equal((r as PricedUsage).pricing.model, 'acme-llama-*');
  assert.equal((r as PricedUsage).pricing.provider, 'vllm', 'an any-provider override reports the span provider');
  assert.match((r as PricedUsage).pricing.version, /^override:[0-9a-f]{8}$/, 'unlabelled overrides are versioned by content hash');
});

test('separately priced reasoning in an override is split from output', () => {
  const overrides = compileOverrides({ prices: [{ model: 'thinker', input_mtok: 1, output_mtok: 10, reasoning_mtok: 2 }] });
  const r = priceUsage({ model: 'thinker', input_tokens: 0, output_tokens: 1000, reasoning_tokens: 600 }, overrides) as PricedUsage;
  close(r.cost_details.output, (400 * 10) / 1e6);
  close(r.cost_details.reasoning ?? NaN, (600 * 2) / 1e6);
});

test('model matching: exact (case-insensitive), prefix, case-insensitive regex; first match wins', () => {
  const overrides = compileOverrides({
    prices: [
      { provider: 'azure', model: { regex: '^prod-gpt4o-(eu|us)$' }, input_mtok: 1, output_mtok: 1 },
      { model: { equals: 'My-Model' }, input_mtok: 2, output_mtok: 2 },
      { provider: '*', model: { starts_with: 'my-' }, input_mtok: 3, output_mtok: 3 },
    ],
  });
  assert.equal(findOverride(overrides, 'azure', 'PROD-GPT4O-EU')?.prices.input_mtok, 1);
  assert.equal(findOverride(overrides, 'azure', 'prod-gpt4o-asia'), undefined);
  assert.equal(findOverride(overrides, 'openai', 'prod-gpt4o-eu'), undefined, 'provider must match when given');
  assert.equal(findOverride(overrides, 'azure.ai.openai', 'prod-gpt4o-us')?.prices.input_mtok, 1, 'provider spellings are normalised');
  assert.equal(findOverride(overrides, 'anything', 'my-model')?.prices.input_mtok, 2);
  assert.equal(findOverride(overrides, 'anything', 'my-model-2')?.prices.input_mtok, 3);
  assert.equal(findOverride(overrides, 'anything', 'your-model'), undefined);
});

test('invalid config is rejected with the offending path', () => {
  assert.throws(() => compileOverrides({ prices: [{ model: 'x', input_mtok: 1 }] }), /output_mtok/);
  assert.throws(() => compileOverrides({ prices: [{ model: 'x', input_mtok: -1, output_mtok: 1 }] }), /input_mtok/);
  assert.throws(() => compileOverrides({ prices: [{ model: 'x', input_mtok: 1, output_mtok: 1, inptu_mtok: 2 }] }), /inptu_mtok/);
  assert.throws(() => compileOverrides({ prices: [{ model: { regex: '(' }, input_mtok: 1, output_mtok: 1 }] }), /prices\[0\]\.model\.regex/);
  assert.throws(() => compileOverrides({ prices: [{ model: { contains: 'x' }, input_mtok: 1, output_mtok: 1 }] }), /model/);
  assert.throws(() => compileOverrides([]), /invalid price overrides/);
});

test('loads overrides from a JSON file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spanhouse-prices-'));
  const path = join(dir, 'prices.json');
  writeFileSync(path, JSON.stringify({ version: 'v7', prices: [{ provider: 'anthropic', model: 'claude-custom', input_mtok: 5, output_mtok: 25 }] }));
  const overrides = loadPriceOverrides(path);
  assert.equal(overrides.version, 'override:v7');
  assert.equal(overrides.entries.length, 1);
  writeFileSync(path, '{ not json');
  assert.throws(() => loadPriceOverrides(path), /cannot read price overrides/);
  assert.throws(() => loadPriceOverrides(join(dir, 'missing.json')), /cannot read price overrides/);
});
