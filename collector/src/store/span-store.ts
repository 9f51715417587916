// Spans and their trace rollups: writing new spans, writing new versions of stored spans,
// and reading traces and spans back. Every value reaches ClickHouse as a typed query
// parameter ({name:Type}); nothing from a request is ever spliced into SQL text.
import type { ClickHouseClient } from '@clickhouse/client';
import { LRUCache } from 'lru-cache';
import { rollUp, traceSummaryOf, type SpanhouseSpan, type TraceSummary } from '@spanhouse/model';
import { createClickHouseClient, type ClickHouseOptions } from './client.ts';
import { repairDataDir } from './data-dir-repair.ts';
import { migrate } from './migrations.ts';
import { backfillSpanMetrics } from './metrics.ts';
import { backfillTraceGroups } from './trace-groups.ts';
import { backfillIngestHealth } from './ingest-health.ts';
import { EncodedRows } from './encoded-rows.ts';
import { BACKGROUND, ONE_OFF_BY_ID, exists, insertRows, insertText, queryRows } from './query.ts';
import { FULL_SELECT, fromRow, LIGHT_SELECT, lightSelectFor, ROLLUP_FIELDS, rollupInput, SPAN_INSERT_COLUMNS, spanRecord, toRows, type SpanRecord, type SpanRow } from './span-columns.ts';
import { RollupReadAhead } from './read-ahead.ts';
import { RollupSweep, WRITER_TTL_S, WriterHeartbeat, type RebuiltTrace, type SweepResult } from './rollup-sweep.ts';
import { SpanLogStore } from './span-logs.ts';
import { TraceStore } from './traces.ts';
import type { TraceChange } from './trace-groups.ts';

/** The heartbeat's period, and how old a trace row must be for a sweep to check it (tests shorten both). */
export interface SweepTiming {
  everyMs: number;
  settleMs: number;
}

export interface InsertResult {
  inserted: number;
  duplicates: number;
}

/** A stored span as its newest version, ready to be rewritten. */
export interface StoredSpan {
  span: SpanhouseSpan;
  version: number;
}

/** A replaced span version as a span_revisions row: its key and what it added to span_metrics and ingest_health_hourly. */
const REVISION_COLUMNS = [
  'tenant_id', 'trace_id', 'span_id', 'version', 'start_time', 'retention_days',
  'type', 'model', 'provider', 'service_name', 'routing_alias', 'status', 'latency_ms', 'cost_usd', 'input_tokens', 'output_tokens', 'total_tokens',
  'mapping_dialects', 'mapping_semconv', 'mapping_inferred', 'mapping_unmapped', 'missing_content', 'counted',
];
function revisionRow({ span, version }: StoredSpan): unknown[] {
  return [
    span.tenant_id, span.trace_id, span.span_id, version, span.start_time_us, span.retention_days ?? null,
    span.type, span.model, span.provider, span.service_name, span.routing_alias, span.status,
    span.latency_ms, span.cost_usd, span.input_tokens, span.output_tokens, span.total_tokens,
    span.mapping.dialects, span.mapping.semconv ?? '', span.mapping.inferred ?? [], span.mapping.unmapped,
    // as the view counts a stored generation with no messages either way
    span.type === 'generation' && span.input_messages.length === 0 && span.output_messages.length === 0 ? 1 : 0, 1,
  ];
}

/** Span keys remembered for retry dedup (about 100 bytes each). */
const RECENT_KEYS = 500_000;
/** Trace ids read per step when rollups are rebuilt for a whole store (after an upgrade). */
const BACKFILL_TRACES = 5_000;
/** How often a store beats its heartbeat and, with other writers about, sweeps (rollup-sweep.ts). */
const HEARTBEAT_MS = 10_000;
/** Trace rows younger than this may belong to writes still in flight: the next sweep takes them. */
const SWEEP_SETTLE_MS = 15_000;
/** Each sweep starts this far before the last one ended (clocks of the writers a minute apart). */
const SWEEP_OVERLAP_US = 60_000_000;
/** A first sweep looks back this far. */
const SWEEP_LOOKBACK_US = 600_000_000;

