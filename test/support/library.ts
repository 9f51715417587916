// Shared by the dialect-<library> e2e tests: run a library call under a root span, export,
// and read the trace back through the REST API.
import assert from 'node:assert/strict';
import { context, trace, type Tracer } from '@opentelemetry/api';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { getJson } from './collector.ts';

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
