// OTLP/HTTP bodies (protobuf or JSON) to the decoded shapes of @spanhouse/model, and
// the responses back. Decoding is strict about structure (a bad body is a 400) but
// leaves per-span validity to the pipeline, so one bad span never rejects a batch.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { SCHEMAS_DIR } from '../assets.ts';
import type {
  AttributeValue,
  Attributes,
  OtlpEvent,
  OtlpLogRecord,
  OtlpLogsRequest,
  OtlpSpan,
  OtlpTraceRequest,
} from '@spanhouse/model';
import type { OtlpMetric, OtlpMetricPoint, OtlpMetricsRequest, OtlpMetricType } from './otlp-metrics.ts';

export type OtlpEncoding = 'protobuf' | 'json';

const PROTO_PATH = join(SCHEMAS_DIR, 'otlp/otlp.proto');
const root = protobuf.parse(readFileSync(PROTO_PATH, 'utf8'), { keepCase: true }).root;
const TraceRequest = root.lookupType('spanhouse.otlp.ExportTraceServiceRequest');
const TraceResponse = root.lookupType('spanhouse.otlp.ExportTraceServiceResponse');
const LogsRequest = root.lookupType('spanhouse.otlp.ExportLogsServiceRequest');
const LogsResponse = root.lookupType('spanhouse.otlp.ExportLogsServiceResponse');
const MetricsRequest = root.lookupType('spanhouse.otlp.ExportMetricsServiceRequest');
const MetricsResponse = root.lookupType('spanhouse.otlp.ExportMetricsServiceResponse');
const RpcStatus = root.lookupType('spanhouse.otlp.RpcStatus');
const RetryInfo = root.lookupType('spanhouse.otlp.RetryInfo');

/** A body that is not valid OTLP; the receiver answers 400 with the message. */
export class OtlpDecodeError extends Error {}

/** Which OTLP encoding a Content-Type names, or null when it is not one we accept. */
export function encodingOf(contentType: string | undefined): OtlpEncoding | null {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return null;
}

export function contentTypeOf(encoding: OtlpEncoding): string {
  return encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json';
}

// ---- traces -------------------------------------------------------------------------

export function decodeTraceRequest(body: Buffer, encoding: OtlpEncoding): OtlpTraceRequest {
  if (encoding === 'protobuf') {
    const message = decodeProtobuf(TraceRequest, body) as unknown as PbTraceRequest;
    return {
      resourceSpans: message.resource_spans.map((rs) => ({
        resource: pbAttributes(rs.resource?.attributes),
        scopeSpans: rs.scope_spans.map((ss) => ({
          scope: { name: ss.scope?.name ?? '', version: ss.scope?.version ?? '' },
          spans: ss.spans.map(pbSpan),
        })),
      })),
    };
  }
  const json = parseJsonBody(body);
  return {
    resourceSpans: jsonArray(json, 'resourceSpans', 'resource_spans').map((rs, r) => {
      const rsPath = `resourceSpans[${r}]`;
      return {
        resource: jsonResource(rs, rsPath),
        scopeSpans: jsonArray(rs, 'scopeSpans', 'scope_spans', rsPath).map((ss, s) => {
          const ssPath = `${rsPath}.scopeSpans[${s}]`;
          return {
            scope: jsonScope(field(ss, 'scope'), `${ssPath}.scope`),
            spans: jsonArray(ss, 'spans', undefined, ssPath).map((span, i) => jsonSpan(span, `${ssPath}.spans[${i}]`)),
          };
        }),
      };
    }),
  };
}

export function encodeTraceResponse(encoding: OtlpEncoding, rejected: number, errorMessage: string): Buffer | string {
  if (encoding === 'protobuf') {
    const payload = rejected > 0 ? { partial_success: { rejected_spans: rejected, error_message: errorMessage } } : {};
    return Buffer.from(TraceResponse.encode(TraceResponse.fromObject(payload)).finish());
  }
  return JSON.stringify(rejected > 0 ? { partialSuccess: { rejectedSpans: String(rejected), errorMessage } } : {});
}

// ---- logs ---------------------------------------------------------------------------

