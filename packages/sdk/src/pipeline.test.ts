import assert from 'node:assert/strict';
import { test } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import { ExportResultCode, isTracingSuppressed } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { DEFAULT_BATCH } from './config.ts';
import { ExportingSpanProcessor, type SlicedExporter } from './pipeline.ts';
import { redactText } from './redact.ts';

function tracerWith(processor: ExportingSpanProcessor) {
  return new BasicTracerProvider({ spanProcessors: [processor] }).getTracer('t');
}

test('spans are redacted on the way out and counted as exported', async () => {
  const exporter = new InMemorySpanExporter();
  const processor = new ExportingSpanProcessor(exporter, DEFAULT_BATCH, redactText);
  const span = tracerWith(processor).startSpan('s', { attributes: { 'gen_ai.input.messages': '[{"role":"user","content":"I am bob@corp.com"}]' } });
  span.end();
  assert.deepEqual(processor.counter.snapshot(), { exported: 0, queued: 1, droppedQueueFull: 0, droppedExportFailed: 0 });
  await processor.forceFlush();
  assert.equal(exporter.getFinishedSpans()[0].attributes['gen_ai.input.messages'], '[{"role":"user","content":"I am [REDACTED_EMAIL]"}]');
  assert.deepEqual(processor.counter.snapshot(), { exported: 1, queued: 0, droppedQueueFull: 0, droppedExportFailed: 0 });
});

test('a full queue drops and counts; a failed export counts its spans; flush waits for answers', async () => {
  let calls = 0;
  const failing: SpanExporter = {
    export(spans: ReadableSpan[], done) {
      calls++;
      setImmediate(() => done({ code: ExportResultCode.FAILED, error: new Error('down') }));
    },
    shutdown: async () => {},
  };
  const processor = new ExportingSpanProcessor(failing, { ...DEFAULT_BATCH, maxQueueSize: 10, maxExportBatchSize: 10, scheduledDelayMillis: 60_000 });
  const tracer = tracerWith(processor);
  for (let i = 0; i < 15; i++) tracer.startSpan(`s${i}`).end();
  // within one turn the queue holds 10; 5 found it full
  assert.deepEqual(processor.counter.snapshot(), { exported: 0, queued: 10, droppedQueueFull: 5, droppedExportFailed: 0 });
  await new Promise((resolve) => setImmediate(resolve));
  // a turn later those 10 went out as a batch (export under way), and the queue takes 10 more
  for (let i = 15; i < 35; i++) tracer.startSpan(`s${i}`).end();
  assert.deepEqual(processor.counter.snapshot(), { exported: 0, queued: 10, droppedQueueFull: 15, droppedExportFailed: 0 });
  await assert.rejects(processor.forceFlush(), /down/);
  assert.deepEqual(processor.counter.snapshot(), { exported: 0, queued: 0, droppedQueueFull: 15, droppedExportFailed: 20 });
  assert.equal(calls, 2);
  await processor.shutdown();
  tracer.startSpan('late').end();
  assert.equal(processor.counter.snapshot().queued, 0, 'nothing is admitted after shutdown');
});

test('unsampled spans are not queued', async () => {
  const exporter = new InMemorySpanExporter();
  const processor = new ExportingSpanProcessor(exporter, DEFAULT_BATCH);
  const { AlwaysOffSampler } = await import('@opentelemetry/sdk-trace-base');
  new BasicTracerProvider({ sampler: new AlwaysOffSampler(), spanProcessors: [processor] }).getTracer('t').startSpan('s').end();
  assert.equal(processor.counter.snapshot().queued, 0);
});

test('a batch goes out in chunks of bounded size, one per event-loop turn, each counted', async () => {
  const calls: number[] = [];
  const turns: string[] = [];
  const exporter: SpanExporter = {
    export(spans: ReadableSpan[], done) {
      calls.push(spans.length);
      turns.push(`export ${spans.length}`);
      // other work scheduled meanwhile runs before the next chunk is serialised
      setImmediate(() => turns.push('app'));
      done({ code: calls.length === 4 ? ExportResultCode.FAILED : ExportResultCode.SUCCESS, error: calls.length === 4 ? new Error('one chunk failed') : undefined });
    },
    shutdown: async () => {},
  };
  const processor = new ExportingSpanProcessor(exporter, { ...DEFAULT_BATCH, scheduledDelayMillis: 60_000 }, undefined, { maxItems: 4, maxChars: 2_000 });
  const tracer = tracerWith(processor);
  // 6 small spans, then 4 carrying 1,500 characters each (one per chunk)
  for (let i = 0; i < 6; i++) tracer.startSpan(`small${i}`).end();
  for (let i = 0; i < 4; i++) tracer.startSpan(`big${i}`, { attributes: { text: 'x'.repeat(1_500) } }).end();
  await assert.rejects(processor.forceFlush(), /one chunk failed/);
  await new Promise((resolve) => setImmediate(resolve));
  // small0-3 | small4, small5, big0 (1,516 characters) | big1 | big2 (fails) | big3 (not tried)
  assert.deepEqual(calls, [4, 3, 1, 1]);
  assert.deepEqual(turns, ['export 4', 'app', 'export 3', 'app', 'export 1', 'app', 'export 1', 'app'], 'the app ran between chunks');
  assert.deepEqual(processor.counter.snapshot(), { exported: 8, queued: 0, droppedQueueFull: 0, droppedExportFailed: 2 });
});

