// Real OpenTelemetry SDK clients for tests: a NodeTracerProvider with a real OTLP/HTTP
// exporter (protobuf or JSON) pointed at a collector on loopback.
import { context, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export interface TestTracer {
  tracer: Tracer;
  /** For instrumentations that take a TracerProvider (setTracerProvider). */
  provider: NodeTracerProvider;
  /** Exports everything ended so far and waits for the collector's answer. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export function otelTracer(
  collectorUrl: string,
  options: {
    encoding?: 'protobuf' | 'json';
    gzip?: boolean;
    serviceName?: string;
    headers?: Record<string, string>;
    /** Registers the provider globally, with an async-context manager so auto-instrumented spans nest under active spans. */
    register?: boolean;
  } = {},
): TestTracer {
  const exporterOptions = {
    url: `${collectorUrl}/v1/traces`,
    headers: options.headers,
    ...(options.gzip ? { compression: 'gzip' as never } : {}),
  };
  const exporter = options.encoding === 'json' ? new JsonExporter(exporterOptions) : new ProtoExporter(exporterOptions);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName ?? 'e2e-app' }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 60_000, maxExportBatchSize: 512 })],
  });
  if (options.register) provider.register();
  return {
    tracer: provider.getTracer('spanhouse-e2e'),
    provider,
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/** Starts a span as a child of `parent` (no global context manager needed). */
export function childSpan(tracer: Tracer, name: string, parent: Span | undefined, attributes: Attributes, startTime?: number): Span {
  const ctx = parent ? trace.setSpan(context.active(), parent) : context.active();
  return tracer.startSpan(name, { attributes, startTime }, ctx);
}
