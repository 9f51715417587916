// The OpenAI instrumentation as init() enables it, with the real `openai` client against two
// fake OpenAI servers on loopback: spans carry the right server.address and server.port per
// client, with the base-URL parsing remembered (instrumentations.ts) rather than redone per call.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, test } from 'node:test';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { startFakeOpenAI } from '../../../test/support/fake-openai.ts';
import { init } from './init.ts';
import { resolveFrom } from './optional.ts';

const spans = new InMemorySpanExporter();
new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }).register();
const sdk = init({ endpoint: 'http://127.0.0.1:9', flushOnExit: false, batch: { scheduledDelayMillis: 60_000 } });
const [first, second] = await Promise.all([startFakeOpenAI(), startFakeOpenAI()]);
after(() => Promise.all([sdk.shutdown(), first.close(), second.close()]));

test('each client is reported at its own address and port, the base URL parsed once per URL', async () => {
  const utils = createRequire(import.meta.url)(resolveFrom('@opentelemetry/instrumentation-openai', './utils.js'));
  assert.equal(utils.getAttrsFromBaseURL.remembered, true, 'the instrumentation calls the remembering helper');

  // required after init(): the instrumentation patches the module as it loads
  const { OpenAI } = createRequire(import.meta.url)('openai') as typeof import('openai');
  const clients = [first, second, first].map((fake) => ({ fake, client: new OpenAI({ baseURL: fake.baseURL, apiKey: 'sk-fake', maxRetries: 0 }) }));
  for (const { client } of [...clients, ...clients]) await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });

  const reported = spans.getFinishedSpans().map((s) => `${s.attributes['server.address']}:${s.attributes['server.port']}`);
  const expected = [...clients, ...clients].map(({ fake }) => new URL(fake.baseURL).host);
  assert.deepEqual(reported, expected);
  assert.notEqual(expected[0], expected[1], 'two servers, two ports');
});
