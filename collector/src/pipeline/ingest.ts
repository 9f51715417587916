// Receiver -> processors -> exporter, with one data type between stages: OTLP is
// validated and mapped to SpanhouseSpan here, joined to log records already stored for
// it, then each SpanProcessor runs, then the BatchWriter stores. Invalid spans are
// counted and reported, never fatal to a batch. Log records that come after their span
// go through the rewrite path (rewrite.ts), which enriches the span again.
import {
  attachLogs,
  mapSpan,
  spanLogsFromRequest,
  storableProblem,
  wellFormed,
  tenantOfResource,
  validateOtlpSpan,
  type OtlpLogsRequest,
  type OtlpTraceRequest,
  type SpanLog,
  type SpanhouseSpan,
  type TenantOf,
} from '@spanhouse/model';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { SpanWriter } from './spool.ts';
import type { SpanProcessor } from './processor.ts';
import type { SpanMapper } from './span-mapper.ts';

export interface IngestResult {
  accepted: number;
  rejected: number;
  /** Why spans were rejected (first few reasons), for the OTLP partial_success message. */
  errorMessage: string;
}

const MAX_REASONS = 3;

/** Where span-bound log records are kept until (and after) their span arrives. */
export interface LogStore {
  insert(logs: SpanLog[]): Promise<unknown>;
  forSpans(spans: SpanhouseSpan[]): Promise<SpanLog[]>;
}

/** Joins log records to spans already stored (the rewrite path). */
export interface LogJoiner {
  joinLogs(logs: SpanLog[]): Promise<number>;
}

const logKey = (l: SpanLog) => `${l.tenant_id}/${l.trace_id}/${l.span_id}/${l.time_us}/${l.seq ?? 0}`;

/** A stage for log records, the counterpart of SpanProcessor (e.g. redaction must see log bodies too). */
export interface LogProcessor {
  readonly name: string;
  processLogs(logs: SpanLog[]): SpanLog[] | Promise<SpanLog[]>;
}

/** What the pipeline needs to know to refuse spans that would not stay stored. */
export interface StorableOptions {
  /** The tenant's retention in days (spans older than that are rejected, not acked and deleted). */
  retentionDaysOf: (tenantId: string) => number;
  /** Unix milliseconds. */
  now?: () => number;
  /**
   * The writer is the durable spool: spans are acknowledged while storage is down, so joining
   * the log records stored for them is best effort (skipped when storage cannot be read).
   */
  spooled?: boolean;
}

export class IngestPipeline {
  constructor(
    /** The BatchWriter, or the durable spool in front of it. */
    private readonly writer: SpanWriter,
    private readonly logs: LogStore,
    private readonly joiner: LogJoiner,
    private readonly processors: SpanProcessor[] = [],
    private readonly logProcessors: LogProcessor[] = [],
    private readonly storable: StorableOptions = { retentionDaysOf: () => 30 },
    /** Maps one tenant's spans on a worker thread, for callers that ask (`offLoop`). */
    private readonly mapper?: SpanMapper,
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
    await this.logs.insert(processed);
    // Stored first, then joined: a span stored meanwhile is found here or finds the logs itself.
    await this.joiner.joinLogs(processed);
    const errorMessage = unattached > 0 ? `${unattached} log record(s) without a trace and span id, of an invalid tenant, or with a time outside 1970–2106 or values nested too deep were dropped` : '';
    return { accepted: processed.length, rejected: unattached, errorMessage };
  }

  private async storedLogs(spans: SpanhouseSpan[]): Promise<SpanLog[]> {
    if (!this.storable.spooled) return this.logs.forSpans(spans);
    return this.logs.forSpans(spans).catch(() => []);
  }

  private async joinLate(logs: SpanLog[]): Promise<void> {
    if (!this.storable.spooled) await this.joiner.joinLogs(logs);
    else await this.joiner.joinLogs(logs).catch(() => undefined);
  }

