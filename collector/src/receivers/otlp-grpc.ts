// OTLP/gRPC receiver (default port 4317): TraceService, LogsService and MetricsService
// Export, with the same decoding, pipeline and answers as OTLP/HTTP (otlp-export.ts).
// gRPC messages are the OTLP protobuf bytes, so the services pass raw buffers through
// instead of loading .proto files. gzip is grpc-js's own; the tenant comes from the
// `authorization: Bearer` or `x-api-key` metadata through the same Authenticator; status
// codes are the OTLP spec's: INVALID_ARGUMENT for an undecodable request,
// UNAUTHENTICATED / PERMISSION_DENIED for keys, UNAVAILABLE with a RetryInfo when
// storage fails (exporters retry), RESOURCE_EXHAUSTED past the size limit (grpc-js).
import * as grpc from '@grpc/grpc-js';
import type { TenantOf } from '@spanhouse/model';
import { ApiError } from '../api/errors.ts';
import type { AuthContext, HeaderCarrier } from '../auth/authenticate.ts';
import { encodeRetryStatus } from './otlp-codec.ts';
import type { OtlpExport, OtlpSignal } from './otlp-export.ts';
import { ROUTING_ALIAS_HEADER } from './otlp-http.ts';

export interface OtlpGrpcOptions {
  exporter: OtlpExport;
  host: string;
  /** 0 picks a free port. */
  port: number;
  maxMessageBytes: number;
  /** The caller's context from its metadata (as headers), or an ApiError. */
  authenticate: (carrier: HeaderCarrier) => Promise<AuthContext>;
  tenantOf: (auth: AuthContext) => TenantOf;
  retryAfterSeconds?: number;
}

export interface RunningGrpcReceiver {
  port: number;
  close(): Promise<void>;
}

const SERVICES: Record<OtlpSignal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
};

const identity = (b: Buffer) => b;

function exportService(path: string): grpc.ServiceDefinition {
  return {
    Export: {
      path,
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  };
}

const AUTH_CODES: Record<number, grpc.status> = { 400: grpc.status.INVALID_ARGUMENT, 401: grpc.status.UNAUTHENTICATED, 403: grpc.status.PERMISSION_DENIED };

/** gRPC metadata as the lower-case string headers the Authenticator reads. */
function headersOf(metadata: grpc.Metadata): HeaderCarrier {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.getMap())) if (typeof value === 'string') headers[key] = value;
  return { headers };
}

export async function startOtlpGrpc(options: OtlpGrpcOptions): Promise<RunningGrpcReceiver> {
  const retryAfter = options.retryAfterSeconds ?? 5;
  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxMessageBytes,
  });
  const fail = (callback: grpc.sendUnaryData<Buffer>, code: grpc.status, details: string, metadata?: grpc.Metadata) =>
    callback({ code, details, metadata } as grpc.ServiceError, null);

  for (const [signal, path] of Object.entries(SERVICES) as Array<[OtlpSignal, string]>) {
    const handler: grpc.handleUnaryCall<Buffer, Buffer> = (call, callback) => {
      const carrier = headersOf(call.metadata);
      options.authenticate(carrier).then(
        async (auth) => {
          const outcome = await options.exporter(signal, call.request, 'protobuf', {
            tenantOf: options.tenantOf(auth),
            routingAlias: carrier.headers[ROUTING_ALIAS_HEADER] as string | undefined,
          });
          if (outcome.ok) return callback(null, Buffer.from(outcome.body));
          if (outcome.reason === 'invalid') return fail(callback, grpc.status.INVALID_ARGUMENT, outcome.message);
          const trailers = new grpc.Metadata();
          trailers.set('grpc-status-details-bin', encodeRetryStatus(grpc.status.UNAVAILABLE, outcome.message, retryAfter));
          fail(callback, grpc.status.UNAVAILABLE, outcome.message, trailers);
        },
        (error: unknown) => {
          if (error instanceof ApiError) fail(callback, AUTH_CODES[error.status] ?? grpc.status.UNAUTHENTICATED, error.message);
          else fail(callback, grpc.status.INTERNAL, 'internal error');
        },
      ).catch(() => fail(callback, grpc.status.INTERNAL, 'internal error'));
    };
    server.addService(exportService(path), { Export: handler });
  }

  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${options.port}`, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
  });
  let closing: Promise<void> | null = null;
  return {
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        // Calls in flight finish (their data is stored); stuck ones are cut after a grace period.
        const force = setTimeout(() => server.forceShutdown(), 5_000);
        force.unref();
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      return closing;
    },
  };
}
