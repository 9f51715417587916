export * from './types.ts';
export * from './otlp.ts';
export * from './dialect.ts';
export * from './attributes.ts';
export * from './messages.ts';
export { deriveSpanType } from './span-type.ts';
export { DIALECTS } from './dialects/index.ts';
export { eventMessages } from './dialects/otel-genai.ts';
export {
  mapSpan,
  readGenAiFields,
  validateOtlpSpan,
  normaliseProvider,
  MAX_TEXT_CHARS,
  MAX_ATTRIBUTE_CHARS,
  type MapSpanInput,
} from './map-span.ts';
export { attachLogs, spanLogsFromRequest, tenantOfResource, logEventName, LOG_BODY_ATTRIBUTE, type SpanLog, type TenantOf } from './logs.ts';
export { rollUp, traceSummaryOf, isoFromMicros, previewText, TRACE_PREVIEW_CHARS, type TraceRollup } from './trace-rollup.ts';
export { storableProblem, wellFormed, wellFormedInPlace, TTL_WRAP_US, MAX_STORED_TIME_US, MAX_LABEL_CHARS, MAX_STORED_DEPTH, type StorableLimits } from './storable.ts';
export * from './evaluations.ts';
export { roundUsd } from './money.ts';
export type { SessionRow, UserRow, DialectHealth, IngestHealth, OtelMetricPoint, ClusterSummary, RunSummary } from './api-rows.ts';
