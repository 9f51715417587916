import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { mapSpan, type Attributes, type SpanhouseSpan } from '@spanhouse/model';
import { BUNDLED_PRICE_VERSION } from './price-data.ts';
import { createPricer, priceSpan } from './price-span.ts';

const close = (actual: number | null, expected: number) =>
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-12, `expected ${expected}, got ${actual}`);

/** A span through the real mapping, as the collector's pipeline will see it. */
function mapped(attributes: Attributes): SpanhouseSpan {
  return mapSpan({
    span: {
      traceId: 'a'.repeat(32),
      spanId: 'b'.repeat(16),
      parentSpanId: '',
      name: 'chat',
      kind: 3,
      startTimeUs: Date.parse('2025-06-01T12:00:00Z') * 1000,
      endTimeUs: Date.parse('2025-06-01T12:00:01Z') * 1000,
      attributes,
      events: [],
      links: [],
      status: { code: 0, message: '' },
    },
    resource: { 'service.name': 'svc' },
    scope: { name: 'test', version: '' },
    tenantId: 't1',
  });
}

const chat = (extra: Attributes = {}) =>
  mapped({
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o',
    'gen_ai.response.model': 'gpt-4o-2024-08-06',
    'gen_ai.usage.input_tokens': 2000,
    'gen_ai.usage.cache_read.input_tokens': 1000,
    'gen_ai.usage.output_tokens': 100,
    ...extra,
  });

test('mapSpan leaves pricing empty; priceSpan computes cost for a generation', () => {
  const span = chat();
  assert.equal(span.type, 'generation');
  assert.equal(span.pricing, null);
  assert.equal(span.unpriced, false);
  const out = priceSpan(span);
  close(out.cost_usd, (1000 * 2.5 + 1000 * 1.25 + 100 * 10) / 1e6);
  assert.equal(out.cost_source, 'computed');
  close(out.cost_details.cache_read, (1000 * 1.25) / 1e6);
  assert.deepEqual(out.pricing, { provider: 'openai', model: 'gpt-4o', source: 'genai-prices', version: BUNDLED_PRICE_VERSION });
  assert.equal(out.unpriced, false);
  assert.equal(span.cost_usd, null, 'input span is not mutated');
});

test('a client-reported cost wins and is left alone', () => {
  const span = chat({ 'gen_ai.usage.cost': 0.5 });
  assert.equal(span.cost_source, 'client');
  const out = priceSpan(span);
  assert.equal(out, span);
  assert.equal(out.cost_usd, 0.5);
});

test('unknown models are marked unpriced with a null cost', () => {
  const out = priceSpan(chat({ 'gen_ai.request.model': 'in-house-7b', 'gen_ai.response.model': 'in-house-7b' }));
  assert.equal(out.unpriced, true);
  assert.equal(out.cost_usd, null);
  assert.equal(out.cost_source, '');
  assert.equal(out.pricing, null);
});

test('falls back to the requested model when the response model has no price', () => {
  const out = priceSpan(chat({ 'gen_ai.response.model': 'my-azure-deployment' }));
  assert.equal(out.unpriced, false);
  assert.equal(out.pricing?.model, 'gpt-4o');
});

test('embedding spans are priced; tool spans and spans without usage are untouched', () => {
  const embedding = priceSpan(
    mapped({
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'text-embedding-3-small',
      'gen_ai.usage.input_tokens': 500_000,
    }),
  );
  assert.equal(embedding.type, 'embedding');
  close(embedding.cost_usd, 0.01);

  const tool = mapped({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search' });
  assert.equal(priceSpan(tool), tool);
  const noUsage = mapped({ 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o' });
  assert.equal(priceSpan(noUsage), noUsage);
  assert.equal(noUsage.unpriced, false, 'no usage is not "unpriced": there is nothing to price');
});

test('a computed cost is recomputed (e.g. after overrides change); client costs never are', () => {
  const first = priceSpan(chat());
  const pricer = createPricer({ overrides: { prices: [{ provider: 'openai', model: 'gpt-4o-2024-08-06', input_mtok: 0, output_mtok: 0 }] } });
  const again = pricer.priceSpan(first);
  assert.equal(again.cost_usd, 0);
  assert.equal(again.pricing?.source, 'override');
});

test('createPricer reads an override file and prices a batch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spanhouse-pricer-'));
  const path = join(dir, 'prices.json');
  writeFileSync(path, JSON.stringify({ version: 'test', prices: [{ model: 'in-house-7b', input_mtok: 0.1, output_mtok: 0.2 }] }));
  const pricer = createPricer({ overridesFile: path });
  assert.equal(pricer.refresher, undefined, 'price refresh is off by default');
  const [known, inHouse] = pricer.priceSpans([chat(), chat({ 'gen_ai.request.model': 'in-house-7b', 'gen_ai.response.model': 'in-house-7b' })]);
  assert.equal(known.pricing?.source, 'genai-prices');
  close(inHouse.cost_usd, (2000 * 0.1 + 100 * 0.2) / 1e6);
  assert.deepEqual(inHouse.pricing, { provider: 'openai', model: 'in-house-7b', source: 'override', version: 'override:test' });
  pricer.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a span with a model and no provider (Langfuse) gets the provider the price tables know, marked inferred', () => {
  const pricer = createPricer();
  const chat = pricer.priceSpan(mapped({ 'langfuse.observation.type': 'generation', 'langfuse.observation.model.name': 'claude-3-5-sonnet-20241022', 'langfuse.observation.usage_details': '{"input":1000,"output":100}' }));
  assert.equal(chat.provider, 'anthropic');
  assert.deepEqual(chat.mapping.inferred, ['provider']);
  assert.equal(chat.cost_source, 'computed');
  // an embedding model no provider's name pattern claims (dated or not): found through the first-party tables
  const embedding = pricer.priceSpan(mapped({ 'langfuse.observation.type': 'embedding', 'langfuse.observation.model.name': 'text-embedding-3-small', 'langfuse.observation.usage_details': '{"input":5}' }));
  assert.equal(embedding.provider, 'openai');
  assert.deepEqual(embedding.mapping.inferred, ['provider']);
  assert.equal(pricer.priceSpan(mapped({ 'langfuse.observation.type': 'embedding', 'langfuse.observation.model.name': 'text-embedding-3-small-2024-07-18' })).provider, 'openai');
  // a provider the span names is never replaced, and an unknown model stays without one
  const named = pricer.priceSpan(mapped({ 'gen_ai.provider.name': 'aws.bedrock', 'gen_ai.request.model': 'claude-3-5-sonnet-20241022', 'gen_ai.operation.name': 'chat' }));
  assert.equal(named.provider, 'aws.bedrock');
  assert.deepEqual(named.mapping.inferred, []);
  const unknown = pricer.priceSpan(mapped({ 'langfuse.observation.type': 'generation', 'langfuse.observation.model.name': 'my-own-model' }));
  assert.equal(unknown.provider, '');
  assert.deepEqual(unknown.mapping.inferred, []);
});
