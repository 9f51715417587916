// Receiver -> processors -> exporter, with one data type between stages: OTLP is
// validated and mapped to SpanhouseSpan here, then each SpanProcessor runs, then the
// BatchWriter stores. Invalid spans are counted and reported, never fatal to a batch.
import { mapSpan, validateOtlpSpan, type OtlpTraceRequest, type SpanhouseSpan } from '@spanhouse/model';
import type { BatchWriter } from './batch-writer.ts';
import type { SpanProcessor } from './processor.ts';

export interface IngestResult {
  accepted: number;
  rejected: number;
  /** Why spans were rejected (first few reasons), for the OTLP partial_success message. */
  errorMessage: string;
}

const MAX_REASONS = 3;

export class IngestPipeline {
  constructor(
    private readonly writer: BatchWriter,
    private readonly processors: SpanProcessor[] = [],
  ) {}

  /** Maps, enriches and stores one export request; resolves once its spans are durable. */
  async ingestTraces(request: OtlpTraceRequest, tenantId: string): Promise<IngestResult> {
    const { spans, rejected, reasons } = mapTraceRequest(request, tenantId);
    let enriched = spans;
    for (const processor of this.processors) enriched = await processor.process(enriched);
    await this.writer.write(enriched);
    return { accepted: enriched.length, rejected, errorMessage: reasons.join('; ') };
  }
}

/** Pure: every valid OTLP span mapped; invalid ones counted with a reason. */
export function mapTraceRequest(request: OtlpTraceRequest, tenantId: string) {
  const spans: SpanhouseSpan[] = [];
  const reasons: string[] = [];
  let rejected = 0;
  for (const { resource, scopeSpans } of request.resourceSpans) {
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
