// Options of init(), each with its environment fallback. Pure: the environment is a parameter,
// so the precedence (explicit option > SPANHOUSE_* > OTEL_* > default) is unit-tested.

export type Protocol = 'http/protobuf' | 'http/json' | 'grpc';

export interface BatchOptions {
  /** Most spans (or log records) held in memory waiting for export; more are dropped and counted. Default 2048. */
  maxQueueSize?: number;
  /** Most items per export request. Default 128 (serialised a few items per event-loop turn whatever the size). */
  maxExportBatchSize?: number;
  /** Longest an item waits before a partial batch is sent. Default 1000 ms. */
  scheduledDelayMillis?: number;
  /** Time limit of one export, retries included. Default 10000 ms. */
  exportTimeoutMillis?: number;
}

export interface SpanhouseOptions {
  /** Spanhouse base URL: OTLP goes to `<endpoint>/v1/traces` and `/v1/logs`, helpers to `<endpoint>/api`. */
  endpoint?: string;
  /** Base URL of the REST API (logTrace, feedback, score). Default: `endpoint`, unless the protocol is gRPC. */
  apiUrl?: string;
  /** A Spanhouse API key, sent as `Authorization: Bearer <key>` on exports and API calls. */
  apiKey?: string;
  /** Extra headers on every export and API call. */
  headers?: Record<string, string>;
  /** OTLP encoding. gRPC needs `@opentelemetry/exporter-trace-otlp-grpc` and `-logs-otlp-grpc` installed. */
  protocol?: Protocol;
  /** `service.name` of the resource. */
  serviceName?: string;
  /** Record prompts, responses, tool arguments and helper inputs/outputs. Default true. */
  captureContent?: boolean;
  /** Replace emails, secrets, card numbers and IPv4 addresses before export; or your own function over every string. */
  redact?: boolean | ((text: string) => string);
  /** Fraction of traces kept, 0..1 (decided at the root, followed by children). Default 1. */
  sampleRate?: number;
  /** Auto-instrument LLM client libraries (those whose instrumentation is installed). Default true. */
  instrument?: boolean;
  /** Extra resource attributes. */
  resourceAttributes?: Record<string, string | number | boolean>;
  /** Queue and batch limits, for spans and log records alike. */
  batch?: BatchOptions;
  /** Flush on beforeExit, SIGINT and SIGTERM. Default true. */
  flushOnExit?: boolean;
}

export interface SpanhouseConfig {
  disabled: boolean;
  endpoint: string;
  apiUrl: string;
  headers: Record<string, string>;
  protocol: Protocol;
  serviceName: string;
  captureContent: boolean;
  redact: false | ((text: string) => string) | true;
  sampleRate: number;
  instrument: boolean;
  resourceAttributes: Record<string, string | number | boolean>;
  batch: Required<BatchOptions>;
  flushOnExit: boolean;
}

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:4318';
export const DEFAULT_BATCH: Required<BatchOptions> = {
  maxQueueSize: 2048,
  maxExportBatchSize: 128,
  scheduledDelayMillis: 1000,
  exportTimeoutMillis: 10_000,
};

type Env = Record<string, string | undefined>;

function envBool(value: string | undefined): boolean | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return ['true', '1', 'yes', 'on'].includes(value.trim().toLowerCase());
}

/** `OTEL_EXPORTER_OTLP_HEADERS`: `key=value,key2=value2`, values URL-encoded (OTel spec). */
export function parseHeaders(value: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (value ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    headers[decodeURIComponent(pair.slice(0, at).trim())] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return headers;
}

function protocolOf(value: string | undefined): Protocol {
  const p = (value ?? '').trim().toLowerCase();
  if (p === 'grpc' || p === 'http/json') return p;
  return 'http/protobuf';
}

export function resolveConfig(options: SpanhouseOptions = {}, env: Env = process.env): SpanhouseConfig {
  const protocol = options.protocol ?? protocolOf(env.OTEL_EXPORTER_OTLP_PROTOCOL);
  const endpoint = (options.endpoint ?? env.SPANHOUSE_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  const apiKey = options.apiKey ?? env.SPANHOUSE_API_KEY;
  const headers = { ...parseHeaders(env.OTEL_EXPORTER_OTLP_HEADERS), ...options.headers };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  const sampleRate = options.sampleRate ?? (env.SPANHOUSE_SAMPLE_RATE ? Number(env.SPANHOUSE_SAMPLE_RATE) : 1);
  if (!Number.isFinite(sampleRate) || sampleRate < 0 || sampleRate > 1) throw new RangeError(`sampleRate must be between 0 and 1, got ${sampleRate}`);
  return {
    disabled: envBool(env.OTEL_SDK_DISABLED) === true,
    endpoint,
    // A gRPC endpoint is an OTel Collector relay, not Spanhouse: the API keeps its own default.
    apiUrl: (options.apiUrl ?? env.SPANHOUSE_API_URL ?? (protocol === 'grpc' ? DEFAULT_ENDPOINT : endpoint)).replace(/\/+$/, ''),
    headers,
    protocol,
    serviceName: options.serviceName ?? env.OTEL_SERVICE_NAME ?? 'unknown_service:node',
    captureContent:
      options.captureContent ?? envBool(env.SPANHOUSE_CAPTURE_CONTENT) ?? envBool(env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT) ?? true,
    redact: options.redact ?? envBool(env.SPANHOUSE_REDACT) ?? false,
    sampleRate,
    instrument: options.instrument ?? envBool(env.SPANHOUSE_INSTRUMENT) ?? true,
    resourceAttributes: options.resourceAttributes ?? {},
    batch: { ...DEFAULT_BATCH, ...options.batch },
    flushOnExit: options.flushOnExit ?? true,
  };
}