export function decodeLogsRequest(body: Buffer, encoding: OtlpEncoding): OtlpLogsRequest {
  if (encoding === 'protobuf') {
    const message = decodeProtobuf(LogsRequest, body) as unknown as PbLogsRequest;
    return {
      resourceLogs: message.resource_logs.map((rl) => ({
        resource: pbAttributes(rl.resource?.attributes),
        scopeLogs: rl.scope_logs.map((sl) => ({
          scope: { name: sl.scope?.name ?? '', version: sl.scope?.version ?? '' },
          logRecords: sl.log_records.map(pbLogRecord),
        })),
      })),
    };
  }
  const json = parseJsonBody(body);
  return {
    resourceLogs: jsonArray(json, 'resourceLogs', 'resource_logs').map((rl, r) => {
      const rlPath = `resourceLogs[${r}]`;
      return {
        resource: jsonResource(rl, rlPath),
        scopeLogs: jsonArray(rl, 'scopeLogs', 'scope_logs', rlPath).map((sl, s) => {
          const slPath = `${rlPath}.scopeLogs[${s}]`;
          return {
            scope: jsonScope(field(sl, 'scope'), `${slPath}.scope`),
            logRecords: jsonArray(sl, 'logRecords', 'log_records', slPath).map((record, i) => jsonLogRecord(record, `${slPath}.logRecords[${i}]`)),
          };
        }),
      };
    }),
  };
}

export function encodeLogsResponse(encoding: OtlpEncoding, rejected: number, errorMessage: string): Buffer | string {
  if (encoding === 'protobuf') {
    const payload = rejected > 0 ? { partial_success: { rejected_log_records: rejected, error_message: errorMessage } } : {};
    return Buffer.from(LogsResponse.encode(LogsResponse.fromObject(payload)).finish());
  }
  return JSON.stringify(rejected > 0 ? { partialSuccess: { rejectedLogRecords: String(rejected), errorMessage } } : {});
}

// ---- metrics ------------------------------------------------------------------------

const METRIC_TYPES: OtlpMetricType[] = ['gauge', 'sum', 'histogram', 'exponential_histogram', 'summary'];

export function decodeMetricsRequest(body: Buffer, encoding: OtlpEncoding): OtlpMetricsRequest {
  if (encoding === 'protobuf') {
    const message = decodeProtobuf(MetricsRequest, body) as unknown as PbMetricsRequest;
    return {
      resourceMetrics: message.resource_metrics.map((rm) => ({
        resource: pbAttributes(rm.resource?.attributes),
        scopeMetrics: rm.scope_metrics.map((sm) => ({
          scope: { name: sm.scope?.name ?? '', version: sm.scope?.version ?? '' },
          metrics: sm.metrics.map(pbMetric),
        })),
      })),
    };
  }
  const json = parseJsonBody(body);
  return {
    resourceMetrics: jsonArray(json, 'resourceMetrics', 'resource_metrics').map((rm, r) => ({
      resource: jsonResource(rm, `resourceMetrics[${r}]`),
      scopeMetrics: jsonArray(rm, 'scopeMetrics', 'scope_metrics', `resourceMetrics[${r}]`).map((sm, s) => ({
        scope: jsonScope(field(sm, 'scope'), `resourceMetrics[${r}].scopeMetrics[${s}].scope`),
        metrics: jsonArray(sm, 'metrics', undefined, `resourceMetrics[${r}].scopeMetrics[${s}]`).map((metric, i) =>
          jsonMetric(metric, `resourceMetrics[${r}].scopeMetrics[${s}].metrics[${i}]`),
        ),
      })),
    })),
  };
}

export function encodeMetricsResponse(encoding: OtlpEncoding, rejected: number, errorMessage: string): Buffer | string {
  if (encoding === 'protobuf') {
    const payload = rejected > 0 ? { partial_success: { rejected_data_points: rejected, error_message: errorMessage } } : {};
    return Buffer.from(MetricsResponse.encode(MetricsResponse.fromObject(payload)).finish());
  }
  return JSON.stringify(rejected > 0 ? { partialSuccess: { rejectedDataPoints: String(rejected), errorMessage } } : {});
}

/** The body of an OTLP/HTTP error response: google.rpc.Status in the request's encoding. */
export function encodeErrorStatus(encoding: OtlpEncoding, code: number, message: string): Buffer | string {
  if (encoding === 'protobuf') return Buffer.from(RpcStatus.encode(RpcStatus.fromObject({ code, message })).finish());
  return JSON.stringify({ code, message });
}

