// OTLP exporters for the configured protocol. HTTP (protobuf or JSON) ships with the SDK;
// gRPC is an optional peer, loaded only when asked for (Spanhouse itself speaks OTLP/HTTP; gRPC
// is for sending through an OpenTelemetry Collector relay).
//
// OTLP/HTTP protobuf is built from the same parts as OpenTelemetry's exporter-*-otlp-proto
// (the HTTP export delegate: configuration and OTEL_EXPORTER_OTLP_* variables, retries,
// timeouts, concurrency limit; the protobuf serialisers), split so that the pipeline can
// serialise a batch a few items per event-loop turn and send it as one request.
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import { ProtobufLogsSerializer, ProtobufTraceSerializer, type ISerializer } from '@opentelemetry/otlp-transformer';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { SpanhouseConfig } from './config.ts';
import { loadOptional, resolveFrom } from './optional.ts';
import type { SlicedExporter } from './pipeline.ts';

const GRPC_TRACES = '@opentelemetry/exporter-trace-otlp-grpc';
const GRPC_LOGS = '@opentelemetry/exporter-logs-otlp-grpc';

function grpcExporter<T>(pkg: string, config: SpanhouseConfig): T {
  const module = loadOptional(pkg);
  if (!module) throw new Error(`protocol grpc needs ${pkg}: npm install ${GRPC_TRACES}@^0.223 ${GRPC_LOGS}@^0.223`);
  // gRPC takes headers as Metadata, from the grpc-js copy the exporter itself uses.
  const { Metadata } = loadOptional(resolveFrom(pkg, '@grpc/grpc-js'));
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(config.headers)) metadata.set(key, value);
  const Exporter = pkg === GRPC_TRACES ? module.OTLPTraceExporter : module.OTLPLogExporter;
  return new Exporter({ url: config.endpoint, metadata, timeoutMillis: config.batch.exportTimeoutMillis }) as T;
}

const httpOptions = (config: SpanhouseConfig, path: string) => ({ url: `${config.endpoint}/${path}`, headers: config.headers, timeoutMillis: config.batch.exportTimeoutMillis });

/** A request serialised ahead of time, and how many items it holds (for the exporter's own metrics). */
interface SerialisedRequest {
  bytes: Uint8Array;
  count: number;
}

const SIGNALS = {
  TRACES: { path: 'v1/traces', componentType: 'otlp_http_span_exporter', item: 'span' },
  LOGS: { path: 'v1/logs', componentType: 'otlp_http_log_exporter', item: 'log' },
} as const;

function slicedProtobufExporter<T>(config: SpanhouseConfig, signal: keyof typeof SIGNALS, serializer: ISerializer<T[], unknown>): SlicedExporter<T> {
  const { path, componentType, item } = SIGNALS[signal];
  const delegate = createOtlpHttpExportDelegate<SerialisedRequest, unknown>(
    convertLegacyHttpOptions(httpOptions(config, path), signal, path, { 'Content-Type': 'application/x-protobuf' }),
    { serializeRequest: (request) => request.bytes, deserializeResponse: (data) => serializer.deserializeResponse(data) },
    componentType,
    { name: item, countItems: (request) => request.count },
    undefined,
  );
  return {
    serialize: (items) => serializer.serializeRequest(items) ?? new Uint8Array(0),
    send: (bytes, count, done) => delegate.export({ bytes, count }, done),
    forceFlush: () => delegate.forceFlush(),
    shutdown: () => delegate.shutdown(),
  };
}

export function createSpanExporter(config: SpanhouseConfig): SpanExporter | SlicedExporter<ReadableSpan> {
  if (config.protocol === 'grpc') return grpcExporter<SpanExporter>(GRPC_TRACES, config);
  if (config.protocol === 'http/protobuf') return slicedProtobufExporter(config, 'TRACES', ProtobufTraceSerializer);
  return new JsonTraceExporter(httpOptions(config, SIGNALS.TRACES.path));
}

export function createLogExporter(config: SpanhouseConfig): LogRecordExporter | SlicedExporter<ReadableLogRecord> {
  if (config.protocol === 'grpc') return grpcExporter<LogRecordExporter>(GRPC_LOGS, config);
  if (config.protocol === 'http/protobuf') return slicedProtobufExporter(config, 'LOGS', ProtobufLogsSerializer);
  return new JsonLogExporter(httpOptions(config, SIGNALS.LOGS.path));
}
