// Shared by the dialect-<library> e2e tests: run a library call under a root span, export,
// and read the trace back through the REST API.
import assert from 'node:assert/strict';
import { context, trace, type Tracer } from '@opentelemetry/api';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { after, before } from 'node:test';
import type { RunningCollector } from '@spanhouse/collector';
import { getJson, startTestCollector, tempDataDir } from './collector.ts';
import { startFakeOpenAI, type FakeOpenAI } from './fake-openai.ts';
import { otelTracer } from './otel.ts';

/**
 * Runs `fn` inside an active root span (so auto-instrumented calls become its children;
 * needs a registered context manager) and returns the root's ids with fn's value.
 */
export async function inRootSpan<T>(tracer: Tracer, name: string, fn: () => Promise<T>): Promise<{ traceId: string; rootId: string; value: T }> {
  const root = tracer.startSpan(name);
  try {
    const value = await context.with(trace.setSpan(context.active(), root), fn);
    return { traceId: root.spanContext().traceId, rootId: root.spanContext().spanId, value };
  } finally {
    root.end();
  }
}

export interface StoredTrace {
  trace: any;
  /** Every span, ordered by start time. */
  spans: any[];
  /** The spans whose parent is `spanId`, ordered by start time. */
  childrenOf(spanId: string): any[];
  /**
   * The one span matching `predicate` (asserted). OTel JS start times have millisecond
   * precision, so spans started back to back can tie: pick them by content, not by order.
   */
  one(predicate: (span: any) => boolean, what?: string): any;
}

/** GET /api/traces/:id?include=content, asserting it exists. */
export async function readTrace(collectorUrl: string, traceId: string): Promise<StoredTrace> {
  const { status, body } = await getJson(`${collectorUrl}/api/traces/${traceId}?include=content`);
  assert.equal(status, 200, `trace ${traceId}: ${JSON.stringify(body)}`);
  const spans: any[] = body.spans;
  return {
    trace: body.trace,
    spans,
    childrenOf: (id) => spans.filter((s) => s.parent_span_id === id),
    one(predicate, what = 'span') {
      const found = spans.filter(predicate);
      assert.equal(found.length, 1, `expected one ${what}, found ${found.length} in ${JSON.stringify(spans.map((s) => s.name))}`);
      return found[0];
    },
  };
}

/** An OTel LoggerProvider exporting OTLP/protobuf logs to the collector. */
export function otelLogger(collectorUrl: string, serviceName: string) {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${collectorUrl}/v1/logs` }), scheduledDelayMillis: 60_000 })],
  });
  return { provider, flush: () => provider.forceFlush(), shutdown: () => provider.shutdown() };
}

/** The chat tool every library test offers the model (the fake server calls it). */
export const WEATHER_TOOL = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

export interface LibraryHarness {
  collector: RunningCollector;
  fake: FakeOpenAI;
  otel: ReturnType<typeof otelTracer>;
  /** Present with `{ logs: true }`: a LoggerProvider exporting to /v1/logs. */
  logs?: ReturnType<typeof otelLogger>;
  /** Exports what was recorded (spans, and logs when on), then reads the trace back. */
  exported(traceId: string): Promise<StoredTrace>;
}

/**
 * The set-up every dialect-<library> test file shares, registered as this file's before/after
 * hooks: a collector on its own temp data dir, the fake OpenAI server, and a registered OTel
 * tracer provider exporting to the collector, then `setup` (instrument the client). Fields
 * are filled in when the hooks have run.
 */
export function libraryHarness(
  label: string,
  serviceName: string,
  options: { logs?: boolean; setup?: (harness: LibraryHarness) => void | Promise<void> } = {},
): LibraryHarness {
  const data = tempDataDir(`dialect-${label}`);
  const harness = {
    async exported(traceId: string) {
      await harness.otel.flush();
      await harness.logs?.flush();
      return readTrace(harness.collector.url, traceId);
    },
  } as LibraryHarness;
  before(async () => {
    [harness.collector, harness.fake] = await Promise.all([startTestCollector(data.dir), startFakeOpenAI()]);
    harness.otel = otelTracer(harness.collector.url, { serviceName, register: true });
    if (options.logs) harness.logs = otelLogger(harness.collector.url, serviceName);
    // In this hook, not a hook of the caller's: top-level hooks do not wait for each other.
    await options.setup?.(harness);
  });
  after(async () => {
    await Promise.all([harness.otel?.shutdown(), harness.logs?.shutdown()]);
    await Promise.all([harness.collector?.close(), harness.fake?.close()]);
    data.remove();
  });
  return harness;
}
