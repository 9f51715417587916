// OTLP exporters for the configured protocol. HTTP (protobuf or JSON) ships with the SDK;
// gRPC is an optional peer, loaded only when asked for (Spanhouse itself speaks OTLP/HTTP; gRPC
// is for sending through an OpenTelemetry Collector relay).
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { SpanhouseConfig } from './config.ts';
import { loadOptional, resolveFrom } from './optional.ts';

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

export function createSpanExporter(config: SpanhouseConfig): SpanExporter {
  if (config.protocol === 'grpc') return grpcExporter<SpanExporter>(GRPC_TRACES, config);
  const options = { url: `${config.endpoint}/v1/traces`, headers: config.headers, timeoutMillis: config.batch.exportTimeoutMillis };
  return config.protocol === 'http/json' ? new JsonTraceExporter(options) : new ProtoTraceExporter(options);
}

export function createLogExporter(config: SpanhouseConfig): LogRecordExporter {
  if (config.protocol === 'grpc') return grpcExporter<LogRecordExporter>(GRPC_LOGS, config);
  const options = { url: `${config.endpoint}/v1/logs`, headers: config.headers, timeoutMillis: config.batch.exportTimeoutMillis };
  return config.protocol === 'http/json' ? new JsonLogExporter(options) : new ProtoLogExporter(options);
}
