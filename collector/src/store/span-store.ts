// The only place that speaks SQL. Every value reaches ClickHouse as a typed query
// parameter ({name:Type}); nothing from a request is ever spliced into SQL text.
import type { ClickHouseClient } from '@clickhouse/client';
import { LRUCache } from 'lru-cache';
import { attachLogs, type SpanLog, type SpanhouseSpan, type TraceStatus, type TraceSummary } from '@spanhouse/model';
import { createClickHouseClient, type ClickHouseOptions } from './client.ts';
import { migrate } from './migrations.ts';
import { fromLogRow, fromRow, isoTime, rowToSpan, toLogRow, toRow, type SpanLogRow, type SpanRecord, type SpanRow } from './rows.ts';

export interface InsertResult {
  inserted: number;
  duplicates: number;
}

/** Every column of a span row plus exact microsecond times, for rewriting spans (rowToSpan). */
const FULL_ROW = `*, input_preview, output_preview,
  toUnixTimestamp64Micro(start_time) AS start_us, toUnixTimestamp64Micro(end_time) AS end_us`;
type FullRow = SpanRow & { start_us: number; end_us: number };

/** Trace ids per lookup (keeps query parameters small for server mode). */
const TRACE_CHUNK = 2000;
/** Span keys remembered for retry dedup (about 100 bytes each). */
const RECENT_KEYS = 500_000;
const HOUR_US = 3_600_000_000;
/** How often a store that has seen no span logs looks again (another collector may receive them). */
const LOGS_RECHECK_MS = 30_000;

// The trace rollup merged from `traces` states; the per-span tuple is documented in the DDL.
export const TRACE_SELECT = `
  SELECT
    tenant_id,
    trace_id,
    min(start_time) AS start_time,
    max(end_time) AS end_time,
    toUnixTimestamp64Micro(start_time) AS start_us,
    dateDiff('microsecond', start_time, end_time) / 1000 AS duration_ms,
    argMinMerge(name) AS name,
    argMinMerge(input_preview) AS input,
    argMaxMerge(output_preview) AS output,
    mapValues(maxMapMerge(span_stats)) AS stats,
    length(stats) AS span_count,
    toUInt64(arraySum(arrayMap(s -> s.2, stats))) AS llm_count,
    toUInt64(arraySum(arrayMap(s -> s.3, stats))) AS tool_count,
    toUInt64(arraySum(arrayMap(s -> s.4, stats))) AS error_count,
    multiIf(arrayMax(arrayMap(s -> s.5, stats)) = 2, 'error', arrayMax(arrayMap(s -> s.5, stats)) = 1, 'timeout', 'success') AS status,
    toUInt64(arraySum(arrayMap(s -> s.6, stats))) AS input_tokens,
    toUInt64(arraySum(arrayMap(s -> s.7, stats))) AS output_tokens,
    toUInt64(arraySum(arrayMap(s -> s.8, stats))) AS total_tokens,
    arrayFilter(c -> c >= 0, arrayMap(s -> s.9, stats)) AS costs,
    if(empty(costs), NULL, arraySum(costs)) AS cost_usd,
    groupUniqArrayArray(models) AS models,
    groupUniqArrayArray(services) AS services,
    groupUniqArrayArray(providers) AS providers,
    groupUniqArrayArray(tags) AS tags,
    max(user_id) AS user_id,
    max(session_id) AS session_id
  FROM traces`;

export interface TraceRow {
  tenant_id: string;
  trace_id: string;
  start_time: string;
  end_time: string;
  start_us: number | string;
  duration_ms: number;
  name: string;
  input: string;
  output: string;
  span_count: number | string;
  llm_count: number | string;
  tool_count: number | string;
  error_count: number | string;
  status: TraceStatus;
  input_tokens: number | string;
  output_tokens: number | string;
  total_tokens: number | string;
  cost_usd: number | null;
  models: string[];
  services: string[];
  tags: string[];
  user_id: string;
  session_id: string;
}