/** google.rpc.Status with a google.rpc.RetryInfo detail: the grpc-status-details-bin trailer of a retryable gRPC error. */
export function encodeRetryStatus(code: number, message: string, retryDelaySeconds: number): Buffer {
  const retryInfo = RetryInfo.encode(RetryInfo.fromObject({ retry_delay: { seconds: retryDelaySeconds, nanos: 0 } })).finish();
  const status = { code, message, details: [{ type_url: 'type.googleapis.com/google.rpc.RetryInfo', value: retryInfo }] };
  return Buffer.from(RpcStatus.encode(RpcStatus.fromObject(status)).finish());
}

// ---- protobuf helpers -----------------------------------------------------------------

interface PbLong {
  low: number;
  high: number;
}
type PbTime = number | PbLong | null | undefined;
interface PbAnyValue {
  value?: string;
  string_value?: string;
  bool_value?: boolean;
  int_value?: number | PbLong;
  double_value?: number;
  array_value?: { values: PbAnyValue[] };
  kvlist_value?: { values: PbKeyValue[] };
  bytes_value?: Uint8Array;
}
interface PbKeyValue {
  key: string;
  value?: PbAnyValue | null;
}
interface PbSpan {
  trace_id: Uint8Array;
  span_id: Uint8Array;
  parent_span_id: Uint8Array;
  name: string;
  kind: number;
  start_time_unix_nano: PbTime;
  end_time_unix_nano: PbTime;
  attributes: PbKeyValue[];
  events: Array<{ time_unix_nano: PbTime; name: string; attributes: PbKeyValue[] }>;
  links: Array<{ trace_id: Uint8Array; span_id: Uint8Array; attributes: PbKeyValue[] }>;
  status?: { code: number; message: string } | null;
}
interface PbScope {
  name: string;
  version: string;
}
interface PbTraceRequest {
  resource_spans: Array<{
    resource?: { attributes: PbKeyValue[] } | null;
    scope_spans: Array<{ scope?: PbScope | null; spans: PbSpan[] }>;
  }>;
}
interface PbLogRecord {
  time_unix_nano: PbTime;
  observed_time_unix_nano: PbTime;
  severity_number: number;
  severity_text: string;
  body?: PbAnyValue | null;
  attributes: PbKeyValue[];
  trace_id: Uint8Array;
  span_id: Uint8Array;
  event_name: string;
}
interface PbLogsRequest {
  resource_logs: Array<{
    resource?: { attributes: PbKeyValue[] } | null;
    scope_logs: Array<{ scope?: PbScope | null; log_records: PbLogRecord[] }>;
  }>;
}

interface PbNumberPoint {
  attributes: PbKeyValue[];
  start_time_unix_nano: PbTime;
  time_unix_nano: PbTime;
  value?: 'as_double' | 'as_int';
  as_double?: number;
  as_int?: number | PbLong;
}
interface PbHistogramPoint {
  attributes: PbKeyValue[];
  start_time_unix_nano: PbTime;
  time_unix_nano: PbTime;
  count: number | PbLong;
  sum?: number | null;
  min?: number | null;
  max?: number | null;
  bucket_counts: Array<number | PbLong>;
  explicit_bounds: number[];
}
interface PbMetric {
  name: string;
  unit: string;
  data?: OtlpMetricType;
  gauge?: { data_points: PbNumberPoint[] };
  sum?: { data_points: PbNumberPoint[]; aggregation_temporality: number; is_monotonic: boolean };
  histogram?: { data_points: PbHistogramPoint[]; aggregation_temporality: number };
  exponential_histogram?: { data_points: unknown[]; aggregation_temporality: number };
  summary?: { data_points: unknown[] };
}
interface PbMetricsRequest {
  resource_metrics: Array<{
    resource?: { attributes: PbKeyValue[] } | null;
    scope_metrics: Array<{ scope?: PbScope | null; metrics: PbMetric[] }>;
  }>;
}

function decodeProtobuf(type: protobuf.Type, body: Buffer): protobuf.Message {
  try {
    return type.decode(body);
  } catch (error) {
    throw new OtlpDecodeError(`invalid OTLP protobuf body: ${(error as Error).message}`);
  }
}

