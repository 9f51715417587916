// The LLM gateway end to end: the real `openai` SDK, curl and raw fetch streams pointed at
// a real collector (embedded chDB, API keys), which forwards to fake OpenAI- and
// Anthropic-compatible upstreams inside this test. Every answer is checked on the wire and
// in the stored spans, read back through the REST API: content, tool calls, usage, cost,
// routing alias, one child span per attempt, traceparent joins, header fields, streaming
// order and time to first token, cancellation, error mapping, missing provider keys,
// refused alias targets at start-up, and tenant isolation.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { RunningCollector } from '@spanhouse/collector';
import { loadEnrichmentSettings } from '../../collector/src/enrichment/settings.ts';
import { loadGatewaySettings } from '../../collector/src/gateway/settings.ts';
import { apiClient } from '../support/api.ts';
import { runCli } from '../support/cli.ts';
import { startTestCollector, tempDataDir } from '../support/collector.ts';
import {
  ANTHROPIC_USAGE,
  echo,
  FAKE_ANTHROPIC_KEY,
  FAKE_OPENAI_KEY,
  OPENAI_USAGE,
  startFakeAnthropicUpstream,
  startFakeOpenAiUpstream,
  TOOL_ARGUMENTS,
  type FakeUpstream,
} from '../support/fake-upstreams.ts';
import { makeKey, withKeyStore } from '../support/keys.ts';
import { otelTracer } from '../support/otel.ts';

const data = tempDataDir('gateway');
let collector: RunningCollector;
let openaiUp: FakeUpstream;
let anthropicUp: FakeUpstream;
const keys = { acme: '', globex: '' };
let acme: ReturnType<typeof apiClient>;
let globex: ReturnType<typeof apiClient>;
let client: OpenAI;

const WEATHER_TOOL = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

/** The stored trace (as acme), its call span and the call's attempt spans. */
async function storedCall(traceId: string, api = acme) {
  const res = await api('GET', `/api/traces/${traceId}?include=content`);
  assert.equal(res.status, 200, res.text);
  const spans: any[] = res.body.spans;
  const call = spans.find((s) => s.service_name === 'spanhouse-gateway' && s.span_attributes?.['spanhouse.gateway.attempts'] !== undefined);
  assert.ok(call, `a gateway call span in ${JSON.stringify(spans.map((s) => s.name))}`);
  const attempts = spans.filter((s) => s.parent_span_id === call.span_id).sort((a, b) => Number(a.span_attributes['spanhouse.gateway.attempt']) - Number(b.span_attributes['spanhouse.gateway.attempt']));
  return { call, attempts, spans };
}