export class SpanStore {
  private readonly traces: TraceStore;
  readonly logs: SpanLogStore;
  private readonly ahead: RollupReadAhead;
  private readonly rows = new EncodedRows();
  private readonly heartbeat: WriterHeartbeat;
  private readonly sweeper: RollupSweep;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private heartbeatRun: Promise<void> = Promise.resolve();
  /** Where this store's last sweep ended (row versions, µs); 0: it has not swept. */
  private sweptUntilUs = 0;
  /** When this store last saw another writer's heartbeat (ms). */
  private sawOtherWriterAt = 0;

  /**
   * `writer` carries the store's writes (the insert chain of new spans and of rewrites). With
   * chDB it is a second session on the same data directory: one session runs its queries one
   * at a time, so API reads on `client` no longer queue behind a batch's inserts (a server
   * runs each request on its own, and all are the same client there). `readAhead` reads
   * the rollups of queued spans (read-ahead.ts): a third session in chDB.
   */
  private constructor(
    readonly client: ClickHouseClient,
    readonly mode: 'chdb' | 'server',
    private readonly writer: ClickHouseClient = client,
    private readonly reader: ClickHouseClient = client,
  ) {
    this.traces = new TraceStore(writer);
    this.logs = new SpanLogStore(client);
    this.ahead = new RollupReadAhead(new TraceStore(reader));
    this.heartbeat = new WriterHeartbeat(writer);
    this.sweeper = new RollupSweep(writer, (tenantId, traceIds, newest) => this.rollUpAgain(tenantId, traceIds, newest));
  }

  /** Connects (embedded chDB or server), applies pending migrations, and fills what they left empty. */
  static async open(options: ClickHouseOptions & { log?: (message: string) => void; sweep?: SweepTiming }): Promise<SpanStore> {
    if (!options.url) {
      for (const db of repairDataDir(options.dataDir)) options.log?.(`removed the half-written SQL views ${db} (a full disk?); they are created again now`);
    }
    const { client, mode } = createClickHouseClient(options);
    await migrate(client);
    const session = () => (mode === 'chdb' ? createClickHouseClient(options).client : client);
    const store = new SpanStore(client, mode, session(), session());
    // Each rebuild is named for the newest migration that needs it, and a rebuild makes a table
    // as the current code would: a store older than several migrations rebuilds it once.
    // Earlier names (traces-backfill 011, span-metrics-backfill 012, trace-groups-backfill 018)
    // are covered by these.
    // 011 rolled stored spans up into `traces`, 017 added llm_calls (a wrapper repeating its child's usage counts once)
    await store.runOnce('traces-llm-calls', () => store.backfillRollups(options.log ?? (() => {})));
    // 012 added span_metrics, 027 its unpriced count and summed histograms
    await store.runOnce('span-metrics-unpriced', () => backfillSpanMetrics(client));
    // 018 added the sessions' and users' day totals, 027 their unpriced counts and a session's users (from the traces: after them)
    await store.runOnce('trace-groups-users', () => backfillTraceGroups(client));
    // 028: ingest health by the hour, from the spans stored before it
    await store.runOnce('ingest-health-backfill', () => backfillIngestHealth(client));
    await store.startHeartbeat(options.log ?? (() => {}), options.sweep ?? { everyMs: HEARTBEAT_MS, settleMs: SWEEP_SETTLE_MS });
    return store;
  }

