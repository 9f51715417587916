// The only place that speaks SQL. Every value reaches ClickHouse as a typed query
// parameter ({name:Type}); nothing from a request is ever spliced into SQL text.
import type { ClickHouseClient } from '@clickhouse/client';
import { attachLogs, type SpanLog, type SpanhouseSpan, type TraceStatus, type TraceSummary } from '@spanhouse/model';
import { createClickHouseClient, type ClickHouseOptions } from './client.ts';
import { migrate } from './migrations.ts';
import { fromLogRow, fromRow, isoTime, rowToSpan, toLogRow, toRow, type SpanLogRow, type SpanRecord, type SpanRow } from './rows.ts';

export interface TraceCursor {
  startUs: number;
  traceId: string;
}

export interface TraceFilter {
  tenantId: string;
  since?: Date;
  until?: Date;
  status?: TraceStatus;
  model?: string;
  provider?: string;
  service?: string;
  /** Case-insensitive substring of the trace name. */
  name?: string;
  minCost?: number;
  maxCost?: number;
  minLatencyMs?: number;
  maxLatencyMs?: number;
  limit: number;
  cursor?: TraceCursor;
}

export interface TracePage {
  traces: TraceSummary[];
  nextCursor: TraceCursor | null;
}

export interface InsertResult {
  inserted: number;
  duplicates: number;
}

/** Fewest traces a time window must yield before listing stops widening it (days back). */
const LIST_WINDOWS_DAYS = [1, 7, 31, 366, Infinity];
/** Trace ids per duplicate lookup (keeps query parameters small for server mode). */
const DEDUP_CHUNK = 2000;

