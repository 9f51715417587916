// Receiver -> processors -> exporter, with one data type between stages: OTLP is
// validated and mapped to SpanhouseSpan here, then each SpanProcessor runs, then the
// BatchWriter stores. Invalid spans are counted and reported, never fatal to a batch.
import {
  mapSpan,
  spanLogsFromRequest,
  tenantOfResource,
  validateOtlpSpan,
  type OtlpLogsRequest,
  type OtlpTraceRequest,
  type SpanLog,
  type SpanhouseSpan,
  type TenantOf,
} from '@spanhouse/model';
import type { BatchWriter } from './batch-writer.ts';
import type { SpanProcessor } from './processor.ts';

export interface IngestResult {
  accepted: number;
  rejected: number;
  /** Why spans were rejected (first few reasons), for the OTLP partial_success message. */
  errorMessage: string;
}

const MAX_REASONS = 3;

/** Where span-bound log records go (the store joins them to their spans). */
export interface LogSink {
  insertLogs(logs: SpanLog[]): Promise<unknown>;
}

/** A stage for log records, the counterpart of SpanProcessor (e.g. redaction must see log bodies too). */
export interface LogProcessor {
  readonly name: string;
  processLogs(logs: SpanLog[]): SpanLog[] | Promise<SpanLog[]>;
}

export class IngestPipeline {
  constructor(
    private readonly writer: BatchWriter,
    private readonly logSink: LogSink,
    private readonly processors: SpanProcessor[] = [],
    private readonly logProcessors: LogProcessor[] = [],
  ) {}

  /**
   * Stores the log records that name a span; resolves once they are durable. Records
   * without a span context are not GenAI content we can place: they are accepted and
   * dropped (the response says how many).
   */
  async ingestLogs(request: OtlpLogsRequest, tenantOf: TenantOf): Promise<IngestResult> {
    const { logs, unattached } = spanLogsFromRequest(request, tenantOf);
    let processed = logs;
    for (const processor of this.logProcessors) processed = await processor.processLogs(processed);
    await this.logSink.insertLogs(processed);
    const errorMessage = unattached > 0 ? `${unattached} log record(s) without a trace and span id (or of an invalid tenant) were dropped` : '';
    return { accepted: processed.length, rejected: unattached, errorMessage };
  }

  /** Maps, enriches and stores one export request; resolves once its spans are durable. */
  async ingestTraces(request: OtlpTraceRequest, tenantOf: TenantOf, context: { routingAlias?: string } = {}): Promise<IngestResult> {
    const { spans, rejected, reasons } = mapTraceRequest(request, tenantOf);
    if (context.routingAlias) for (const span of spans) span.routing_alias ||= context.routingAlias;
    let enriched = spans;
    for (const processor of this.processors) enriched = await processor.process(enriched);
    await this.writer.write(enriched);
    return { accepted: enriched.length, rejected, errorMessage: reasons.join('; ') };
  }
}

/** Pure: every valid OTLP span mapped; invalid ones counted with a reason. */
export function mapTraceRequest(request: OtlpTraceRequest, tenantOf: TenantOf) {
  const spans: SpanhouseSpan[] = [];
  const reasons: string[] = [];
  let rejected = 0;
  for (const { resource, scopeSpans } of request.resourceSpans) {
    const tenantId = tenantOfResource(tenantOf, resource);
    if (tenantId === null) {
      const count = scopeSpans.reduce((n, s) => n + s.spans.length, 0);
      rejected += count;
      if (count > 0 && reasons.length < MAX_REASONS) reasons.push(`${count} span(s) of a resource naming an invalid tenant`);
      continue;
    }
    for (const { scope, spans: otlpSpans } of scopeSpans) {
      for (const span of otlpSpans) {
        const problem = validateOtlpSpan(span);
        if (problem) {
          rejected++;
          if (reasons.length < MAX_REASONS) reasons.push(problem);
          continue;
        }
        try {
          spans.push(mapSpan({ span, resource, scope, tenantId }));
        } catch (error) {
          rejected++;
          if (reasons.length < MAX_REASONS) reasons.push(`span "${span.name}" could not be mapped: ${(error as Error).message}`);
        }
      }
    }
  }
  return { spans, rejected, reasons };
}