  /**
   * Beats this store's heartbeat now and every `timing.everyMs`; while other writers beat too,
   * the oldest sweeps the trace rows written since its last sweep (rollup-sweep.ts).
   */
  private async startHeartbeat(log: (message: string) => void, timing: SweepTiming): Promise<void> {
    await this.heartbeat.beat();
    const tick = async () => {
      try {
        await this.heartbeat.beat();
        const writers = await this.heartbeat.active();
        if (writers.length > 1) this.sawOtherWriterAt = Date.now();
        // the oldest writer sweeps, and goes on a while after the others went quiet (what they wrote last)
        const sweeping = writers[0] === this.heartbeat.id && Date.now() - this.sawOtherWriterAt < 2 * WRITER_TTL_S * 1000;
        if (!sweeping) {
          this.sweptUntilUs = 0; // another sweeps, or none needs to: a later turn starts afresh
          return;
        }
        const until = (Date.now() - timing.settleMs) * 1000;
        const from = this.sweptUntilUs === 0 ? until - SWEEP_LOOKBACK_US : this.sweptUntilUs - SWEEP_OVERLAP_US;
        const result = await this.sweepRollups(from, until);
        this.sweptUntilUs = until;
        if (result.rebuilt > 0) log(`${writers.length} collectors write this store: rolled ${result.rebuilt} traces up again whose rows missed spans another wrote at the same moment`);
      } catch (error) {
        log(`the rollup sweep failed (it runs again in ${timing.everyMs / 1000} s): ${(error as Error).message}`);
      }
    };
    let ticking = false;
    this.heartbeatTimer = setInterval(() => {
      if (ticking) return; // a slow sweep skips beats rather than queueing them
      ticking = true;
      this.heartbeatRun = tick().finally(() => (ticking = false));
    }, timing.everyMs);
    this.heartbeatTimer.unref();
  }

  /**
   * Rolls up again, from their spans, the traces whose newest row written in [fromUs, toUs)
   * does not count every stored span, and corrects their sessions' and users' day totals.
   */
  sweepRollups(fromUs: number, toUs: number): Promise<SweepResult> {
    return this.exclusive(() => this.sweeper.sweep(fromUs, toUs));
  }

  /** The sweep's rebuild: versions above the newest stored row, whatever this machine's clock says. */
  private async rollUpAgain(tenantId: string, traceIds: string[], newest: number): Promise<RebuiltTrace[]> {
    const changes = await this.traces.rebuild(tenantId, traceIds);
    this.lastVersion = Math.max(this.lastVersion, newest);
    await this.writeTraces(changes, this.nextVersion());
    return changes.map(({ rollup: r }) => ({ tenant_id: r.tenant_id, session_id: r.session_id, user_id: r.user_id, start_time_us: r.start_time_us }));
  }

  async close(): Promise<void> {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    await this.heartbeatRun;
    await this.heartbeat.beat(true).catch(() => undefined); // gone: not a second writer to the next collector
    for (const session of new Set([this.writer, this.reader])) if (session !== this.client) await session.close();
    await this.client.close();
  }

