// The rewrite path: new versions of spans already stored. A PATCH, log records that
// arrive after their span, re-pricing and re-clustering a window all come through here:
// read the newest stored version, change it, (optionally) run it through the enrichment
// stages again, store it as a newer version. The store then rolls the trace up again
// from its spans, so lists reflect the change.
import { attachLogs, wellFormedInPlace, type SpanLog, type SpanhouseSpan } from '@spanhouse/model';
import type { SpanStore, StoredSpan } from '../store/span-store.ts';
import type { SpanProcessor } from './processor.ts';

export interface RewriteWindow {
  since: Date;
  until: Date;
  types: string[];
  limit: number;
}

export class SpanRewriter {
  /** Rewrites run one at a time, so two changes to one span never lose each other. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: SpanStore,
    private readonly processors: SpanProcessor[],
  ) {}

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async reprocess(spans: SpanhouseSpan[]): Promise<SpanhouseSpan[]> {
    let out = spans;
    for (const processor of this.processors) out = await processor.process(out);
    return out;
  }

  private async save(stored: StoredSpan[], revised: SpanhouseSpan[]): Promise<void> {
    // a PATCH may bring lone surrogates (valid JSON, invalid UTF-8): U+FFFD, as at ingest
    for (const span of revised) wellFormedInPlace(span as unknown as Record<string, unknown>);
    const previous = new Map(stored.map((s) => [`${s.span.trace_id}/${s.span.span_id}`, s]));
    const revisions = revised.flatMap((span) => {
      const replaced = previous.get(`${span.trace_id}/${span.span_id}`);
      return replaced ? [{ span, previous: replaced }] : [];
    });
    await this.store.writeRevisions(revisions);
  }

  /**
   * One span changed by `change` and enriched again (PATCH /api/spans/:id). Resolves to
   * the stored result, or null when the tenant has no such span (or `change` says no).
   */
  reviseSpan(tenantId: string, spanId: string, change: (span: SpanhouseSpan) => SpanhouseSpan | null): Promise<SpanhouseSpan | null> {
    return this.serial(async () => {
      const [stored] = await this.store.newestSpans(tenantId, { spanIds: [spanId] });
      if (!stored) return null;
      const changed = change(stored.span);
      if (!changed) return null;
      const [next] = await this.reprocess([{ ...changed, tenant_id: tenantId }]);
      if (!next) return null;
      await this.save([stored], [next]);
      return next;
    });
  }

  /**
   * The newest version of every span of `types` that started in the window (at most
   * `limit`), given to `revise` at once; what it returns is stored. For re-pricing after
   * a price change and re-clustering a window (each job runs its own stage).
   */
  reviseWindow(tenantId: string, window: RewriteWindow, revise: (spans: SpanhouseSpan[]) => Promise<SpanhouseSpan[]>): Promise<{ read: number; written: number }> {
    return this.serial(async () => {
      const stored = await this.store.newestSpans(tenantId, window);
      if (stored.length === 0) return { read: 0, written: 0 };
      const revised = (await revise(stored.map((s) => s.span))).map((span) => ({ ...span, tenant_id: tenantId }));
      await this.save(stored, revised);
      return { read: stored.length, written: revised.length };
    });
  }

  /**
   * Log records for spans already stored: joined to them, and the spans enriched again
   * (their prompts may have arrived with the logs, and must be redacted and clustered).
   * Resolves to how many stored spans took them.
   */
  joinLogs(logs: SpanLog[]): Promise<number> {
    return this.serial(async () => {
      if (logs.length === 0) return 0;
      const stored: StoredSpan[] = [];
      for (const [tenantId, spanIds] of groupSpans(logs)) stored.push(...(await this.store.newestSpans(tenantId, { traceIds: [...new Set(logs.map((l) => l.trace_id))], spanIds })));
      const joined = stored.map((s) => ({ before: s, after: attachLogs(s.span, logs) })).filter((j) => j.after.events.length !== j.before.span.events.length);
      if (joined.length === 0) return 0;
      const revised = await this.reprocess(joined.map((j) => j.after));
      await this.save(joined.map((j) => j.before), revised);
      return joined.length;
    });
  }
}

function groupSpans(logs: SpanLog[]): Map<string, string[]> {
  const byTenant = new Map<string, Set<string>>();
  for (const log of logs) byTenant.set(log.tenant_id, (byTenant.get(log.tenant_id) ?? new Set()).add(log.span_id));
  return new Map([...byTenant].map(([tenant, spans]) => [tenant, [...spans]]));
}