test('the span that fills a batch does not pay for its export: the batch processor gets it a turn later, serialising a turn after that, with tracing suppressed', async () => {
  const exported: { spans: number; suppressed: boolean }[] = [];
  const handedOver: number[] = [];
  const exporter: SpanExporter = {
    export(spans: ReadableSpan[], done) {
      exported.push({ spans: spans.length, suppressed: isTracingSuppressed(context.active()) });
      done({ code: ExportResultCode.SUCCESS });
    },
    shutdown: async () => {},
  };
  const processor = new ExportingSpanProcessor(exporter, { ...DEFAULT_BATCH, maxExportBatchSize: 4, scheduledDelayMillis: 60_000 });
  // registered: the async-hooks context manager carries the export's context across turns
  const provider = new NodeTracerProvider({ spanProcessors: [processor] });
  provider.register();
  const tracer = provider.getTracer('t');
  // the 4th span fills the batch: the batch processor would start its export inside span.end()
  const batch = (processor as unknown as { batch: { onEnd(span: ReadableSpan): void } }).batch;
  const onEnd = batch.onEnd.bind(batch);
  batch.onEnd = (span) => (handedOver.push(1), onEnd(span));
  for (let i = 0; i < 4; i++) tracer.startSpan(`s${i}`).end();
  assert.deepEqual(handedOver, [], 'span.end() does not call the batch processor');
  assert.equal(processor.counter.snapshot().queued, 4);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(handedOver.length, 4, 'handed over a turn later');
  assert.equal(processor.counter.snapshot().queued, 0, 'the batch left the queue');
  assert.deepEqual(exported, [], 'nothing was serialised in the hand-over turn');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(exported, [{ spans: 4, suppressed: true }]);
  assert.equal(processor.counter.snapshot().exported, 4);
  context.disable();
  trace.disable();
});

test('a sliced exporter: a few spans serialised per event-loop turn, the app running in between, and the batch sent as one request', async () => {
  const turns: string[] = [];
  const sent: { bytes: string; count: number }[] = [];
  let failSend = false;
  const exporter: SlicedExporter<ReadableSpan> = {
    serialize(spans) {
      turns.push(`serialise ${spans.length}`);
      setImmediate(() => turns.push('app'));
      return new TextEncoder().encode(spans.map((s) => (s.attributes.email ? `${s.name}(${s.attributes.email})` : s.name)).join(',') + ';');
    },
    send(request, count, done) {
      turns.push('send');
      sent.push({ bytes: new TextDecoder().decode(request), count });
      setImmediate(() => done(failSend ? { code: ExportResultCode.FAILED, error: new Error('refused') } : { code: ExportResultCode.SUCCESS }));
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const processor = new ExportingSpanProcessor(exporter, { ...DEFAULT_BATCH, scheduledDelayMillis: 60_000 }, redactText, { maxItems: 3, maxChars: 2_000 });
  const tracer = tracerWith(processor);
  for (let i = 0; i < 4; i++) tracer.startSpan(`s${i}`).end();
  tracer.startSpan('s4', { attributes: { email: 'bob@corp.com', text: 'x'.repeat(1_500) } }).end();
  tracer.startSpan('s5', { attributes: { text: 'x'.repeat(1_500) } }).end();
  await processor.forceFlush();
  // s0-s2 | s3 and s4 (1,514 characters) | s5: the limits hold per slice; redacted before serialising
  assert.deepEqual(turns, ['serialise 3', 'app', 'serialise 2', 'app', 'serialise 1', 'send', 'app']);
  assert.deepEqual(sent, [{ bytes: 's0,s1,s2;s3,s4([REDACTED_EMAIL]);s5;', count: 6 }]);
  assert.deepEqual(processor.counter.snapshot(), { exported: 6, queued: 0, droppedQueueFull: 0, droppedExportFailed: 0 });

  failSend = true;
  tracer.startSpan('lost').end();
  await assert.rejects(processor.forceFlush(), /refused/);
  assert.deepEqual(processor.counter.snapshot(), { exported: 6, queued: 0, droppedQueueFull: 0, droppedExportFailed: 1 });
});
