// Stamps each span and log with its tenant's retention, which the ClickHouse TTLs read.
import type { SpanLog, SpanhouseSpan } from '@spanhouse/model';
import { policyFor, type EnrichmentSettings } from '../../enrichment/settings.ts';
import type { LogProcessor } from '../ingest.ts';
import type { SpanProcessor } from '../processor.ts';

export class RetentionStage implements SpanProcessor, LogProcessor {
  readonly name = 'retention';
  constructor(private readonly settings: EnrichmentSettings) {}

  // In place: the pipeline owns these fresh objects, and copying large spans is not free.
  private stamp<T extends SpanhouseSpan | SpanLog>(item: T): T {
    const policy = policyFor(this.settings, item.tenant_id);
    item.retention_days = policy.retentionDays;
    item.content_retention_days = policy.contentRetentionDays ?? 0;
    return item;
  }

  process(spans: SpanhouseSpan[]): SpanhouseSpan[] {
    return spans.map((span) => this.stamp(span));
  }

  processLogs(logs: SpanLog[]): SpanLog[] {
    return logs.map((log) => this.stamp(log));
  }
}