  /**
   * Maps, enriches and stores one export request; resolves once its spans are durable.
   * `offLoop`: the mapping runs on the pipeline's worker thread when the tenant is known
   * up front (the gateway's calls), leaving the event loop to the requests it serves.
   */
  async ingestTraces(request: OtlpTraceRequest, tenantOf: TenantOf, context: { routingAlias?: string; maxWriteDelayMs?: number; offLoop?: boolean } = {}): Promise<IngestResult> {
    const nowUs = (this.storable.now ?? Date.now)() * 1000;
    const { spans, rejected, reasons } =
      context.offLoop && this.mapper && typeof tenantOf === 'string'
        ? await this.mapper.map({ request, tenantId: tenantOf, nowUs, retentionDays: this.storable.retentionDaysOf(tenantOf) })
        : await mapInTurns(request, tenantOf, (span) => storableProblem(span, { nowUs, retentionDays: this.storable.retentionDaysOf(span.tenant_id) }));
    if (context.routingAlias) for (const span of spans) span.routing_alias ||= context.routingAlias;
    const early = await this.storedLogs(spans);
    let enriched = early.length > 0 ? spans.map((span) => attachLogs(span, early)) : spans;
    for (const processor of this.processors) enriched = await processor.process(enriched);
    const stored = await this.writer.write(enriched, { maxDelayMs: context.maxWriteDelayMs });
    // Logs stored while this request was on its way missed both joins: join them now.
    const joined = new Set(early.map(logKey));
    const late = (await this.storedLogs(enriched)).filter((l) => !joined.has(logKey(l)));
    if (late.length > 0) await this.joinLate(late);
    return {
      accepted: enriched.length - stored.refused,
      rejected: rejected + stored.refused,
      errorMessage: [...reasons, ...stored.reasons].slice(0, MAX_REASONS).join('; '),
    };
  }
}

/** One tenant's export request to map, with what the storable check needs (it crosses to a worker). */
export interface MapJob {
  request: OtlpTraceRequest;
  tenantId: string;
  nowUs: number;
  retentionDays: number;
}

/** What mapping an export gives: the spans to store, and how many were refused and why (the first few reasons). */
export interface MappedSpans {
  spans: SpanhouseSpan[];
  rejected: number;
  reasons: string[];
}

/** Pure: mapTraceRequest with the storable check, for one tenant (what the worker thread runs). */
export function mapJob(job: MapJob): MappedSpans {
  return mapTraceRequest(job.request, job.tenantId, (span) => storableProblem(span, { nowUs: job.nowUs, retentionDays: job.retentionDays }));
}

/** Spans mapped per turn of the event loop (mapInTurns). */
const MAP_SLICE = 64;

/**
 * mapTraceRequest with a turn of the event loop after every MAP_SLICE spans: a 512-span export
 * mapped in one go held the loop for 8-16 ms, and API requests waited behind it (the trace
 * list's p95 while `npm run bench` loaded was 377-605 ms, 195-274 ms mapped in turns).
 */
export async function mapInTurns(request: OtlpTraceRequest, tenantOf: TenantOf, check: (span: SpanhouseSpan) => string | null = () => null): Promise<MappedSpans> {
  const out: MappedSpans = { spans: [], rejected: 0, reasons: [] };
  for (const _ of mapping(request, tenantOf, check, out)) await nextTurn();
  return out;
}

/**
 * Pure: every valid OTLP span mapped; invalid ones counted with a reason. `check` may
 * refuse a mapped span (or normalise it in place) before it goes on.
 */
export function mapTraceRequest(request: OtlpTraceRequest, tenantOf: TenantOf, check: (span: SpanhouseSpan) => string | null = () => null): MappedSpans {
  const out: MappedSpans = { spans: [], rejected: 0, reasons: [] };
  for (const _ of mapping(request, tenantOf, check, out));
  return out;
}

/** The mapping itself, into `out`; it pauses (yields) after every MAP_SLICE spans. */
function* mapping(request: OtlpTraceRequest, tenantOf: TenantOf, check: (span: SpanhouseSpan) => string | null, out: MappedSpans): Generator<void> {
  const reject = (count: number, reason: string) => {
    out.rejected += count;
    if (count > 0 && out.reasons.length < MAX_REASONS) out.reasons.push(reason);
  };
  let seen = 0;
  for (const { resource, scopeSpans } of request.resourceSpans) {
    const tenantId = tenantOfResource(tenantOf, resource);
    if (tenantId === null) {
      const count = scopeSpans.reduce((n, s) => n + s.spans.length, 0);
      reject(count, `${count} span(s) of a resource naming an invalid tenant`);
      continue;
    }
    for (const { scope, spans: otlpSpans } of scopeSpans) {
      for (const span of otlpSpans) {
        if (++seen % MAP_SLICE === 0) yield;
        const problem = validateOtlpSpan(span);
        if (problem) {
          reject(1, problem);
          continue;
        }
        try {
          const mapped = mapSpan({ span, resource, scope, tenantId });
          const refused = check(mapped);
          if (refused) reject(1, refused);
          else out.spans.push(mapped);
        } catch (error) {
          reject(1, `span "${wellFormed(span.name).slice(0, 100)}" could not be mapped: ${(error as Error).message}`);
        }
      }
    }
  }
}