// The trace rollup merged from `traces` states; stats arrays are documented in the DDL.
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
    maxMapMerge(span_stats) AS stats,
    length(stats.1) AS span_count,
    toUInt64(arraySum(stats.2)) AS llm_count,
    toUInt64(arraySum(stats.3)) AS tool_count,
    toUInt64(arraySum(stats.4)) AS error_count,
    multiIf(arrayMax(stats.5) = 2, 'error', arrayMax(stats.5) = 1, 'timeout', 'success') AS status,
    toUInt64(arraySum(stats.6)) AS input_tokens,
    toUInt64(arraySum(stats.7)) AS output_tokens,
    toUInt64(arraySum(stats.8)) AS total_tokens,
    if(arrayExists(c -> c >= 0, stats.9), arraySum(arrayFilter(c -> c >= 0, stats.9)), NULL) AS cost_usd,
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
   * Inserts spans that are not stored yet. A retried export re-sends spans the store
   * already holds; they are dropped here (by tenant, trace and span id) so they never
   * appear twice nor count twice in the trace rollup. Logs that arrived before their
   * span are joined to it here.
   */
  insertSpans(spans: SpanhouseSpan[], version = Date.now() * 1000): Promise<InsertResult> {
    return this.exclusive(async () => {
      const unique = new Map<string, SpanhouseSpan>();
      for (const span of spans) unique.set(`${span.tenant_id}/${span.trace_id}/${span.span_id}`, span);
      const existing = await this.existingSpanKeys([...unique.values()]);
      let fresh = [...unique.entries()].filter(([key]) => !existing.has(key)).map(([, span]) => span);
      const logs = await this.logsFor(fresh);
      if (logs.length > 0) fresh = fresh.map((span) => attachLogs(span, logs));
      if (fresh.length > 0) {
        await this.client.insert({ table: 'spans', values: fresh.map((span) => toRow(span, version)), format: 'JSONEachRow' });
      }
      return { inserted: fresh.length, duplicates: spans.length - fresh.length };
    });
  }

  /**
   * Stores span-bound log records and joins them to spans already stored (a new
   * version of each such span). Spans that arrive later pick them up in insertSpans.
   */
  insertLogs(logs: SpanLog[]): Promise<{ attachedToStoredSpans: number }> {
    return this.exclusive(async () => {
      if (logs.length === 0) return { attachedToStoredSpans: 0 };
      await this.client.insert({ table: 'span_logs', values: logs.map(toLogRow), format: 'JSONEachRow' });
      const rewritten: SpanhouseSpan[] = [];
      let version = Date.now() * 1000;
      for (const [tenantId, traceIds] of groupTraces(logs)) {
        const spanIds = [...new Set(logs.filter((l) => l.tenant_id === tenantId).map((l) => l.span_id))];
        const result = await this.client.query({
          query: `SELECT *, input_preview, output_preview,
                         toUnixTimestamp64Micro(start_time) AS start_us, toUnixTimestamp64Micro(end_time) AS end_us
                  FROM spans
                  WHERE tenant_id = {tenant:String} AND trace_id IN {traces:Array(String)} AND span_id IN {spans:Array(String)}
                  ORDER BY span_id, version DESC LIMIT 1 BY trace_id, span_id`,
          query_params: { tenant: tenantId, traces: traceIds, spans: spanIds },
          format: 'JSONEachRow',
        });
        for (const row of await result.json<SpanRow & { start_us: number; end_us: number }>()) {
          version = Math.max(version, Number(row.version) + 1);
          rewritten.push(attachLogs(rowToSpan(row), logs));
        }
      }
      if (rewritten.length > 0) {
        await this.client.insert({ table: 'spans', values: rewritten.map((span) => toRow(span, version)), format: 'JSONEachRow' });
      }
      return { attachedToStoredSpans: rewritten.length };
    });
  }

  private async logsFor(spans: SpanhouseSpan[]): Promise<SpanLog[]> {
    const rows = await this.queryByTrace<SpanLogRow & { time_us: number }>(
      spans,
      'SELECT *, toUnixTimestamp64Micro(time) AS time_us FROM span_logs',
    );
    return rows.map(({ row }) => fromLogRow(row));
  }

  private async existingSpanKeys(spans: SpanhouseSpan[]): Promise<Set<string>> {
    const rows = await this.queryByTrace<{ trace_id: string; span_id: string }>(spans, 'SELECT DISTINCT trace_id, span_id FROM spans');
    return new Set(rows.map(({ tenantId, row }) => `${tenantId}/${row.trace_id}/${row.span_id}`));
  }

  /** Runs `select` for the traces of `items`, per tenant and in chunks of trace ids (a primary-key lookup). */
  private async queryByTrace<T>(items: Array<{ tenant_id: string; trace_id: string }>, select: string): Promise<Array<{ tenantId: string; row: T }>> {
    const out: Array<{ tenantId: string; row: T }> = [];
    for (const [tenantId, traceIds] of groupTraces(items)) {
      for (let i = 0; i < traceIds.length; i += DEDUP_CHUNK) {
        const result = await this.client.query({
          query: `${select} WHERE tenant_id = {tenant:String} AND trace_id IN {traces:Array(String)}`,
          query_params: { tenant: tenantId, traces: traceIds.slice(i, i + DEDUP_CHUNK) },
          format: 'JSONEachRow',
        });
        for (const row of await result.json<T>()) out.push({ tenantId, row });
      }
    }
    return out;
  }

  /** Traces newest first, filtered on their rollup, one cursor page at a time. */
  async listTraces(filter: TraceFilter): Promise<TracePage> {
    const untilUs = Math.min(
      filter.until ? filter.until.getTime() * 1000 : Number.MAX_SAFE_INTEGER,
      filter.cursor ? filter.cursor.startUs : Number.MAX_SAFE_INTEGER,
    );
    const anchorMs = untilUs === Number.MAX_SAFE_INTEGER ? Date.now() : untilUs / 1000;
    const sinceMs = filter.since?.getTime();
    // Newest-first listing only needs recent days: try growing windows before scanning all.
    let rows: TraceRow[] = [];
    for (const days of LIST_WINDOWS_DAYS) {
      const windowStartMs = days === Infinity ? undefined : anchorMs - days * 86_400_000;
      const effectiveSince = sinceMs !== undefined && (windowStartMs === undefined || sinceMs > windowStartMs) ? sinceMs : windowStartMs;
      rows = await this.queryTraces(filter, effectiveSince, untilUs);
      const coveredAll = effectiveSince === sinceMs || windowStartMs === undefined;
      if (rows.length > filter.limit || coveredAll) break;
    }
    const page = rows.slice(0, filter.limit);
    const last = page[page.length - 1];
    return {
      traces: page.map(toTraceSummary),
      nextCursor: rows.length > filter.limit && last ? { startUs: Number(last.start_us), traceId: last.trace_id } : null,
    };
  }

  private async queryTraces(filter: TraceFilter, sinceMs: number | undefined, untilUs: number): Promise<TraceRow[]> {
    const where = ['tenant_id = {tenant:String}'];
    const having: string[] = [];
    const params: Record<string, unknown> = { tenant: filter.tenantId, limit: filter.limit + 1 };
    if (sinceMs !== undefined) {
      // A trace's rows are keyed by each span's day: look one day further back, then filter exactly.
      where.push('day >= toDate(fromUnixTimestamp64Micro({since:Int64})) - 1');
      having.push('start_time >= fromUnixTimestamp64Micro({since:Int64})');
      params.since = Math.floor(sinceMs * 1000);
    }
    if (untilUs !== Number.MAX_SAFE_INTEGER) {
      where.push('day <= toDate(fromUnixTimestamp64Micro({until:Int64})) + 1');
      params.until = Math.floor(untilUs);
      if (filter.cursor && filter.cursor.startUs === untilUs) {
        having.push('(start_us, trace_id) < ({until:Int64}, {cursor_trace:String})');
        params.cursor_trace = filter.cursor.traceId;
      } else {
        having.push('start_us <= {until:Int64}');
      }
    }
    if (filter.status) {
      having.push('status = {status:String}');
      params.status = filter.status;
    }
    for (const [key, column] of [
      ['model', 'models'],
      ['provider', 'providers'],
      ['service', 'services'],
    ] as const) {
      if (filter[key]) {
        having.push(`has(${column}, {${key}:String})`);
        params[key] = filter[key];
      }
    }
    if (filter.name) {
      having.push('positionCaseInsensitiveUTF8(name, {name:String}) > 0');
      params.name = filter.name;
    }
    if (filter.minCost !== undefined) {
      having.push('ifNull(cost_usd, 0) >= {min_cost:Float64}');
      params.min_cost = filter.minCost;
    }
    if (filter.maxCost !== undefined) {
      having.push('ifNull(cost_usd, 0) <= {max_cost:Float64}');
      params.max_cost = filter.maxCost;
    }
    if (filter.minLatencyMs !== undefined) {
      having.push('duration_ms >= {min_latency:Float64}');
      params.min_latency = filter.minLatencyMs;
    }
    if (filter.maxLatencyMs !== undefined) {
      having.push('duration_ms <= {max_latency:Float64}');
      params.max_latency = filter.maxLatencyMs;
    }
    const query = `${TRACE_SELECT}
      WHERE ${where.join(' AND ')}
      GROUP BY tenant_id, trace_id
      ${having.length > 0 ? `HAVING ${having.join(' AND ')}` : ''}
      ORDER BY start_us DESC, trace_id DESC
      LIMIT {limit:UInt32}`;
    const result = await this.client.query({ query, query_params: params, format: 'JSONEachRow' });
    return result.json<TraceRow>();
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
    // Without content, the heavy text columns are never read (large traces stay cheap).
    const columns = withContent
      ? '*, input_preview, output_preview'
      : `* EXCEPT (input_messages, output_messages, input_text, output_text), '[]' AS input_messages, '[]' AS output_messages,
         '' AS input_text, '' AS output_text, input_preview, output_preview`;
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
        query: `SELECT *, input_preview, output_preview,
                       toUnixTimestamp64Micro(start_time) AS start_us, toUnixTimestamp64Micro(end_time) AS end_us
                FROM spans WHERE tenant_id = {tenant:String} AND span_id = {span:String}
                ORDER BY version DESC LIMIT 1`,
        query_params: { tenant: tenantId, span: spanId },
        format: 'JSONEachRow',
      });
      const [row] = await result.json<SpanRow & { start_us: number; end_us: number }>();
      if (!row) return null;
      const next = await revise(rowToSpan(row));
      if (!next) return null;
      const version = Math.max(Date.now() * 1000, Number(row.version) + 1);
      await this.client.insert({ table: 'spans', values: [toRow({ ...next, tenant_id: tenantId }, version)], format: 'JSONEachRow' });
      return next;
    });
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
