// OTLP/HTTP bodies (protobuf or JSON) to the decoded shapes of @spanhouse/model, and
// the responses back. Decoding is strict about structure (a bad body is a 400) but
// leaves per-span validity to the pipeline, so one bad span never rejects a batch.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
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

const PROTO_PATH = fileURLToPath(new URL('../../../schemas/otlp/otlp.proto', import.meta.url));
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
    resourceSpans: jsonArray(json, 'resourceSpans', 'resource_spans').map((rs) => ({
      resource: jsonAttributes(field(field(rs, 'resource'), 'attributes')),
      scopeSpans: jsonArray(rs, 'scopeSpans', 'scope_spans').map((ss) => ({
        scope: jsonScope(field(ss, 'scope')),
        spans: jsonArray(ss, 'spans').map(jsonSpan),
      })),
    })),
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
    resourceLogs: jsonArray(json, 'resourceLogs', 'resource_logs').map((rl) => ({
      resource: jsonAttributes(field(field(rl, 'resource'), 'attributes')),
      scopeLogs: jsonArray(rl, 'scopeLogs', 'scope_logs').map((sl) => ({
        scope: jsonScope(field(sl, 'scope')),
        logRecords: jsonArray(sl, 'logRecords', 'log_records').map(jsonLogRecord),
      })),
    })),
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
    resourceMetrics: jsonArray(json, 'resourceMetrics', 'resource_metrics').map((rm) => ({
      resource: jsonAttributes(field(field(rm, 'resource'), 'attributes')),
      scopeMetrics: jsonArray(rm, 'scopeMetrics', 'scope_metrics').map((sm) => ({
        scope: jsonScope(field(sm, 'scope')),
        metrics: jsonArray(sm, 'metrics').map(jsonMetric),
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

function pbValue(value: PbAnyValue | null | undefined): AttributeValue {
  if (!value) return null;
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
      return (value.array_value?.values ?? []).map(pbValue);
    case 'kvlist_value':
      return pbAttributes(value.kvlist_value?.values);
    case 'bytes_value':
      return Buffer.from(value.bytes_value ?? []).toString('base64');
    default:
      return null;
  }
}

function pbAttributes(list: PbKeyValue[] | undefined): Attributes {
  const out: Attributes = {};
  if (list) for (const kv of list) out[kv.key] = pbValue(kv.value);
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
  return o[camel] ?? (snake ? o[snake] : undefined);
}

function jsonArray(obj: unknown, camel: string, snake?: string): JsonObject[] {
  const value = field(obj, camel, snake);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new OtlpDecodeError(`invalid OTLP JSON body: "${camel}" must be an array`);
  for (const item of value) {
    if (item === null || typeof item !== 'object') throw new OtlpDecodeError(`invalid OTLP JSON body: "${camel}" must hold objects`);
  }
  return value as JsonObject[];
}

function jsonString(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
}

function jsonId(value: unknown): string {
  return jsonString(value).toLowerCase();
}

/** Nanoseconds as a decimal string or number to unix microseconds. */
function jsonMicros(value: unknown): number {
  if (typeof value === 'number') return Math.round(value / 1000);
  if (typeof value === 'string' && /^\d+$/.test(value)) return value.length > 3 ? Number(value.slice(0, -3)) : 0;
  return 0;
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

function jsonEnum(value: unknown, names: Record<string, number>): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return names[value] ?? (Number(value) || 0);
  return 0;
}

function jsonValue(value: unknown): AttributeValue {
  if (value === null || typeof value !== 'object') return null;
  const v = value as JsonObject;
  if ('stringValue' in v || 'string_value' in v) return jsonString(field(v, 'stringValue', 'string_value'));
  if ('boolValue' in v || 'bool_value' in v) return Boolean(field(v, 'boolValue', 'bool_value'));
  if ('intValue' in v || 'int_value' in v) return Number(field(v, 'intValue', 'int_value'));
  if ('doubleValue' in v || 'double_value' in v) return Number(field(v, 'doubleValue', 'double_value'));
  if ('arrayValue' in v || 'array_value' in v) return jsonArray(field(v, 'arrayValue', 'array_value'), 'values').map(jsonValue);
  if ('kvlistValue' in v || 'kvlist_value' in v) return jsonAttributes(field(field(v, 'kvlistValue', 'kvlist_value'), 'values'));
  if ('bytesValue' in v || 'bytes_value' in v) return jsonString(field(v, 'bytesValue', 'bytes_value'));
  return null;
}

function jsonAttributes(list: unknown): Attributes {
  const out: Attributes = {};
  if (list === undefined || list === null) return out;
  if (!Array.isArray(list)) throw new OtlpDecodeError('invalid OTLP JSON body: attributes must be an array');
  for (const kv of list) {
    if (kv && typeof kv === 'object' && typeof (kv as JsonObject).key === 'string') out[(kv as JsonObject).key as string] = jsonValue((kv as JsonObject).value);
  }
  return out;
}

function jsonScope(scope: unknown) {
  return { name: jsonString(field(scope, 'name')), version: jsonString(field(scope, 'version')) };
}

function jsonSpan(span: JsonObject): OtlpSpan {
  const status = field(span, 'status');
  return {
    traceId: jsonId(field(span, 'traceId', 'trace_id')),
    spanId: jsonId(field(span, 'spanId', 'span_id')),
    parentSpanId: jsonId(field(span, 'parentSpanId', 'parent_span_id')),
    name: jsonString(field(span, 'name')),
    kind: jsonEnum(field(span, 'kind'), SPAN_KIND_NAMES),
    startTimeUs: jsonMicros(field(span, 'startTimeUnixNano', 'start_time_unix_nano')),
    endTimeUs: jsonMicros(field(span, 'endTimeUnixNano', 'end_time_unix_nano')),
    attributes: jsonAttributes(field(span, 'attributes')),
    events: jsonArray(span, 'events').map((e) => ({
      name: jsonString(field(e, 'name')),
      timeUs: jsonMicros(field(e, 'timeUnixNano', 'time_unix_nano')),
      attributes: jsonAttributes(field(e, 'attributes')),
    })),
    links: jsonArray(span, 'links').map((l) => ({
      traceId: jsonId(field(l, 'traceId', 'trace_id')),
      spanId: jsonId(field(l, 'spanId', 'span_id')),
      attributes: jsonAttributes(field(l, 'attributes')),
    })),
    status: { code: jsonEnum(field(status, 'code'), STATUS_CODE_NAMES), message: jsonString(field(status, 'message')) },
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

function jsonMetric(metric: JsonObject): OtlpMetric {
  const camel = (snake: string) => snake.replace(/_(\w)/g, (_m, c: string) => c.toUpperCase());
  const type = METRIC_TYPES.find((t) => field(metric, camel(t), t) !== undefined) ?? 'none';
  const data = type === 'none' ? undefined : field(metric, camel(type), type);
  const dataPoints = data === undefined ? [] : jsonArray(data, 'dataPoints', 'data_points');
  const base = (p: JsonObject) => ({
    startTimeUs: jsonMicros(field(p, 'startTimeUnixNano', 'start_time_unix_nano')),
    timeUs: jsonMicros(field(p, 'timeUnixNano', 'time_unix_nano')),
    attributes: jsonAttributes(field(p, 'attributes')),
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
    name: jsonString(field(metric, 'name')),
    unit: jsonString(field(metric, 'unit')),
    type,
    temporality: jsonEnum(field(data, 'aggregationTemporality', 'aggregation_temporality'), TEMPORALITY_NAMES),
    monotonic: Boolean(field(data, 'isMonotonic', 'is_monotonic')),
    points,
    pointCount: dataPoints.length,
  };
}

function jsonLogRecord(record: JsonObject): OtlpLogRecord {
  return {
    timeUs: jsonMicros(field(record, 'timeUnixNano', 'time_unix_nano')),
    observedTimeUs: jsonMicros(field(record, 'observedTimeUnixNano', 'observed_time_unix_nano')),
    severityNumber: jsonEnum(field(record, 'severityNumber', 'severity_number'), {}),
    severityText: jsonString(field(record, 'severityText', 'severity_text')),
    eventName: jsonString(field(record, 'eventName', 'event_name')),
    body: jsonValue(field(record, 'body')),
    attributes: jsonAttributes(field(record, 'attributes')),
    traceId: jsonId(field(record, 'traceId', 'trace_id')),
    spanId: jsonId(field(record, 'spanId', 'span_id')),
  };
}