const hex = (bytes: Uint8Array | undefined) => (bytes && bytes.length > 0 ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex') : '');

/** fixed64 nanoseconds (a Long past 2^53) to unix microseconds; sub-microsecond error at most. */
function pbMicros(value: PbTime): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return Math.round(value / 1000);
  return Math.round(((value.high >>> 0) * 4294967296 + (value.low >>> 0)) / 1000);
}

function pbInt(value: number | PbLong): number {
  if (typeof value === 'number') return value;
  return value.high * 4294967296 + (value.low >>> 0);
}

function pbValue(value: PbAnyValue | null | undefined, depth = 0): AttributeValue {
  if (!value) return null;
  if (depth > MAX_VALUE_DEPTH) throw new OtlpDecodeError(`invalid OTLP protobuf body: an attribute value is nested deeper than ${MAX_VALUE_DEPTH} levels`);
  switch (value.value) {
    case 'string_value':
      return value.string_value ?? '';
    case 'bool_value':
      return value.bool_value ?? false;
    case 'int_value':
      return pbInt(value.int_value ?? 0);
    case 'double_value':
      return value.double_value ?? 0;
    case 'array_value':
      return (value.array_value?.values ?? []).map((item) => pbValue(item, depth + 1));
    case 'kvlist_value':
      return pbAttributes(value.kvlist_value?.values, depth + 1);
    case 'bytes_value':
      return Buffer.from(value.bytes_value ?? []).toString('base64');
    default:
      return null;
  }
}

/** `out[key] = value`, also for a key like `__proto__` (kept as data, never as the object's prototype). */
function setAttribute(out: Attributes, key: string, value: AttributeValue): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

function pbAttributes(list: PbKeyValue[] | undefined, depth = 0): Attributes {
  const out: Attributes = {};
  if (list) for (const kv of list) setAttribute(out, kv.key, pbValue(kv.value, depth));
  return out;
}

function pbSpan(span: PbSpan): OtlpSpan {
  return {
    traceId: hex(span.trace_id),
    spanId: hex(span.span_id),
    parentSpanId: hex(span.parent_span_id),
    name: span.name,
    kind: span.kind,
    startTimeUs: pbMicros(span.start_time_unix_nano),
    endTimeUs: pbMicros(span.end_time_unix_nano),
    attributes: pbAttributes(span.attributes),
    events: span.events.map((e): OtlpEvent => ({ name: e.name, timeUs: pbMicros(e.time_unix_nano), attributes: pbAttributes(e.attributes) })),
    links: span.links.map((l) => ({ traceId: hex(l.trace_id), spanId: hex(l.span_id), attributes: pbAttributes(l.attributes) })),
    status: { code: span.status?.code ?? 0, message: span.status?.message ?? '' },
  };
}

function pbLogRecord(record: PbLogRecord): OtlpLogRecord {
  return {
    timeUs: pbMicros(record.time_unix_nano),
    observedTimeUs: pbMicros(record.observed_time_unix_nano),
    severityNumber: record.severity_number,
    severityText: record.severity_text,
    eventName: record.event_name,
    body: pbValue(record.body),
    attributes: pbAttributes(record.attributes),
    traceId: hex(record.trace_id),
    spanId: hex(record.span_id),
  };
}

/** A proto3 `optional double`: absent stays undefined. */
const pbOptional = (value: number | null | undefined) => (typeof value === 'number' ? value : undefined);

function pbMetric(metric: PbMetric): OtlpMetric {
  const type = metric.data ?? 'none';
  const data = type === 'none' ? undefined : (metric[type] as { data_points: unknown[]; aggregation_temporality?: number; is_monotonic?: boolean });
  const points: OtlpMetricPoint[] = [];
  if (type === 'gauge' || type === 'sum') {
    for (const p of data!.data_points as PbNumberPoint[]) {
      points.push({
        startTimeUs: pbMicros(p.start_time_unix_nano),
        timeUs: pbMicros(p.time_unix_nano),
        attributes: pbAttributes(p.attributes),
        value: p.value === 'as_int' ? pbInt(p.as_int ?? 0) : (p.as_double ?? 0),
      });
    }
  } else if (type === 'histogram') {
    for (const p of data!.data_points as PbHistogramPoint[]) {
      points.push({
        startTimeUs: pbMicros(p.start_time_unix_nano),
        timeUs: pbMicros(p.time_unix_nano),
        attributes: pbAttributes(p.attributes),
        count: pbInt(p.count),
        sum: pbOptional(p.sum),
        min: pbOptional(p.min),
        max: pbOptional(p.max),
        bucketCounts: p.bucket_counts.map(pbInt),
        explicitBounds: [...p.explicit_bounds],
      });
    }
  }
  return {
    name: metric.name,
    unit: metric.unit,
    type,
    temporality: data?.aggregation_temporality ?? 0,
    monotonic: data?.is_monotonic ?? false,
    points,
    pointCount: data?.data_points.length ?? 0,
  };
}

