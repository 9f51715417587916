// One OTLP export, whatever the transport: decode the request bytes, hand them to the
// pipeline (or the metrics store), and encode the answer. OTLP/HTTP (otlp-http.ts) and
// OTLP/gRPC (otlp-grpc.ts) differ only in how they carry the bytes, the tenant and the
// failure: both map an ExportOutcome to their own status codes.
import type { TenantOf } from '@spanhouse/model';
import type { IngestPipeline, IngestResult } from '../pipeline/ingest.ts';
import { SpoolFullError } from '../pipeline/spool.ts';
import {
  OtlpDecodeError,
  decodeLogsRequest,
  decodeMetricsRequest,
  decodeTraceRequest,
  encodeLogsResponse,
  encodeMetricsResponse,
  encodeTraceResponse,
  type OtlpEncoding,
} from './otlp-codec.ts';
import type { OtlpMetricsRequest } from './otlp-metrics.ts';

export type OtlpSignal = 'traces' | 'logs' | 'metrics';
export const OTLP_SIGNALS: readonly OtlpSignal[] = ['traces', 'logs', 'metrics'];

/** Stores decoded OTLP metrics; answers what it kept and what it did not. */
export interface MetricsIngest {
  ingest(request: OtlpMetricsRequest, tenantOf: TenantOf): Promise<IngestResult>;
}

export interface ExportContext {
  /** Which tenant the data belongs to (for a trusted relay: decided per resource). */
  tenantOf: TenantOf;
  /** Route alias named by a router or proxy in front of the exporter. */
  routingAlias?: string;
}

export type ExportOutcome =
  /** Stored (maybe in part: the body's partial_success says what was not). */
  | { ok: true; body: Buffer | string }
  /** The body is not OTLP: do not retry. */
  | { ok: false; reason: 'invalid'; message: string }
  /** Storage failed: retry later. */
  | { ok: false; reason: 'unavailable'; message: string };

export interface OtlpExportOptions {
  pipeline: IngestPipeline;
  metrics: MetricsIngest;
  log?: (message: string) => void;
}

interface SignalHandler<T> {
  decode(body: Buffer, encoding: OtlpEncoding): T;
  ingest(request: T, context: ExportContext): Promise<IngestResult>;
  encode(encoding: OtlpEncoding, rejected: number, message: string): Buffer | string;
}

export type OtlpExport = (signal: OtlpSignal, body: Buffer, encoding: OtlpEncoding, context: ExportContext) => Promise<ExportOutcome>;

/** The transport-independent export function both receivers call. */
export function otlpExport(options: OtlpExportOptions): OtlpExport {
  const handlers: Record<OtlpSignal, SignalHandler<any>> = {
    traces: {
      decode: decodeTraceRequest,
      ingest: (r, c) => options.pipeline.ingestTraces(r, c.tenantOf, { routingAlias: c.routingAlias }),
      encode: encodeTraceResponse,
    },
    logs: { decode: decodeLogsRequest, ingest: (r, c) => options.pipeline.ingestLogs(r, c.tenantOf), encode: encodeLogsResponse },
    metrics: { decode: decodeMetricsRequest, ingest: (r, c) => options.metrics.ingest(r, c.tenantOf), encode: encodeMetricsResponse },
  };
  return async (signal, body, encoding, context) => {
    const handler = handlers[signal];
    let request: unknown;
    try {
      request = handler.decode(body, encoding);
    } catch (error) {
      if (error instanceof OtlpDecodeError) return { ok: false, reason: 'invalid', message: error.message };
      throw error;
    }
    try {
      const result = await handler.ingest(request, context);
      return { ok: true, body: handler.encode(encoding, result.rejected, result.errorMessage) };
    } catch (error) {
      options.log?.(`storing OTLP ${signal} failed: ${(error as Error).message}`);
      return { ok: false, reason: 'unavailable', message: error instanceof SpoolFullError ? error.message : 'storage is unavailable; retry later' };
    }
  };
}