export function toTraceSummary(row: TraceRow): TraceSummary {
  return {
    tenant_id: row.tenant_id,
    trace_id: row.trace_id,
    name: row.name,
    start_time: isoTime(row.start_time),
    end_time: isoTime(row.end_time),
    duration_ms: Number(row.duration_ms),
    status: row.status,
    span_count: Number(row.span_count),
    llm_count: Number(row.llm_count),
    tool_count: Number(row.tool_count),
    error_count: Number(row.error_count),
    input_tokens: Number(row.input_tokens),
    output_tokens: Number(row.output_tokens),
    total_tokens: Number(row.total_tokens),
    cost_usd: row.cost_usd === null ? null : Number(row.cost_usd),
    models: [...row.models].sort(),
    services: [...row.services].sort(),
    tags: [...row.tags].sort(),
    input: row.input,
    output: row.output,
    user_id: row.user_id,
    session_id: row.session_id,
  };
}

export class SpanStore {
  private constructor(
    readonly client: ClickHouseClient,
    readonly mode: 'chdb' | 'server',
  ) {}

  /** Connects (embedded chDB or server) and applies pending migrations. */
  static async open(options: ClickHouseOptions): Promise<SpanStore> {
    const { client, mode } = createClickHouseClient(options);
    await migrate(client);
    return new SpanStore(client, mode);
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** Writes run one at a time, so the duplicate check and log joining see every earlier write. */
  private writes: Promise<unknown> = Promise.resolve();
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writes.then(work, work);
    this.writes = run.catch(() => undefined);
    return run;
  }

