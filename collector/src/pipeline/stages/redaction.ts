// PII redaction for tenants that turn it on (SPANHOUSE_TRACE_REDACT or per tenant). Runs
// first, so nothing unredacted reaches any later stage, buffer, embedder or disk.
import { createRedactor, redactSpan, redactValue, type Replace } from '@spanhouse/enrich';
import type { AttributeValue, Attributes, SpanLog, SpanhouseSpan } from '@spanhouse/model';
import { policyFor, type EnrichmentSettings } from '../../enrichment/settings.ts';
import type { LogProcessor } from '../ingest.ts';
import type { SpanProcessor } from '../processor.ts';

export class RedactionStage implements SpanProcessor, LogProcessor {
  readonly name = 'redaction';
  private readonly redact: Replace;

  constructor(private readonly settings: EnrichmentSettings) {
    this.redact = createRedactor({ patterns: settings.redactPatterns });
  }

  private wanted(tenantId: string): boolean {
    return policyFor(this.settings, tenantId).redact;
  }

  process(spans: SpanhouseSpan[]): SpanhouseSpan[] {
    return spans.map((span) => (this.wanted(span.tenant_id) ? redactSpan(span, this.redact) : span));
  }

  processLogs(logs: SpanLog[]): SpanLog[] {
    return logs.map((log) =>
      this.wanted(log.tenant_id)
        ? { ...log, body: redactValue(log.body, this.redact) as AttributeValue, attributes: redactValue(log.attributes, this.redact) as Attributes }
        : log,
    );
  }
}
