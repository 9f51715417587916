// Content mode off (SPANHOUSE_TRACE_CONTENT=false or per tenant): only metadata, token
// counts and cost are stored; prompt and response text of every dialect is dropped here.
import { dropContent, isContentAttribute } from '@spanhouse/enrich';
import type { SpanLog, SpanhouseSpan } from '@spanhouse/model';
import { policyFor, type EnrichmentSettings } from '../../enrichment/settings.ts';
import type { LogProcessor } from '../ingest.ts';
import type { SpanProcessor } from '../processor.ts';

export class ContentStage implements SpanProcessor, LogProcessor {
  readonly name = 'content';
  constructor(private readonly settings: EnrichmentSettings) {}

  private dropped(tenantId: string): boolean {
    return !policyFor(this.settings, tenantId).content;
  }

  process(spans: SpanhouseSpan[]): SpanhouseSpan[] {
    return spans.map((span) => (this.dropped(span.tenant_id) ? dropContent(span) : span));
  }

  /** A log record bound to a span is content (a message, a choice): keep only its non-content attributes. */
  processLogs(logs: SpanLog[]): SpanLog[] {
    return logs.map((log) =>
      this.dropped(log.tenant_id)
        ? { ...log, body: null, attributes: Object.fromEntries(Object.entries(log.attributes).filter(([key]) => !isContentAttribute(key))) }
        : log,
    );
  }
}