  /**
   * Inserts spans. A retried export re-sends spans already stored: those seen recently
   * by this process are dropped here without a query (the common case: the exporter
   * timed out before our answer). Any duplicate that still gets through (after a
   * restart, or via another collector) is harmless: rows are versioned, readers take one
   * row per span, and the trace rollup is keyed by span id. Logs that arrived before
   * their span are joined to it here.
   */
  insertSpans(spans: SpanhouseSpan[]): Promise<InsertResult> {
    return this.exclusive(async () => {
      const fresh = new Map<string, SpanhouseSpan>();
      for (const span of spans) {
        const key = `${span.tenant_id}/${span.trace_id}/${span.span_id}`;
        if (!this.recentKeys.has(key)) fresh.set(key, span);
      }
      let rows = [...fresh.values()];
      const logs = await this.logsFor(rows);
      if (logs.length > 0) rows = rows.map((span) => attachLogs(span, logs));
      if (rows.length > 0) {
        await this.client.insert({ table: 'spans', values: rows.map((span) => toRow(span, this.nextVersion())), format: 'JSONEachRow' });
        for (const key of fresh.keys()) this.recentKeys.set(key, true);
      }
      return { inserted: rows.length, duplicates: spans.length - rows.length };
    });
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
   * Stores span-bound log records and joins them to spans already stored (a new
   * version of each such span). Spans that arrive later pick them up in insertSpans.
   */
  insertLogs(logs: SpanLog[]): Promise<{ attachedToStoredSpans: number }> {
    return this.exclusive(async () => {
      if (logs.length === 0) return { attachedToStoredSpans: 0 };
      await this.client.insert({ table: 'span_logs', values: logs.map(toLogRow), format: 'JSONEachRow' });
      this.logsSeen = { value: true, checkedAt: Date.now() };
      const rewritten: Array<{ span: SpanhouseSpan; row: FullRow }> = [];
      for (const [tenantId, traceIds] of groupTraces(logs)) {
        const spanIds = [...new Set(logs.filter((l) => l.tenant_id === tenantId).map((l) => l.span_id))];
        const result = await this.client.query({
          query: `SELECT ${FULL_ROW} FROM spans
                  WHERE tenant_id = {tenant:String} AND trace_id IN {traces:Array(String)} AND span_id IN {spans:Array(String)}
                  ORDER BY span_id, version DESC LIMIT 1 BY trace_id, span_id`,
          query_params: { tenant: tenantId, traces: traceIds, spans: spanIds },
          format: 'JSONEachRow',
        });
        for (const row of await result.json<FullRow>()) rewritten.push({ row, span: attachLogs(rowToSpan(row), logs) });
      }
      await this.writeVersions(rewritten.map((r) => r.row), rewritten.map((r) => r.span));
      return { attachedToStoredSpans: rewritten.length };
    });
  }

  /**
   * Logs already stored for these spans. Skipped while the store has never seen a span
   * log (most workloads send none), re-checked every LOGS_RECHECK_MS for collectors that
   * share a ClickHouse server with one that receives logs.
   */
  private async logsFor(spans: SpanhouseSpan[]): Promise<SpanLog[]> {
    if (spans.length === 0 || !(await this.mayHaveLogs())) return [];
    // Logs are written during their span: look in its time range (the key starts with the hour).
    const from = Math.min(...spans.map((s) => s.start_time_us)) - HOUR_US;
    const to = Math.max(...spans.map((s) => s.end_time_us)) + HOUR_US;
    const rows = await this.queryByTrace<SpanLogRow & { time_us: number }>(
      spans,
      'SELECT *, toUnixTimestamp64Micro(time) AS time_us FROM span_logs',
      'AND time BETWEEN fromUnixTimestamp64Micro({from:Int64}) AND fromUnixTimestamp64Micro({to:Int64}) ORDER BY time, seq',
      { from, to },
    );
    return rows.map(({ row }) => fromLogRow(row));
  }

  private logsSeen: { value: boolean; checkedAt: number } = { value: false, checkedAt: 0 };
  private async mayHaveLogs(): Promise<boolean> {
    if (this.logsSeen.value || Date.now() - this.logsSeen.checkedAt < LOGS_RECHECK_MS) return this.logsSeen.value;
    const result = await this.client.query({ query: 'SELECT count() > 0 AS any FROM span_logs', format: 'JSONEachRow' });
    const [row] = await result.json<{ any: number | boolean }>();
    this.logsSeen = { value: Boolean(Number(row?.any ?? 0)), checkedAt: Date.now() };
    return this.logsSeen.value;
  }

  /** Runs `select … WHERE tenant AND trace_id IN (…) tail` per tenant, in chunks of trace ids. */
  private async queryByTrace<T>(
    items: Array<{ tenant_id: string; trace_id: string }>,
    select: string,
    tail: string,
    params: Record<string, unknown>,
  ): Promise<Array<{ tenantId: string; row: T }>> {
    const out: Array<{ tenantId: string; row: T }> = [];
    for (const [tenantId, traceIds] of groupTraces(items)) {
      for (let i = 0; i < traceIds.length; i += TRACE_CHUNK) {
        const result = await this.client.query({
          query: `${select} WHERE tenant_id = {tenant:String} AND trace_id IN {traces:Array(String)} ${tail}`,
          query_params: { ...params, tenant: tenantId, traces: traceIds.slice(i, i + TRACE_CHUNK) },
          format: 'JSONEachRow',
        });
        for (const row of await result.json<T>()) out.push({ tenantId, row });
      }
    }
    return out;
  }

  /** One trace: its rollup and every span (newest version of each), ordered by start time. */
  async getTrace(tenantId: string, traceId: string, withContent: boolean): Promise<{ trace: TraceSummary; spans: SpanRecord[] } | null> {
    const rollup = await this.client.query({
      query: `${TRACE_SELECT} WHERE tenant_id = {tenant:String} AND trace_id = {trace:String} GROUP BY tenant_id, trace_id`,
      query_params: { tenant: tenantId, trace: traceId },
      format: 'JSONEachRow',
    });
    const [trace] = await rollup.json<TraceRow>();
    if (!trace) return null;
    const spans = await this.selectSpans(tenantId, traceId, withContent);
    return { trace: toTraceSummary(trace), spans };
  }

  /** One span by id; the bloom filter on span_id narrows the scan to a few granules. */
  async getSpan(tenantId: string, spanId: string): Promise<SpanRecord | null> {
    const result = await this.client.query({
      query: `SELECT *, input_preview, output_preview FROM spans
              WHERE tenant_id = {tenant:String} AND span_id = {span:String}
              ORDER BY version DESC LIMIT 1`,
      query_params: { tenant: tenantId, span: spanId },
      format: 'JSONEachRow',
    });
    const [row] = await result.json<SpanRow>();
    return row ? fromRow(row, true) : null;
  }

  private async selectSpans(tenantId: string, traceId: string, withContent: boolean): Promise<SpanRecord[]> {
    // Without content, the heavy columns (text, attributes, events) are never read: large traces stay cheap.
    const columns = withContent
      ? '*, input_preview, output_preview'
      : `* EXCEPT (input_messages, output_messages, input_text, output_text, span_attributes, resource_attributes, events),
         '[]' AS input_messages, '[]' AS output_messages, '' AS input_text, '' AS output_text,
         map() AS span_attributes, map() AS resource_attributes, '[]' AS events, input_preview, output_preview`;
    const result = await this.client.query({
      query: `SELECT ${columns} FROM spans
              WHERE tenant_id = {tenant:String} AND trace_id = {trace:String}
              ORDER BY span_id, version DESC
              LIMIT 1 BY span_id`,
      query_params: { tenant: tenantId, trace: traceId },
      format: 'JSONEachRow',
    });
    const rows = await result.json<SpanRow>();
    return rows.map((row) => fromRow(row, withContent)).sort((a, b) => (a.start_time < b.start_time ? -1 : a.start_time > b.start_time ? 1 : 0));
  }

  /**
   * Writes a new version of a stored span on purpose (PATCH /api/spans/:id): reads the
   * newest version, lets `revise` change it, stores the result with a higher version.
   * Runs under the write lock, so concurrent revisions and log joins never lose updates.
   * Resolves to null when the tenant has no such span (or `revise` returns null).
   */
  reviseSpan(tenantId: string, spanId: string, revise: (span: SpanhouseSpan) => Promise<SpanhouseSpan | null>): Promise<SpanhouseSpan | null> {
    return this.exclusive(async () => {
      const result = await this.client.query({
        query: `SELECT ${FULL_ROW} FROM spans WHERE tenant_id = {tenant:String} AND span_id = {span:String}
                ORDER BY version DESC LIMIT 1`,
        query_params: { tenant: tenantId, span: spanId },
        format: 'JSONEachRow',
      });
      const [row] = await result.json<FullRow>();
      if (!row) return null;
      const next = await revise(rowToSpan(row));
      if (!next) return null;
      await this.writeVersions([row], [{ ...next, tenant_id: tenantId }]);
      return next;
    });
  }

  /**
   * Rewrites the newest version of every span of `types` that started in [since, until)
   * (at most `limit`): for re-pricing after a price change and re-clustering
   * a window. `revise` gets them all at once and returns the spans to store again.
   */
  reviseWindow(
    tenantId: string,
    window: { since: Date; until: Date; types: string[]; limit: number },
    revise: (spans: SpanhouseSpan[]) => Promise<SpanhouseSpan[]>,
  ): Promise<{ read: number; written: number }> {
    return this.exclusive(async () => {
      const result = await this.client.query({
        query: `SELECT ${FULL_ROW} FROM spans
                WHERE tenant_id = {tenant:String} AND type IN {types:Array(String)}
                  AND start_time >= fromUnixTimestamp64Micro({since:Int64}) AND start_time < fromUnixTimestamp64Micro({until:Int64})
                ORDER BY trace_id, span_id, version DESC LIMIT 1 BY trace_id, span_id
                LIMIT {limit:UInt32}`,
        query_params: { tenant: tenantId, types: window.types, since: window.since.getTime() * 1000, until: window.until.getTime() * 1000, limit: window.limit },
        format: 'JSONEachRow',
      });
      const rows = await result.json<FullRow>();
      if (rows.length === 0) return { read: 0, written: 0 };
      const revised = await revise(rows.map(rowToSpan));
      await this.writeVersions(rows, revised.map((span) => ({ ...span, tenant_id: tenantId })));
      return { read: rows.length, written: revised.length };
    });
  }

  /** Stores `spans` as versions newer than every row in `previous` (callers hold the write lock). */
  private async writeVersions(previous: FullRow[], spans: SpanhouseSpan[]): Promise<void> {
    if (spans.length === 0) return;
    const version = previous.reduce((v, row) => Math.max(v, Number(row.version) + 1), this.nextVersion());
    this.lastVersion = version;
    await this.client.insert({ table: 'spans', values: spans.map((span) => toRow(span, version)), format: 'JSONEachRow' });
  }
}

/** Trace ids per tenant. */
function groupTraces(items: Array<{ tenant_id: string; trace_id: string }>): Map<string, string[]> {
  const byTenant = new Map<string, Set<string>>();
  for (const item of items) {
    const traces = byTenant.get(item.tenant_id) ?? new Set<string>();
    traces.add(item.trace_id);
    byTenant.set(item.tenant_id, traces);
  }
  return new Map([...byTenant].map(([tenant, traces]) => [tenant, [...traces]]));
}
