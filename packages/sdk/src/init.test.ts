// init() with an app that already set up OpenTelemetry: the app's provider stays registered
// and gets the SDK's processors (context stamping and export). Nothing listens on the endpoint:
// this test looks at the app's own in-memory exporter and the SDK's counters.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ProxyTracerProvider, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { withContext } from './context.ts';
import { init } from './init.ts';
import { observe } from './observe.ts';

const appExporter = new InMemorySpanExporter();
const appProvider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(appExporter)] });
appProvider.register();

const sdk = init({ endpoint: 'http://127.0.0.1:9', captureContent: false, flushOnExit: false, batch: { exportTimeoutMillis: 200, scheduledDelayMillis: 60_000 } });
after(() => sdk.shutdown());

test('the app keeps its provider; the SDK joins it', async () => {
  assert.equal(sdk.tracerProvider, undefined);
  assert.equal((trace.getTracerProvider() as ProxyTracerProvider).getDelegate(), appProvider);

  withContext({ userId: 'u1', tags: ['t'] }, () => {
    appProvider.getTracer('app').startSpan('app-span').end();
    observe('helper', (secret: string) => secret.length, { type: 'tool' })('hunter2');
  });
  const spans = appExporter.getFinishedSpans();
  assert.deepEqual(spans.map((s) => s.name), ['app-span', 'helper']);
  for (const span of spans) {
    assert.equal(span.attributes['spanhouse.user_id'], 'u1');
    assert.deepEqual(span.attributes['spanhouse.tags'], ['t']);
  }
  const helper = spans[1];
  assert.equal(helper.attributes['spanhouse.span.type'], 'tool');
  assert.equal(helper.attributes['gen_ai.tool.name'], 'helper');
  assert.equal(helper.attributes['gen_ai.tool.call.arguments'], undefined, 'captureContent: false records no input');
  assert.equal(helper.attributes['gen_ai.tool.call.result'], undefined);
  // The SDK's export processor got both spans too.
  assert.equal(sdk.stats().spans.queued, 2);
});