/** Polls until `check` gives a truthy value (asserts no timing). */
async function until<T>(check: () => T | Promise<T>): Promise<NonNullable<T>> {
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits for a trace written after the client's answer (cancelled calls); polls, asserts no timing. */
async function eventually(traceId: string) {
  for (;;) {
    const res = await acme('GET', `/api/traces/${traceId}?include=content`);
    if (res.status === 200) return storedCall(traceId);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Reads SSE `data:` payloads from a fetch response, one at a time. */
function sseReader(res: Response) {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return async function next(): Promise<string | null> {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = event.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        if (data) return data;
        continue;
      }
      const { done, value } = await reader.read();
      if (done) return null;
      buffer += value;
    }
  };
}

const chat = (body: object, headers: Record<string, string> = {}, key = keys.acme, signal?: AbortSignal) =>
  fetch(`${collector.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers }, body: JSON.stringify(body), signal });

before(async () => {
  [openaiUp, anthropicUp] = await Promise.all([startFakeOpenAiUpstream(), startFakeAnthropicUpstream()]);
  await withKeyStore(data.dir, async (keyStore) => {
    keys.acme = (await makeKey(keyStore, 'acme')).key;
    keys.globex = (await makeKey(keyStore, 'globex')).key;
  });
  const gateway = loadGatewaySettings(
    {
      // answers wait for their span: tests read the trace right after the answer
      durableResponses: true,
      providers: {
        fakeai: { baseUrl: openaiUp.baseUrl, apiKey: FAKE_OPENAI_KEY, providerName: 'openai', models: ['gpt-4o-mini'] },
        fakeanthropic: { type: 'anthropic', baseUrl: anthropicUp.baseUrl, apiKey: FAKE_ANTHROPIC_KEY, providerName: 'anthropic' },
        byok: { baseUrl: openaiUp.baseUrl },
        // the built-in, at the fake's address, still needing its key (the environment has none)
        anthropic: { baseUrl: anthropicUp.baseUrl, apiKeyEnv: 'ANTHROPIC_API_KEY' },
      },
      aliases: {
        smart: { targets: ['fakeai/fail-500', 'fakeanthropic/claude-sonnet-4'], strategy: 'fallback', retries: 1 },
        quick: { targets: ['fakeai/slow', 'fakeai/gpt-4o-mini'], timeoutMs: 400, retries: 0 },
        stuck: { targets: ['fakeai/slow'], timeoutMs: 300, retries: 0 },
        nokey: { targets: ['anthropic/claude-sonnet-4', 'fakeai/gpt-4o-mini'], retries: 1 },
      },
      defaultProvider: 'fakeai',
      allowClientKeys: true,
      retryBackoffMs: 1,
    },
    {},
  );
  // globex stores redacted content: gateway spans go through the same redaction stage as OTLP
  const enrichment = loadEnrichmentSettings({ tenants: { globex: { redact: true } } }, {});
  collector = await startTestCollector(data.dir, { gateway, enrichment });
  acme = apiClient(collector.url, keys.acme);
  globex = apiClient(collector.url, keys.globex);
  client = new OpenAI({ apiKey: keys.acme, baseURL: `${collector.url}/v1`, maxRetries: 0 });
});

after(async () => {
  await collector?.close();
  await Promise.all([openaiUp?.close(), anthropicUp?.close()]);
  data.remove();
});

describe('gateway: answers and stored spans', () => {
  test('the openai SDK through an alias: the failing target is retried, the next one answers, every attempt is a child span', async () => {
    const { data: completion, response } = await client.chat.completions
      .create({ model: 'smart', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello there' }], temperature: 0.3, max_tokens: 50 })
      .withResponse();
    assert.equal(completion.choices[0].message.content, echo('Hello there'));
    assert.equal(completion.model, 'claude-sonnet-4');
    assert.deepEqual(completion.usage, { prompt_tokens: 21, completion_tokens: 11, total_tokens: 32, prompt_tokens_details: { cached_tokens: 4 } });
    // Anthropic got a translated request: system apart, max_tokens set, the key in x-api-key
    const sent = anthropicUp.requests.at(-1)!;
    assert.equal(sent.body.system, 'Be brief.');
    assert.deepEqual(sent.body.messages, [{ role: 'user', content: [{ type: 'text', text: 'Hello there' }] }]);
    assert.equal(sent.body.max_tokens, 50);
    assert.equal(sent.headers['x-api-key'], FAKE_ANTHROPIC_KEY);

    const traceId = response.headers.get('x-spanhouse-trace-id')!;
    assert.match(traceId, /^[0-9a-f]{32}$/);
    // durable before the answer completed: readable at once, no waiting
    const { call, attempts } = await storedCall(traceId);
    assert.equal(call.type, 'generation');
    assert.equal(call.routing_alias, 'smart');
    assert.equal(call.request_model, 'smart');
    assert.equal(call.model, 'claude-sonnet-4');
    assert.equal(call.provider, 'anthropic');
    assert.equal(call.status, 'success');
    assert.deepEqual(call.input_messages.map((m: any) => [m.role, m.content]), [['system', 'Be brief.'], ['user', 'Hello there']]);
    assert.deepEqual(call.output_messages.map((m: any) => [m.role, m.content]), [['assistant', echo('Hello there')]]);
    assert.deepEqual([call.input_tokens, call.output_tokens, call.cache_read_tokens], [ANTHROPIC_USAGE.input_tokens + ANTHROPIC_USAGE.cache_read_input_tokens, ANTHROPIC_USAGE.output_tokens, 4]);
    assert.ok(call.cost_usd > 0, `priced: ${call.cost_usd}`);
    assert.equal(call.cost_source, 'computed');
    assert.equal(call.span_attributes['gen_ai.request.temperature'], '0.3');
    assert.deepEqual(call.request_params, { temperature: 0.3, max_tokens: 50, stream: false });
    assert.deepEqual(
      attempts.map((a) => [a.span_attributes['spanhouse.gateway.target'], a.status, a.span_attributes['http.response.status_code']]),
      [['fakeai/fail-500', 'error', '500'], ['fakeai/fail-500', 'error', '500'], ['fakeanthropic/claude-sonnet-4', 'success', '200']],
    );
    assert.match(attempts[0].error_message, /upstream exploded/);
    assert.ok(attempts.every((a) => a.type === 'span' && a.cost_usd === null), 'attempts carry no usage: the trace counts one generation');
  });

  test('a streamed tool call through Anthropic: chunks assemble into the tool call, the tool result goes back as tool_result', async () => {
    const stream = await client.chat.completions.create({ model: 'fakeanthropic/claude-sonnet-4', stream: true, stream_options: { include_usage: true }, tools: [WEATHER_TOOL], messages: [{ role: 'user', content: 'Weather in Lisbon?' }] });
    const calls: Record<number, { id: string; name: string; args: string }> = {};
    let finish = '';
    let usage: any = null;
    for await (const chunk of stream) {
      for (const c of chunk.choices[0]?.delta.tool_calls ?? []) {
        const slot = (calls[c.index] ??= { id: '', name: '', args: '' });
        slot.id ||= c.id ?? '';
        slot.name += c.function?.name ?? '';
        slot.args += c.function?.arguments ?? '';
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    assert.deepEqual(calls, { 0: { id: 'toolu_fake_1', name: 'get_weather', args: JSON.stringify(TOOL_ARGUMENTS) } });
    assert.equal(finish, 'tool_calls');
    assert.equal(usage.completion_tokens, ANTHROPIC_USAGE.output_tokens);
    assert.deepEqual(anthropicUp.requests.at(-1)!.body.tools, [{ name: 'get_weather', description: 'Weather for a city', input_schema: WEATHER_TOOL.function.parameters }]);

    const { data: second, response } = await client.chat.completions
      .create({
        model: 'fakeanthropic/claude-sonnet-4',
        tools: [WEATHER_TOOL],
        messages: [
          { role: 'user', content: 'Weather in Lisbon?' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_fake_1', type: 'function', function: { name: 'get_weather', arguments: JSON.stringify(TOOL_ARGUMENTS) } }] },
          { role: 'tool', tool_call_id: 'toolu_fake_1', content: 'sunny, 24C' },
        ],
      })
      .withResponse();
    assert.equal(second.choices[0].message.content, echo('sunny, 24C'));
    assert.deepEqual(anthropicUp.requests.at(-1)!.body.messages, [
      { role: 'user', content: [{ type: 'text', text: 'Weather in Lisbon?' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_fake_1', name: 'get_weather', input: TOOL_ARGUMENTS }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_fake_1', content: 'sunny, 24C' }] },
    ]);
    const { call } = await storedCall(response.headers.get('x-spanhouse-trace-id')!);
    assert.deepEqual(call.input_messages[1].tool_calls, [{ id: 'toolu_fake_1', name: 'get_weather', arguments: JSON.stringify(TOOL_ARGUMENTS) }]);
    assert.equal(call.input_messages[2].tool_call_id, 'toolu_fake_1');
    assert.equal(call.routing_alias, '');
  });

  // The timeout only turns a hang (a buffering gateway) into a failure.
  test('a raw fetch stream: the first chunk arrives before the upstream sends the rest; order, usage and TTFT are recorded', { timeout: 60_000 }, async () => {
    const res = await chat({ model: 'gated-stream', stream: true, messages: [{ role: 'user', content: 'stream me a sentence' }] });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^text\/event-stream/);
    const next = sseReader(res);
    const role = JSON.parse((await next())!);
    assert.equal(role.choices[0].delta.role, 'assistant');
    // The upstream holds everything after its first piece until release(): a buffering gateway never gets here.
    const first = JSON.parse((await next())!);
    assert.equal(first.choices[0].delta.content, 'Echo:');
    openaiUp.release();
    const payloads: string[] = [];
    for (let p = await next(); p !== null; p = await next()) payloads.push(p);
    assert.equal(payloads.at(-1), '[DONE]');
    const chunks = payloads.slice(0, -1).map((p) => JSON.parse(p));
    assert.ok(chunks.every((c) => c.choices.length > 0), 'the usage chunk the gateway asked for is not forwarded to a client that did not ask');
    const text = ['Echo:', ...chunks.map((c) => c.choices[0].delta.content ?? '')].join('');
    assert.equal(text, echo('stream me a sentence'));
    assert.equal(openaiUp.requests.at(-1)!.body.stream_options.include_usage, true, 'the gateway asks for usage');

    const { call } = await storedCall(res.headers.get('x-spanhouse-trace-id')!);
    assert.equal(call.output_text, echo('stream me a sentence'));
    assert.deepEqual([call.input_tokens, call.output_tokens, call.cache_read_tokens], [OPENAI_USAGE.prompt_tokens, OPENAI_USAGE.completion_tokens, 5]);
    assert.equal(call.model, 'gated-stream-2025-01-01');
    assert.equal(call.provider, 'openai');
    assert.ok(call.ttft_ms !== null && call.ttft_ms >= 0 && call.ttft_ms <= call.latency_ms, `ttft ${call.ttft_ms} within latency ${call.latency_ms}`);
    assert.deepEqual(call.request_params, { stream: true }, 'stream is a request parameter like the others');
  });

  test('curl with a traceparent and x-spanhouse-* headers: the span joins the caller trace and carries the fields', { skip: existsSync('/usr/bin/curl') ? false : 'no curl' }, async () => {
    const traceId = 'a'.repeat(16) + 'b'.repeat(16);
    const parent = '1234567890abcdef';
    const { stdout } = await promisify(execFile)('/usr/bin/curl', [
      '-sS', '-D', '-', `${collector.url}/v1/chat/completions`,
      '-H', `Authorization: Bearer ${keys.acme}`, '-H', 'Content-Type: application/json',
      '-H', `traceparent: 00-${traceId}-${parent}-01`,
      '-H', 'x-spanhouse-metadata: {"feature":"checkout","attempt":2}',
      '-H', 'x-spanhouse-user-id: user-42', '-H', 'x-spanhouse-session-id: sess-7', '-H', 'x-spanhouse-tags: beta, mobile',
      '-d', JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'from curl' }] }),
    ]);
    assert.match(stdout, new RegExp(`x-spanhouse-trace-id: ${traceId}`, 'i'));
    assert.match(stdout, new RegExp(echo('from curl')));
    const { call } = await storedCall(traceId);
    assert.equal(call.parent_span_id, parent);
    assert.deepEqual(call.metadata, { feature: 'checkout', attempt: '2' });
    assert.deepEqual([call.user_id, call.session_id, call.tags], ['user-42', 'sess-7', ['beta', 'mobile']]);
  });

  test('embeddings and models', async () => {
    const { data: answer, response } = await client.embeddings.create({ model: 'gpt-4o-mini', input: ['one', 'three'] }).withResponse();
    assert.equal(answer.data.length, 2);
    const { call } = await storedCall(response.headers.get('x-spanhouse-trace-id')!);
    assert.equal(call.type, 'embedding');
    assert.equal(call.input_tokens, 6);
    assert.deepEqual(call.input_messages.map((m: any) => m.content), ['one', 'three']);
    const models = await client.models.list();
    const ids = models.data.map((m) => m.id);
    assert.deepEqual(ids, ['smart', 'quick', 'stuck', 'nokey', 'fakeai/gpt-4o-mini']);
  });

  test("a client's own upstream key is used when allowed and never stored", async () => {
    const res = await chat({ model: 'byok/gpt-4o-mini', messages: [{ role: 'user', content: 'my key' }] }, { 'x-spanhouse-upstream-key': 'sk-client-own' });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(openaiUp.requests.at(-1)!.headers.authorization, 'Bearer sk-client-own');
    const { spans } = await storedCall(res.headers.get('x-spanhouse-trace-id')!);
    assert.ok(!JSON.stringify(spans).includes('sk-client-own'));
    const without = await chat({ model: 'byok/gpt-4o-mini', messages: [{ role: 'user', content: 'no key' }] });
    assert.equal(without.status, 401, 'the provider has no key of its own: the upstream refuses');
  });
});

describe('gateway: failures', () => {
  test('an upstream 400 reaches the SDK in OpenAI format with its status, and the failed call is stored', async () => {
    const error = await client.chat.completions.create({ model: 'bad-request', messages: [{ role: 'user', content: 'x' }] }).then(
      () => assert.fail('expected an error'),
      (e) => e,
    );
    assert.ok(error instanceof OpenAI.BadRequestError, String(error));
    assert.equal(error.status, 400);
    assert.match(error.message, /this model refuses this request/);
    const traceId = error.headers.get('x-spanhouse-trace-id');
    const { call, attempts } = await storedCall(traceId!);
    assert.equal(call.status, 'error');
    assert.match(call.error_message, /refuses this request/);
    assert.equal(attempts.length, 1, 'a 400 is not retried');
  });

  test('429s are retried, then answered with the upstream status; an Anthropic error is translated', async () => {
    const res = await chat({ model: 'fakeai/rate-limited', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(res.status, 429);
    const body = await res.json();
    assert.equal(body.error.code, 'rate_limit_exceeded');
    const traceId = res.headers.get('x-spanhouse-trace-id')!;
    const { call, attempts } = await storedCall(traceId);
    assert.equal(attempts.length, 2, 'one retry (the default)');
    // a failed call names the model as answered ones do (no provider prefix); request_model is what the client sent
    assert.deepEqual([call.model, call.request_model, call.provider], ['rate-limited', 'fakeai/rate-limited', 'openai']);
    const byModel = await acme('GET', '/api/traces?model=rate-limited');
    assert.ok(byModel.body.data.some((t: any) => t.trace_id === traceId), byModel.text);

    const overloaded = await chat({ model: 'fakeanthropic/overloaded', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(overloaded.status, 529);
    assert.deepEqual(await overloaded.json(), { error: { message: 'Overloaded', type: 'overloaded_error', param: null, code: 'overloaded_error' } });
  });

  test('a slow target times out and the next one answers; a call with no answer gets a 504, never a hang', async () => {
    const completion = await client.chat.completions.create({ model: 'quick', messages: [{ role: 'user', content: 'hurry' }] }).withResponse();
    assert.equal(completion.data.choices[0].message.content, echo('hurry'));
    await openaiUp.upstreamClosed('slow'); // the timed-out request was cancelled upstream
    const { call, attempts } = await storedCall(completion.response.headers.get('x-spanhouse-trace-id')!);
    assert.deepEqual(attempts.map((a) => [a.span_attributes['spanhouse.gateway.target'], a.error_type]), [['fakeai/slow', 'timeout'], ['fakeai/gpt-4o-mini', '']]);
    assert.equal(call.model, 'gpt-4o-mini-2025-01-01');

    const res = await chat({ model: 'stuck', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(res.status, 504);
    assert.equal((await res.json()).error.type, 'timeout');
    const { call: stuck } = await storedCall(res.headers.get('x-spanhouse-trace-id')!);
    assert.deepEqual([stuck.model, stuck.request_model, stuck.routing_alias], ['slow', 'stuck', 'stuck'], 'the last target tried names the model; the alias stays visible');
  });

  test('a client that goes away cancels the upstream stream; the cut-off call is stored with what arrived', { timeout: 60_000 }, async () => {
    const controller = new AbortController();
    const res = await chat({ model: 'hang-stream', stream: true, messages: [{ role: 'user', content: 'never finishes' }] }, {}, keys.acme, controller.signal);
    const next = sseReader(res);
    await next();
    await next(); // the first content piece
    controller.abort();
    await openaiUp.upstreamClosed('hang-stream');
    const { call } = await eventually(res.headers.get('x-spanhouse-trace-id')!);
    assert.equal(call.status, 'error');
    assert.equal(call.error_type, 'cancelled');
    assert.equal(call.output_text, 'Echo:');
  });

  test('a client that goes away before a non-streamed answer cancels the upstream request; the call is stored as cancelled', { timeout: 60_000 }, async () => {
    const controller = new AbortController();
    const res = chat({ model: 'slow-abandoned', messages: [{ role: 'user', content: 'no answer coming' }] }, {}, keys.acme, controller.signal);
    await until(() => openaiUp.requests.some((r) => r.body?.model === 'slow-abandoned'));
    controller.abort();
    await assert.rejects(res, { name: 'AbortError' });
    await openaiUp.upstreamClosed('slow-abandoned'); // the gateway cancelled its upstream request
    const traces = await until(async () => {
      const list = await acme('GET', '/api/traces?limit=50&model=slow-abandoned');
      return list.body.data?.length ? list.body.data : null;
    });
    const { call } = await eventually(traces[0].trace_id);
    assert.equal(call.status, 'error');
    assert.equal(call.error_type, 'cancelled');
  });

  test('an upstream that cuts its stream: the client gets an error event and the end, the span the error', async () => {
    const res = await chat({ model: 'drop-stream', stream: true, messages: [{ role: 'user', content: 'cut' }] });
    const next = sseReader(res);
    const payloads: string[] = [];
    for (let p = await next(); p !== null; p = await next()) payloads.push(p);
    assert.equal(payloads.at(-1), '[DONE]');
    assert.equal(JSON.parse(payloads.at(-2)!).error.type, 'network_error');
    const { call } = await storedCall(res.headers.get('x-spanhouse-trace-id')!);
    assert.equal(call.error_type, 'network_error');
  });

  test('a provider with no key is not called: the attempt fails naming the variable and the next target answers; with no other target the SDK gets a 500', async () => {
    const asked = anthropicUp.requests.length;
    const { data: completion, response } = await client.chat.completions.create({ model: 'nokey', messages: [{ role: 'user', content: 'keyless' }] }).withResponse();
    assert.equal(completion.choices[0].message.content, echo('keyless'));
    assert.equal(anthropicUp.requests.length, asked, 'the keyless upstream never saw the request');
    const { call, attempts } = await storedCall(response.headers.get('x-spanhouse-trace-id')!);
    assert.equal(call.status, 'success');
    const message = 'anthropic: no API key: set ANTHROPIC_API_KEY or gateway.providers.anthropic.apiKey, or send one in x-spanhouse-upstream-key';
    assert.deepEqual(
      attempts.map((a) => [a.span_attributes['spanhouse.gateway.target'], a.status, a.error_type, a.error_message, a.span_attributes['http.response.status_code']]),
      [['anthropic/claude-sonnet-4', 'error', 'missing_api_key', message, undefined], ['fakeai/gpt-4o-mini', 'success', '', '', '200']],
      'one attempt for the keyless target (a retry has no key either), no HTTP status (no upstream answered)',
    );

    // a built-in with no key at all (groq: GROQ_API_KEY unset) and nothing to fall back to
    const error = await client.chat.completions.create({ model: 'groq/llama-3.3-70b-versatile', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    assert.ok(error instanceof OpenAI.InternalServerError, String(error));
    assert.equal(error.status, 500);
    assert.deepEqual(error.error, { message: 'groq: no API key: set GROQ_API_KEY or gateway.providers.groq.apiKey, or send one in x-spanhouse-upstream-key', type: 'missing_api_key', param: null, code: 'missing_api_key' });
    const failed = await storedCall(error.headers.get('x-spanhouse-trace-id')!);
    assert.deepEqual([failed.call.status, failed.call.error_type, failed.call.model, failed.call.provider], ['error', 'missing_api_key', 'llama-3.3-70b-versatile', 'groq']);
    assert.match(failed.call.error_message, /set GROQ_API_KEY/);
    assert.equal(failed.attempts.length, 1);

    // the client's own key (allowed here) stands in for the missing one
    const own = await chat({ model: 'anthropic/claude-sonnet-4', messages: [{ role: 'user', content: 'bring my own' }] }, { 'x-spanhouse-upstream-key': FAKE_ANTHROPIC_KEY });
    assert.equal(own.status, 200, await own.clone().text());
    assert.equal(anthropicUp.requests.length, asked + 1);
  });

  test('an alias target naming no configured provider stops start-up: one line, exit 1', async () => {
    const config = join(data.dir, 'typo-gateway.json');
    writeFileSync(config, JSON.stringify({ gateway: { providers: { fake: { baseUrl: openaiUp.baseUrl } }, defaultProvider: 'fake', aliases: { weird: { targets: ['nosuchprov/x'] } } } }));
    const result = await runCli(['serve', '--port', '0', '--grpc-port', '0', '--config', config, '--data', join(data.dir, 'never-made')]);
    assert.equal(result.code, 1, result.stderr);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0], /^spanhouse: invalid gateway settings: gateway\.aliases\.weird\.targets\.0: "nosuchprov\/x" names no configured provider "nosuchprov" .*write "fake\/nosuchprov\/x"/);
  });

  test('bad requests get OpenAI-format 400s before any upstream is asked', async () => {
    const count = openaiUp.requests.length;
    for (const [body, headers, pattern] of [
      [{ model: 'gpt-4o-mini' }, {}, /messages/],
      [{ messages: [{ role: 'user', content: 'x' }] }, {}, /model/],
      [{ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }, { 'x-spanhouse-metadata': '{not json' }, /x-spanhouse-metadata/],
    ] as const) {
      const res = await chat(body, headers as Record<string, string>);
      assert.equal(res.status, 400);
      const answer = await res.json();
      assert.equal(answer.error.type, 'invalid_request_error');
      assert.match(answer.error.message, pattern);
    }
    const garbage = await fetch(`${collector.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${keys.acme}`, 'content-type': 'application/json' }, body: '{"model":' });
    assert.equal(garbage.status, 400);
    assert.ok((await garbage.json()).error.message);
    assert.equal(openaiUp.requests.length, count);
  });
});

describe('gateway: tenants', () => {
  test("a call is stored in the tenant of its key, with that tenant's redaction, invisible to others; a bad key is an OpenAI-format 401", async () => {
    const { response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'acme secret prompt' }] }).withResponse();
    const traceId = response.headers.get('x-spanhouse-trace-id')!;
    await storedCall(traceId);
    assert.equal((await globex('GET', `/api/traces/${traceId}`)).status, 404);
    const search = await globex('GET', `/api/traces?q=${encodeURIComponent('acme secret prompt')}`);
    assert.equal(search.status, 200);
    assert.deepEqual(search.body.data, []);

    const other = new OpenAI({ apiKey: keys.globex, baseURL: `${collector.url}/v1`, maxRetries: 0 });
    const { data: answer, response: theirs } = await other.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'mail jane@example.com' }] }).withResponse();
    assert.equal(answer.choices[0].message.content, echo('mail jane@example.com'), 'the upstream and the client see the real text');
    const theirTrace = theirs.headers.get('x-spanhouse-trace-id')!;
    assert.equal((await acme('GET', `/api/traces/${theirTrace}`)).status, 404);
    const { call: theirCall } = await storedCall(theirTrace, globex);
    assert.equal(theirCall.input_messages[0].content, 'mail [REDACTED_EMAIL]');
    assert.equal(theirCall.output_text, 'Echo: mail [REDACTED_EMAIL]');

    const anonymous = new OpenAI({ apiKey: 'not-a-key', baseURL: `${collector.url}/v1`, maxRetries: 0 });
    const error = await anonymous.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    assert.ok(error instanceof OpenAI.AuthenticationError, String(error));
    assert.equal((error.error as any)?.type, 'authentication_error');
  });
});

describe('playground API', () => {
  test('POST /api/playground/runs replays a span with an edited turn and another model, traced as a linked playground span', async () => {
    const { response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', temperature: 0.2, max_tokens: 64, messages: [{ role: 'system', content: 'Answer in French.' }, { role: 'user', content: 'original question' }] })
      .withResponse();
    const { call: source } = await storedCall(response.headers.get('x-spanhouse-trace-id')!);

    const res = await acme('POST', '/api/playground/runs', {
      span_id: source.span_id,
      model: 'fakeanthropic/claude-sonnet-4',
      messages: [{ role: 'system', content: 'Answer in French.' }, { role: 'user', content: 'edited question' }],
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.error, null);
    assert.equal(res.body.original.span_id, source.span_id);
    assert.equal(res.body.original.output_text, echo('original question'));
    assert.equal(res.body.run.output_text, echo('edited question'));
    assert.equal(res.body.run.model, 'claude-sonnet-4');
    assert.deepEqual([res.body.run.input_tokens, res.body.run.output_tokens], [21, 11]);
    assert.ok(res.body.run.cost_usd > 0 && res.body.original.cost_usd > 0);
    // the source's parameters came along (temperature, max_tokens)
    const sent = anthropicUp.requests.at(-1)!.body;
    assert.deepEqual([sent.temperature, sent.max_tokens, sent.system], [0.2, 64, 'Answer in French.']);

    const { call: run } = await storedCall(res.body.run.trace_id);
    assert.notEqual(run.trace_id, source.trace_id, 'a run is its own trace');
    assert.deepEqual(run.tags, ['playground']);
    assert.equal(run.metadata['playground.source_span_id'], source.span_id);
    assert.equal(run.metadata['playground.source_trace_id'], source.trace_id);
    const tagged = await acme('GET', '/api/traces?tag=playground');
    assert.ok(tagged.body.data.some((t: any) => t.trace_id === run.trace_id), tagged.text);
  });

  test('a streamed run sends chunks, then the comparison as the result event; bad input is a 400, other tenants get a 404', async () => {
    const res = await fetch(`${collector.url}/api/playground/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.acme}` },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'stream please' }] }),
    });
    assert.equal(res.status, 200);
    const body = await res.text();
    const events = body.trim().split('\n\n');
    const result = events.at(-1)!;
    assert.match(result, /^event: result\n/);
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, '')));
    assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), echo('stream please'));
    const summary = JSON.parse(result.split('\n')[1].replace(/^data: /, ''));
    assert.equal(summary.run.output_text, echo('stream please'));
    assert.equal(summary.original, null);

    assert.equal((await acme('POST', '/api/playground/runs', { model: 'gpt-4o-mini' })).status, 400);
    assert.equal((await acme('POST', '/api/playground/runs', { messages: [{ role: 'wizard', content: 'x' }], model: 'm' })).status, 400);
    const { response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'mine' }] }).withResponse();
    const { call } = await storedCall(response.headers.get('x-spanhouse-trace-id')!);
    const foreign = await globex('POST', '/api/playground/runs', { span_id: call.span_id });
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body.error.code, 'not_found');
  });

  test('a span an SDK sent over OTLP straight to Anthropic replays on the Anthropic provider, with or without its model named', async () => {
    const otel = otelTracer(collector.url, { headers: { authorization: `Bearer ${keys.acme}` } });
    const span = otel.tracer.startSpan('chat claude-sonnet-4', {
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.request.model': 'claude-sonnet-4',
        'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'asked over otlp' }] }]),
      },
    });
    span.end();
    await otel.shutdown();
    const spanId = span.spanContext().spanId;
    const stored = await acme('GET', `/api/spans/${spanId}`);
    assert.equal(stored.status, 200, stored.text);
    assert.equal(stored.body.provider, 'anthropic');

    // left out (the API), or named as the UI loads it: both go to fakeanthropic, the configured provider with a key
    for (const body of [{ span_id: spanId }, { span_id: spanId, model: 'claude-sonnet-4' }]) {
      const before = anthropicUp.requests.length;
      const res = await acme('POST', '/api/playground/runs', body);
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.error, null, JSON.stringify(res.body.error));
      assert.equal(res.body.run.output_text, echo('asked over otlp'));
      assert.equal(anthropicUp.requests.length, before + 1, 'the Anthropic upstream answered the replay');
      assert.equal(anthropicUp.requests.at(-1)!.body.model, 'claude-sonnet-4');
    }
    // another model goes where that model's name routes it (the default provider)
    const openaiCalls = openaiUp.requests.length;
    const other = await acme('POST', '/api/playground/runs', { span_id: spanId, model: 'gpt-4o-mini' });
    assert.equal(other.status, 201, other.text);
    assert.equal(other.body.error, null, JSON.stringify(other.body.error));
    assert.equal(openaiUp.requests.length, openaiCalls + 1);
    assert.equal(openaiUp.requests.at(-1)!.body.model, 'gpt-4o-mini');
  });

  test('a run whose upstream fails answers with the error and stores the failed run', async () => {
    const res = await acme('POST', '/api/playground/runs', { model: 'bad-request', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(res.status, 201, res.text);
    assert.match(res.body.error.message, /refuses/);
    assert.equal(res.body.run.status, 'error');
  });
});