// ---- JSON helpers ---------------------------------------------------------------------
// OTLP/JSON: lowerCamelCase keys (snake_case accepted too), hex ids, int64 as strings or
// numbers, enums as numbers (names accepted for span kind and status code).

type JsonObject = Record<string, unknown>;

function parseJsonBody(body: Buffer): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new OtlpDecodeError(`invalid OTLP JSON body: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new OtlpDecodeError('invalid OTLP JSON body: expected an object');
  return parsed as JsonObject;
}

function field(obj: unknown, camel: string, snake?: string): unknown {
  if (obj === null || typeof obj !== 'object') return undefined;
  const o = obj as JsonObject;
  return (Object.hasOwn(o, camel) ? o[camel] : undefined) ?? (snake && Object.hasOwn(o, snake) ? o[snake] : undefined);
}

/** A message field (resource, scope, status): absent, null or an object. */
function jsonObject(value: unknown, path: string): JsonObject | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) invalid(path, 'an object');
  return value as JsonObject;
}

/** A repeated field; `prefix` is where its parent sits, for error messages. */
function jsonArray(obj: unknown, camel: string, snake?: string, prefix = ''): JsonObject[] {
  const value = field(obj, camel, snake);
  const path = prefix ? `${prefix}.${camel}` : camel;
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) invalid(path, 'an array');
  value.forEach((item, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) invalid(`${path}[${i}]`, 'an object');
  });
  return value as JsonObject[];
}

/** Where in the body a value sits, for error messages (`resourceSpans[0].scopeSpans[1].spans[2].name`). */
type Path = string;

function invalid(path: Path, expected: string): never {
  throw new OtlpDecodeError(`invalid OTLP JSON body: "${path}" must be ${expected}`);
}

/** A string field: absent or null is empty, anything but a string is a 400 (never `String(object)`). */
function jsonString(value: unknown, path: Path): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') invalid(path, 'a string');
  return value;
}

function jsonId(value: unknown, path: Path): string {
  return jsonString(value, path).toLowerCase();
}

/** Nanoseconds as a decimal string or number to unix microseconds (out-of-range times are the pipeline's to reject). */
function jsonMicros(value: unknown, path: Path): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return Number.isFinite(value) ? Math.round(value / 1000) : Number.NaN;
  if (typeof value !== 'string') invalid(path, 'a decimal string of nanoseconds');
  if (!/^\d+$/.test(value)) return 0;
  return value.length > 3 ? Number(value.slice(0, -3)) : 0;
}

const SPAN_KIND_NAMES: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODE_NAMES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

function jsonEnum(value: unknown, names: Record<string, number>, path: Path): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return Number.isInteger(value) ? value : 0;
  if (typeof value === 'string') return (Object.hasOwn(names, value) ? names[value] : Number(value)) || 0;
  return invalid(path, 'a number or an enum name');
}

/**
 * Deepest AnyValue nesting accepted (arrays and kvlists inside each other). Deeper bodies
 * are a 400: decoding them would recurse that deep, and no instrumentation nests this far.
 */
export const MAX_VALUE_DEPTH = 64;

const INT64 = /^-?\d{1,19}$/;

function jsonValue(value: unknown, path: Path, depth = 0): AttributeValue {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) invalid(path, 'an AnyValue object');
  if (depth > MAX_VALUE_DEPTH) throw new OtlpDecodeError(`invalid OTLP JSON body: "${path}" is nested deeper than ${MAX_VALUE_DEPTH} levels`);
  const v = value as JsonObject;
  const has = (camel: string, snake: string) => Object.hasOwn(v, camel) || Object.hasOwn(v, snake);
  if (has('stringValue', 'string_value')) return jsonString(field(v, 'stringValue', 'string_value'), `${path}.stringValue`);
  if (has('boolValue', 'bool_value')) {
    const b = field(v, 'boolValue', 'bool_value');
    if (b !== undefined && b !== null && typeof b !== 'boolean') invalid(`${path}.boolValue`, 'a boolean');
    return b === true;
  }
  if (has('intValue', 'int_value')) {
    const n = field(v, 'intValue', 'int_value');
    if (typeof n === 'number' && Number.isInteger(n)) return n;
    if (typeof n === 'string' && INT64.test(n)) return Number(n);
    if (n === undefined || n === null) return 0;
    return invalid(`${path}.intValue`, 'an int64 (a decimal string or an integer)');
  }
  if (has('doubleValue', 'double_value')) {
    const n = field(v, 'doubleValue', 'double_value');
    if (typeof n === 'number') return n;
    if (typeof n === 'string' && n.trim() !== '' && !Number.isNaN(Number(n))) return Number(n);
    if (n === undefined || n === null) return 0;
    return invalid(`${path}.doubleValue`, 'a number');
  }
  if (has('arrayValue', 'array_value')) {
    const p = `${path}.arrayValue.values`;
    return jsonArray(jsonObject(field(v, 'arrayValue', 'array_value'), `${path}.arrayValue`), 'values', undefined, `${path}.arrayValue`).map((item, i) => jsonValue(item, `${p}[${i}]`, depth + 1));
  }
  if (has('kvlistValue', 'kvlist_value')) {
    return jsonAttributes(field(jsonObject(field(v, 'kvlistValue', 'kvlist_value'), `${path}.kvlistValue`), 'values'), `${path}.kvlistValue.values`, depth + 1);
  }
  if (has('bytesValue', 'bytes_value')) return jsonString(field(v, 'bytesValue', 'bytes_value'), `${path}.bytesValue`);
  return null;
}

function jsonAttributes(list: unknown, path: Path, depth = 0): Attributes {
  const out: Attributes = {};
  if (list === undefined || list === null) return out;
  if (!Array.isArray(list)) invalid(path, 'an array');
  list.forEach((kv, i) => {
    if (kv === null || typeof kv !== 'object' || Array.isArray(kv)) invalid(`${path}[${i}]`, 'a key-value object');
    const key = (kv as JsonObject).key;
    if (typeof key !== 'string') invalid(`${path}[${i}].key`, 'a string');
    setAttribute(out, key, jsonValue((kv as JsonObject).value, `${path}[${i}].value`, depth));
  });
  return out;
}

function jsonScope(scope: unknown, path: string) {
  const o = jsonObject(scope, path);
  return { name: jsonString(field(o, 'name'), `${path}.name`), version: jsonString(field(o, 'version'), `${path}.version`) };
}

function jsonResource(parent: JsonObject, path: string): Attributes {
  const resource = jsonObject(field(parent, 'resource'), `${path}.resource`);
  return jsonAttributes(field(resource, 'attributes'), `${path}.resource.attributes`);
}

function jsonSpan(span: JsonObject, path: string): OtlpSpan {
  const status = jsonObject(field(span, 'status'), `${path}.status`);
  return {
    traceId: jsonId(field(span, 'traceId', 'trace_id'), `${path}.traceId`),
    spanId: jsonId(field(span, 'spanId', 'span_id'), `${path}.spanId`),
    parentSpanId: jsonId(field(span, 'parentSpanId', 'parent_span_id'), `${path}.parentSpanId`),
    name: jsonString(field(span, 'name'), `${path}.name`),
    kind: jsonEnum(field(span, 'kind'), SPAN_KIND_NAMES, `${path}.kind`),
    startTimeUs: jsonMicros(field(span, 'startTimeUnixNano', 'start_time_unix_nano'), `${path}.startTimeUnixNano`),
    endTimeUs: jsonMicros(field(span, 'endTimeUnixNano', 'end_time_unix_nano'), `${path}.endTimeUnixNano`),
    attributes: jsonAttributes(field(span, 'attributes'), `${path}.attributes`),
    events: jsonArray(span, 'events', undefined, path).map((e, i) => ({
      name: jsonString(field(e, 'name'), `${path}.events[${i}].name`),
      timeUs: jsonMicros(field(e, 'timeUnixNano', 'time_unix_nano'), `${path}.events[${i}].timeUnixNano`),
      attributes: jsonAttributes(field(e, 'attributes'), `${path}.events[${i}].attributes`),
    })),
    links: jsonArray(span, 'links', undefined, path).map((l, i) => ({
      traceId: jsonId(field(l, 'traceId', 'trace_id'), `${path}.links[${i}].traceId`),
      spanId: jsonId(field(l, 'spanId', 'span_id'), `${path}.links[${i}].spanId`),
      attributes: jsonAttributes(field(l, 'attributes'), `${path}.links[${i}].attributes`),
    })),
    status: {
      code: jsonEnum(field(status, 'code'), STATUS_CODE_NAMES, `${path}.status.code`),
      message: jsonString(field(status, 'message'), `${path}.status.message`),
    },
  };
}

const TEMPORALITY_NAMES: Record<string, number> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
  AGGREGATION_TEMPORALITY_DELTA: 1,
  AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
};

function jsonNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

function jsonMetric(metric: JsonObject, path: string): OtlpMetric {
  const camel = (snake: string) => snake.replace(/_(\w)/g, (_m, c: string) => c.toUpperCase());
  const type = METRIC_TYPES.find((t) => field(metric, camel(t), t) !== undefined) ?? 'none';
  const data = type === 'none' ? undefined : field(metric, camel(type), type);
  const dataPoints = data === undefined ? [] : jsonArray(data, 'dataPoints', 'data_points', path);
  const base = (p: JsonObject) => ({
    startTimeUs: jsonMicros(field(p, 'startTimeUnixNano', 'start_time_unix_nano'), `${path}.startTimeUnixNano`),
    timeUs: jsonMicros(field(p, 'timeUnixNano', 'time_unix_nano'), `${path}.timeUnixNano`),
    attributes: jsonAttributes(field(p, 'attributes'), `${path}.attributes`),
  });
  let points: OtlpMetricPoint[] = [];
  if (type === 'gauge' || type === 'sum') {
    points = dataPoints.map((p) => ({ ...base(p), value: jsonNumber(field(p, 'asInt', 'as_int')) ?? jsonNumber(field(p, 'asDouble', 'as_double')) ?? 0 }));
  } else if (type === 'histogram') {
    points = dataPoints.map((p) => {
      const list = (camel: string, snake: string) => {
        const v = field(p, camel, snake);
        return Array.isArray(v) ? v.map((x) => jsonNumber(x) ?? 0) : [];
      };
      return {
        ...base(p),
        count: jsonNumber(field(p, 'count')) ?? 0,
        sum: jsonNumber(field(p, 'sum')),
        min: jsonNumber(field(p, 'min')),
        max: jsonNumber(field(p, 'max')),
        bucketCounts: list('bucketCounts', 'bucket_counts'),
        explicitBounds: list('explicitBounds', 'explicit_bounds'),
      };
    });
  }
  return {
    name: jsonString(field(metric, 'name'), `${path}.name`),
    unit: jsonString(field(metric, 'unit'), `${path}.unit`),
    type,
    temporality: jsonEnum(field(data, 'aggregationTemporality', 'aggregation_temporality'), TEMPORALITY_NAMES, `${path}.aggregationTemporality`),
    monotonic: Boolean(field(data, 'isMonotonic', 'is_monotonic')),
    points,
    pointCount: dataPoints.length,
  };
}

function jsonLogRecord(record: JsonObject, path: string): OtlpLogRecord {
  return {
    timeUs: jsonMicros(field(record, 'timeUnixNano', 'time_unix_nano'), `${path}.timeUnixNano`),
    observedTimeUs: jsonMicros(field(record, 'observedTimeUnixNano', 'observed_time_unix_nano'), `${path}.observedTimeUnixNano`),
    severityNumber: jsonEnum(field(record, 'severityNumber', 'severity_number'), {}, `${path}.severityNumber`),
    severityText: jsonString(field(record, 'severityText', 'severity_text'), `${path}.severityText`),
    eventName: jsonString(field(record, 'eventName', 'event_name'), `${path}.eventName`),
    body: jsonValue(field(record, 'body'), `${path}.body`),
    attributes: jsonAttributes(field(record, 'attributes'), `${path}.attributes`),
    traceId: jsonId(field(record, 'traceId', 'trace_id'), `${path}.traceId`),
    spanId: jsonId(field(record, 'spanId', 'span_id'), `${path}.spanId`),
  };
}
