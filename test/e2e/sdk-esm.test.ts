// `node --import @spanhouse/sdk/register app.mjs`: an ES-module app that imports the real openai
// client before any of its own code runs. The register entry inits from the environment and
// installs the loader hook, so the OpenAI instrumentation patches the ES module too; and it
// exports what is left when the app exits.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { RunningCollector } from '@spanhouse/collector';
import { startTestCollector, tempDataDir } from '../support/collector.ts';
import { echoReply, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.ts';
import { readTrace } from '../support/library.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const sdkSource = (file: string) => pathToFileURL(`${root}packages/sdk/src/${file}`).href;

// The app, as an ES module evaluated from the repository root (so `openai` resolves).
const APP = `
import OpenAI from 'openai';
import { currentTraceId, getSpanhouse, observe } from '${sdkSource('index.ts')}';
const client = new OpenAI({ baseURL: process.env.FAKE_OPENAI_URL, apiKey: 'sk-fake', maxRetries: 0 });
const traceId = await observe('esm-app', async () => {
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello from ESM' }] });
  return currentTraceId();
}, { type: 'chain' })();
// No flush: the SDK exports what is left when the app is about to exit.
console.log(JSON.stringify({ traceId, instrumented: getSpanhouse().instrumented }));
`;

const data = tempDataDir('sdk-esm');
let collector: RunningCollector;
let fake: FakeOpenAI;

before(async () => {
  [collector, fake] = await Promise.all([startTestCollector(data.dir), startFakeOpenAI()]);
});

after(async () => {
  await Promise.all([collector?.close(), fake?.close()]);
  data.remove();
});

test('an ES-module app instrumented by --import register, configured by the environment, flushed at exit', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--import', sdkSource('register.ts'), '--input-type=module', '--eval', APP],
    {
      cwd: root,
      env: {
        ...process.env,
        FAKE_OPENAI_URL: fake.baseURL,
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_SERVICE_NAME: 'esm-app',
        OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: '',
      },
    },
  );
  const { traceId, instrumented } = JSON.parse(stdout.trim().split('\n').pop()!);
  // every installed instrumentation: the Anthropic one is a devDependency here (test/e2e/dialect-anthropic)
  assert.deepEqual(instrumented, ['@opentelemetry/instrumentation-openai', '@traceloop/instrumentation-anthropic']);
  const { spans, one } = await readTrace(collector.url, traceId);
  assert.equal(spans.length, 2, JSON.stringify(spans.map((s) => s.name)));
  const app = one((s) => s.name === 'esm-app');
  const chat = one((s) => s.type === 'generation');
  assert.equal(chat.parent_span_id, app.span_id);
  assert.equal(chat.scope_name, '@opentelemetry/instrumentation-openai');
  assert.equal(chat.service_name, 'esm-app');
  // Content is on by default, sent as log records and joined by the collector.
  assert.deepEqual(chat.input_messages, [{ role: 'user', content: 'Hello from ESM' }]);
  assert.equal(chat.output_text, echoReply('Hello from ESM'));
});
