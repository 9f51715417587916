// The gateway's default durability (durableResponses: false): the client gets its answer before
// the call's span is stored, and the span still lands, through the same batched insert as OTLP,
// also when the collector shuts down right after answering. The real `openai` SDK against a fake
// OpenAI-compatible upstream; spans read back through the REST API.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import type { RunningCollector } from '@spanhouse/collector';
import { loadGatewaySettings } from '../../collector/src/gateway/settings.ts';
import { apiClient } from '../support/api.ts';
import { startTestCollector, tempDataDir } from '../support/collector.ts';
import { echo, FAKE_OPENAI_KEY, startFakeOpenAiUpstream, type FakeUpstream } from '../support/fake-upstreams.ts';

const data = tempDataDir('gateway-answer-first');
let upstream: FakeUpstream;
let collector: RunningCollector;

const gateway = () =>
  loadGatewaySettings({ providers: { fakeai: { baseUrl: upstream.baseUrl, apiKey: FAKE_OPENAI_KEY, providerName: 'openai', models: ['gpt-4o-mini'] } }, defaultProvider: 'fakeai' }, {});
const openai = () => new OpenAI({ apiKey: 'unused-without-keys', baseURL: `${collector.url}/v1`, maxRetries: 0 });

/** A chat call through the gateway; returns its trace id and the answer's text. */
async function call(content: string): Promise<{ traceId: string; text: string }> {
  const { data: answer, response } = await openai().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }).withResponse();
  return { traceId: response.headers.get('x-spanhouse-trace-id')!, text: answer.choices[0].message.content ?? '' };
}

/** The gateway span of a trace once stored (polls: with this durability it lands after the answer). */
async function storedSpan(traceId: string): Promise<any> {
  const api = apiClient(collector.url);
  for (let tries = 0; tries < 600; tries++) {
    const res = await api('GET', `/api/traces/${traceId}?include=content`);
    if (res.status === 200) return res.body.spans.find((s: any) => s.service_name === 'spanhouse-gateway' && s.type === 'generation');
    assert.equal(res.status, 404, res.text);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`trace ${traceId} was never stored`);
}

before(async () => {
  upstream = await startFakeOpenAiUpstream();
  collector = await startTestCollector(data.dir, { gateway: gateway() });
  assert.equal(collector.config.gateway?.durableResponses, false, 'the default durability');
});

after(async () => {
  await collector?.close();
  await upstream?.close();
  data.remove();
});

test('the answer comes first; the call is then stored with its content, usage and cost', async () => {
  const { traceId, text } = await call('answer first');
  assert.equal(text, echo('answer first'));
  assert.match(traceId, /^[0-9a-f]{32}$/);
  const span = await storedSpan(traceId);
  assert.ok(span, 'a generation span from the gateway');
  assert.equal(span.status, 'success');
  assert.equal(span.input_messages[0].content, 'answer first');
  assert.equal(span.output_text, echo('answer first'));
  assert.ok(span.input_tokens > 0 && span.output_tokens > 0);
  assert.ok(span.cost_usd > 0);
});

test('calls answered just before a shutdown are stored by it: a restart on the same data finds every one', async () => {
  const calls = await Promise.all(['one', 'two', 'three', 'four', 'five'].map((word) => call(`before shutdown ${word}`)));
  await collector.close(); // at once: their spans may still wait for the batched insert
  collector = await startTestCollector(data.dir, { gateway: gateway() });
  for (const { traceId } of calls) {
    const span = await storedSpan(traceId);
    assert.ok(span?.output_text.startsWith(echo('before shutdown')), JSON.stringify(span));
  }
});