  /**
   * Writes run one at a time, so folding a batch into its traces' rollups always sees
   * the rollups the previous write stored.
   */
  private writes: Promise<unknown> = Promise.resolve();
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writes.then(work, work);
    this.writes = run.catch(() => undefined);
    return run;
  }

  /** Span keys stored by this process lately (retry dedup without a query). */
  private readonly recentKeys = new LRUCache<string, true>({ max: RECENT_KEYS });
  private lastVersion = 0;
  /** Row versions: microseconds since the epoch, strictly increasing within the process. */
  private nextVersion(): number {
    this.lastVersion = Math.max(Date.now() * 1000, this.lastVersion + 1);
    return this.lastVersion;
  }

  /**
   * Spans queued for insertSpans: their rows are encoded meanwhile, and when their insert
   * comes `soon` (after the one in flight) their traces' stored rollups are read too (a
   * patient gateway call's spans wait for a timer: a read per call would cost more than
   * the fold's one read per batch).
   */
  readAhead(spans: SpanhouseSpan[], wait: { soon: boolean }): void {
    if (wait.soon) this.ahead.start(spans);
    this.rows.prepare(spans);
  }

  /**
   * Stores new spans and folds them into their traces' rollups. A retried export re-sends
   * spans already stored: those seen recently by this process are dropped without a query,
   * the rest because their trace's stored rollup already counts them (after a restart, or
   * when another collector stored them). One that still slips through (its rollup write
   * failed) is harmless: readers take one row per span.
   */
  insertSpans(spans: SpanhouseSpan[]): Promise<InsertResult> {
    return this.exclusive(async () => {
      const fresh = new Map<string, SpanhouseSpan>();
      for (const span of spans) {
        const key = `${span.tenant_id}/${span.trace_id}/${span.span_id}`;
        if (!this.recentKeys.has(key)) fresh.set(key, span);
      }
      // The stored rollups know every span id stored before (whichever process stored it).
      const { changes, added } = await this.traces.fold([...fresh.values()], this.ahead);
      if (added.length > 0) {
        const version = this.nextVersion();
        // spans first: a rollup never counts a span that is not stored
        await insertText(this.writer, 'spans', SPAN_INSERT_COLUMNS, await this.rows.text(added, version));
        await this.writeTraces(changes, version);
      }
      for (const key of fresh.keys()) this.recentKeys.set(key, true);
      return { inserted: added.length, duplicates: spans.length - added.length };
    });
  }

  /**
   * Stores new versions of stored spans (each newer than the version it revises), records
   * the versions they replace (with their values, which take them out of span_metrics),
   * and rolls their traces up again from what is stored. A revision keeps its span's start:
   * span lists find a span's newest version within its candidates' starts (search.ts).
   */
  writeRevisions(revisions: Array<{ span: SpanhouseSpan; previous: StoredSpan }>): Promise<void> {
    const moved = revisions.find((r) => r.span.start_time_us !== r.previous.span.start_time_us);
    if (moved) return Promise.reject(new Error(`a revision of span ${moved.span.span_id} moves its start; a span's start never changes`));
    return this.exclusive(async () => {
      if (revisions.length === 0) return;
      const version = revisions.reduce((v, r) => Math.max(v, r.previous.version + 1), this.nextVersion());
      this.lastVersion = version;
      await insertRows(this.writer, 'spans', SPAN_INSERT_COLUMNS, toRows(revisions.map((r) => r.span), version));
      await insertRows(this.writer, 'span_revisions', REVISION_COLUMNS, revisions.map((r) => revisionRow(r.previous)));
      await this.rebuildRollups(revisions.map((r) => r.span));
    });
  }

  private async rebuildRollups(spans: Array<{ tenant_id: string; trace_id: string }>): Promise<void> {
    const byTenant = new Map<string, Set<string>>();
    for (const s of spans) byTenant.set(s.tenant_id, (byTenant.get(s.tenant_id) ?? new Set()).add(s.trace_id));
    for (const [tenantId, traceIds] of byTenant) {
      await this.writeTraces(await this.traces.rebuild(tenantId, [...traceIds]), this.nextVersion());
    }
  }

  /** Stores new trace versions; what was read ahead of them is then stale (read-ahead.ts). */
  private async writeTraces(changes: TraceChange[], version: number): Promise<void> {
    const rollups = changes.map((c) => c.rollup);
    try {
      await this.traces.write(changes, version);
    } catch (error) {
      this.ahead.written([], rollups); // it may have landed in part
      throw error;
    }
    this.ahead.written(rollups);
  }

  /** Runs `job` unless a finished run is recorded in store_jobs; records it when it finishes. */
  private async runOnce(name: string, job: () => Promise<void>): Promise<void> {
    if (await exists(this.client, { query: 'SELECT count() AS n FROM store_jobs WHERE name = {name:String}', params: { name } })) return;
    await job();
    await insertRows(this.client, 'store_jobs', ['name', 'finished'], [[name, Date.now()]]);
  }

  /** Rollups for every stored trace (spans written before the `traces` table existed). */
  private async backfillRollups(log: (message: string) => void): Promise<void> {
    let after = { tenant: '', trace: '' };
    let done = 0;
    for (;;) {
      // primary-key order, so each page is read in order from where the last one stopped
      const page = await queryRows<{ tenant_id: string; trace_id: string }>(this.client, {
        query: `SELECT tenant_id, trace_id FROM spans
                WHERE (tenant_id, trace_id) > ({tenant:String}, {trace:String})
                ORDER BY tenant_id, trace_id LIMIT 1 BY tenant_id, trace_id LIMIT {limit:UInt32}`,
        query_params: { ...after, limit: BACKFILL_TRACES },
        clickhouse_settings: BACKGROUND,
      });
      if (page.length === 0) break;
      await this.rebuildRollups(page);
      done += page.length;
      const last = page[page.length - 1];
      after = { tenant: last.tenant_id, trace: last.trace_id };
    }
    if (done > 0) log(`rolled up ${done} stored traces into the traces table`);
  }

  /** The newest stored version of spans picked by id, by trace, or by type in a time window. */
  async newestSpans(
    tenantId: string,
    pick: { spanIds: string[] } | { traceIds: string[]; spanIds?: string[] } | { since: Date; until: Date; types: string[]; limit: number },
  ): Promise<StoredSpan[]> {
    const params: Record<string, unknown> = { tenant: tenantId };
    const where = ['tenant_id = {tenant:String}'];
    let limit = '';
    if ('since' in pick) {
      where.push('type IN {types:Array(String)}', 'start_time >= fromUnixTimestamp64Micro({since:Int64})', 'start_time < fromUnixTimestamp64Micro({until:Int64})');
      Object.assign(params, { types: pick.types, since: pick.since.getTime() * 1000, until: pick.until.getTime() * 1000, limit: pick.limit });
      limit = 'LIMIT {limit:UInt32}';
    } else {
      if ('traceIds' in pick) {
        where.push('trace_id IN {traces:Array(String)}');
        params.traces = pick.traceIds;
      }
      if (pick.spanIds) {
        where.push('span_id IN {spans:Array(String)}');
        params.spans = pick.spanIds;
      }
    }
    const rows = await queryRows<SpanRow>(this.client, {
      query: `SELECT ${FULL_SELECT} FROM spans WHERE ${where.join(' AND ')}
              ORDER BY trace_id, span_id, version DESC LIMIT 1 BY trace_id, span_id ${limit}`,
      query_params: params,
      clickhouse_settings: 'since' in pick ? undefined : ONE_OFF_BY_ID,
    });
    return rows.map((row) => ({ span: fromRow(row), version: Number(row.version) }));
  }

  /**
   * One trace: its summary and every span (newest version of each), ordered by start time.
   * The summary is rolled up from the spans read (the fold is a pure function of them), so
   * one primary-key read answers.
   */
  async getTrace(
    tenantId: string,
    traceId: string,
    withContent: boolean,
    /** Light fields only these (and what the summary rolls up from): a key read costs per column. */
    fields?: ReadonlySet<string>,
  ): Promise<{ trace: TraceSummary; spans: SpanRecord[] } | null> {
    const select = withContent ? FULL_SELECT : fields ? lightSelectFor(new Set([...fields, ...ROLLUP_FIELDS])) : LIGHT_SELECT;
    const rows = await queryRows<SpanRow>(this.client, {
      // Without content, the heavy columns (text, attributes, events) are never read: large traces stay cheap.
      query: `SELECT ${select} FROM spans
              WHERE tenant_id = {tenant:String} AND trace_id = {trace:String}
              ORDER BY span_id, version DESC
              LIMIT 1 BY span_id`,
      query_params: { tenant: tenantId, trace: traceId },
      clickhouse_settings: ONE_OFF_BY_ID,
    });
    if (rows.length === 0) return null;
    // light rows carry the texts only as far as their previews, which is what a rollup keeps
    const rollup = rollUp(null, rows.map((row) => (withContent ? fromRow(row) : rollupInput(row))));
    const spans = rows.map((row) => spanRecord(row, withContent)).sort((a, b) => (a.start_time < b.start_time ? -1 : a.start_time > b.start_time ? 1 : 0));
    return { trace: traceSummaryOf(rollup), spans };
  }

  /** One span by id; the bloom filter on span_id narrows the scan to a few granules. */
  async getSpan(tenantId: string, spanId: string): Promise<SpanRecord | null> {
    const [row] = await queryRows<SpanRow>(this.client, {
      query: `SELECT ${FULL_SELECT} FROM spans
              WHERE tenant_id = {tenant:String} AND span_id = {span:String}
              ORDER BY version DESC LIMIT 1`,
      query_params: { tenant: tenantId, span: spanId },
      clickhouse_settings: ONE_OFF_BY_ID,
    });
    return row ? spanRecord(row, true) : null;
  }
}
