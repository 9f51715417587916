// The OTLP data the mapping layer reads. Receivers decode protobuf or JSON into these
// shapes, so every dialect sees one form: hex ids, times in unix microseconds and
// attribute values as plain JS values (kvlists become objects, bytes become base64).

/** OTLP ids as the receivers decode them: lower-case hex, 16 bytes for a trace, 8 for a span. */
export const TRACE_ID_PATTERN = /^[0-9a-f]{32}$/;
export const SPAN_ID_PATTERN = /^[0-9a-f]{16}$/;

export type AttributeValue =
  | string
  | number
  | boolean
  | null
  | AttributeValue[]
  | { [key: string]: AttributeValue };

export type Attributes = Record<string, AttributeValue>;

export interface OtlpEvent {
  name: string;
  timeUs: number;
  attributes: Attributes;
}

export interface OtlpLink {
  traceId: string;
  spanId: string;
  attributes: Attributes;
}

/** OTLP status codes: 0 unset, 1 ok, 2 error. */
export interface OtlpStatus {
  code: number;
  message: string;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind number: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startTimeUs: number;
  endTimeUs: number;
  attributes: Attributes;
  events: OtlpEvent[];
  links: OtlpLink[];
  status: OtlpStatus;
}

export interface OtlpScope {
  name: string;
  version: string;
}

export interface OtlpScopeSpans {
  scope: OtlpScope;
  spans: OtlpSpan[];
}

export interface OtlpResourceSpans {
  resource: Attributes;
  scopeSpans: OtlpScopeSpans[];
}

/** A decoded ExportTraceServiceRequest. */
export interface OtlpTraceRequest {
  resourceSpans: OtlpResourceSpans[];
}

export interface OtlpLogRecord {
  timeUs: number;
  observedTimeUs: number;
  severityNumber: number;
  severityText: string;
  /** OTLP LogRecord.event_name (newer SDKs); older ones put it in attributes["event.name"]. */
  eventName: string;
  body: AttributeValue;
  attributes: Attributes;
  traceId: string;
  spanId: string;
}

export interface OtlpScopeLogs {
  scope: OtlpScope;
  logRecords: OtlpLogRecord[];
}

export interface OtlpResourceLogs {
  resource: Attributes;
  scopeLogs: OtlpScopeLogs[];
}

/** A decoded ExportLogsServiceRequest. */
export interface OtlpLogsRequest {
  resourceLogs: OtlpResourceLogs[];
}
