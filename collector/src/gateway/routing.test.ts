import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attemptKey, orderTargets, planRoute } from './routing.ts';
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

test('alias targets: an unknown provider prefix is refused at load; every documented form is accepted', () => {
  const load = (aliases: Record<string, unknown>, more: Record<string, unknown> = {}) => loadGatewaySettings({ providers: { fake: { baseUrl: 'http://127.0.0.1:9/v1' } }, defaultProvider: 'fake', aliases, ...more }, {});
  assert.throws(
    () => load({ weird: { targets: ['nosuchprov/x'] } }),
    /^Error: invalid gateway settings: gateway\.aliases\.weird\.targets\.0: "nosuchprov\/x" names no configured provider "nosuchprov" \(providers: openai, anthropic, gemini, groq, fake\); add it under gateway\.providers, or write "fake\/nosuchprov\/x"/,
  );
  // every bad target is named, in one line
  assert.throws(() => load({ a: { targets: ['fake/ok', { model: 'anthropc/claude-sonnet-4', weight: 2 }] }, b: { targets: ['opneai/gpt-4.1'] } }), (e: Error) => {
    assert.match(e.message, /gateway\.aliases\.a\.targets\.1\.model: "anthropc\/claude-sonnet-4".*; gateway\.aliases\.b\.targets\.0: "opneai\/gpt-4\.1"/);
    assert.doesNotMatch(e.message, /\n/);
    return true;
  });
  const ok = load(
    {
      bare: { targets: ['gpt-4.1'] },
      prefixed: { targets: ['anthropic/claude-sonnet-4', { model: 'fake/llama3', weight: 2 }] },
      nested: { targets: ['openrouter/meta-llama/llama-3.3-70b-instruct'] },
      hf: { targets: ['Qwen/Qwen2.5-7B-Instruct'] },
      listed: { targets: ['meta-llama/llama-3-70b'] },
    },
    { providers: { fake: { baseUrl: 'http://127.0.0.1:9/v1', models: ['meta-llama/llama-3-70b'] }, openrouter: { baseUrl: 'https://openrouter.ai/api/v1' } } },
  );
  const targets = (alias: string) => ok.aliases[alias].targets.map((x) => `${x.provider} ${x.model}`);
  assert.deepEqual(targets('bare'), ['fake gpt-4.1']);
  assert.deepEqual(targets('prefixed'), ['anthropic claude-sonnet-4', 'fake llama3']);
  assert.deepEqual(targets('nested'), ['openrouter meta-llama/llama-3.3-70b-instruct']);
  assert.deepEqual(targets('hf'), ['fake Qwen/Qwen2.5-7B-Instruct'], 'a first part no provider can be spelled as is a model name');
  assert.deepEqual(targets('listed'), ['fake meta-llama/llama-3-70b'], 'an org/model id the default provider lists');
});

test('which providers need a key, and which key an attempt sends', () => {
  const settings = loadGatewaySettings(
    {
      providers: {
        ollama: { baseUrl: 'http://127.0.0.1:11434/v1' },
        openrouter: { baseUrl: 'https://openrouter.ai/api/v1', apiKeyEnv: 'OPENROUTER_API_KEY' },
        groq: { baseUrl: 'http://127.0.0.1:4000/v1' },
      },
    },
    { OPENAI_API_KEY: 'sk-env' },
  );
  const p = settings.providers;
  assert.deepEqual(
    Object.values(p).map((x) => [x.name, x.apiKeyEnv ?? null]),
    [['openai', 'OPENAI_API_KEY'], ['anthropic', 'ANTHROPIC_API_KEY'], ['gemini', 'GEMINI_API_KEY'], ['groq', null], ['ollama', null], ['openrouter', 'OPENROUTER_API_KEY']],
  );
  assert.equal(attemptKey(p.openai, undefined, false), 'sk-env');
  assert.equal(attemptKey(p.openai, 'sk-client', true), 'sk-client');
  assert.equal(attemptKey(p.ollama, undefined, false), undefined);
  assert.equal(attemptKey(p.groq, undefined, false), undefined, 'a built-in moved to a base URL of its own needs no key');
  assert.equal(attemptKey(p.anthropic, 'sk-client', true), 'sk-client');
  assert.throws(() => attemptKey(p.anthropic, undefined, false), /^MissingApiKeyError: anthropic: no API key: set ANTHROPIC_API_KEY or gateway\.providers\.anthropic\.apiKey$/);
  assert.throws(() => attemptKey(p.anthropic, 'sk-client', false), /set ANTHROPIC_API_KEY/, 'a client key counts only when allowed');
  assert.throws(() => attemptKey(p.openrouter, undefined, true), /openrouter: no API key: set OPENROUTER_API_KEY or gateway\.providers\.openrouter\.apiKey, or send one in x-spanhouse-upstream-key/);
});

test('traceparent: valid headers join, anything else starts a new trace', () => {
  assert.deepEqual(parseTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'), { traceId: '0af7651916cd43dd8448eb211c80319c', parentSpanId: 'b7ad6b7169203331' });
  for (const bad of [undefined, '', 'garbage', '00-00000000000000000000000000000000-b7ad6b7169203331-01', 'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01']) {
    assert.equal(parseTraceparent(bad), null, String(bad));
  }
});
