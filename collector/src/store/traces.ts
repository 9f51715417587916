// The `traces` table: one plain row per trace (and version), folded by rollUp as spans
// arrive. Lookups by trace id go through the primary key; lists read the time projection
// (see search.ts).
import type { ClickHouseClient } from '@clickhouse/client';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { rollUp, type SpanhouseSpan, type TraceRollup, type TraceStatus } from '@spanhouse/model';
import { ROLLUP_SELECT, rollupInput, type SpanRow } from './span-columns.ts';
import { ONE_OFF_BY_ID, insertRows, queryRows } from './query.ts';
import type { RollupReadAhead } from './read-ahead.ts';
import { writeTraceGroups, type TraceChange } from './trace-groups.ts';

/** Traces folded per turn of the event loop. */
const FOLD_SLICE = 128;

/** Trace ids per lookup query (keeps query parameters small for server mode). */
const TRACE_CHUNK = 2000;

/** A `traces` row as read (64-bit counts arrive as text; Number() reads both). Lists read fewer columns. */
type FoldOnly = 'providers' | 'routing_aliases' | 'span_types' | 'cluster_ids' | 'metadata' | 'span_ids' | 'llm_calls' | 'name_key' | 'input_key' | 'output_key';
export type TraceRow = Omit<TraceRollup, 'start_time_us' | 'end_time_us' | 'input' | 'output' | FoldOnly> &
  Partial<Pick<TraceRollup, FoldOnly>> & {
    start_us: string | number;
    end_us: string | number;
    input_preview: string;
    output_preview: string;
    version: string | number;
  };

/**
 * What a list shows but its previews, times as microseconds: what a time-ordered page reads
 * from the time projection, which holds no previews (migration 022; the page then takes them
 * from the primary-key lookup that checks its versions).
 */
export const TRACE_CANDIDATE_SELECT = `tenant_id, trace_id, toUnixTimestamp64Micro(start_time) AS start_us, toUnixTimestamp64Micro(end_time) AS end_us,
  name, status, span_count, llm_count, tool_count, error_count, input_tokens, output_tokens, total_tokens, cost_usd, unpriced_count,
  models, services, tags, user_id, session_id, version`;
/** What a list shows that the time projection does not hold: read by primary key with the page's versions. */
export const TRACE_KEY_ONLY_SELECT = 'input_preview, output_preview';
/** What a list shows (the rest of a row is for filters and the fold). */
export const TRACE_LIST_SELECT = `${TRACE_CANDIDATE_SELECT}, ${TRACE_KEY_ONLY_SELECT}`;
/** Everything, fold state included (to add spans to it). */
const TRACE_FULL_SELECT = `${TRACE_LIST_SELECT}, providers, routing_aliases, span_types, cluster_ids, metadata, span_ids, llm_calls, name_key, input_key, output_key, retention_days`;

export function rollupOf(row: TraceRow): TraceRollup {
  return {
    tenant_id: row.tenant_id,
    trace_id: row.trace_id,
    start_time_us: Number(row.start_us),
    end_time_us: Number(row.end_us),
    name: row.name,
    status: row.status,
    span_count: Number(row.span_count),
    llm_count: Number(row.llm_count),
    tool_count: Number(row.tool_count),
    error_count: Number(row.error_count),
    input_tokens: Number(row.input_tokens),
    output_tokens: Number(row.output_tokens),
    total_tokens: Number(row.total_tokens),
    cost_usd: row.cost_usd === null ? null : Number(row.cost_usd),
    unpriced_count: Number(row.unpriced_count ?? 0),
    models: row.models,
    providers: row.providers ?? [],
    services: row.services,
    tags: row.tags,
    routing_aliases: row.routing_aliases ?? [],
    span_types: row.span_types ?? [],
    cluster_ids: row.cluster_ids ?? [],
    metadata: row.metadata ?? {},
    user_id: row.user_id,
    session_id: row.session_id,
    input: row.input_preview,
    output: row.output_preview,
    retention_days: row.retention_days === undefined ? undefined : Number(row.retention_days),
    span_ids: row.span_ids ?? [],
    llm_calls: row.llm_calls ?? [],
    name_key: row.name_key ?? '',
    input_key: row.input_key ?? '',
    output_key: row.output_key ?? '',
  };
}

/** The columns of a trace insert, in the order toTraceRow gives the values. */
const TRACE_INSERT_COLUMNS = [
  'tenant_id', 'trace_id', 'start_time', 'end_time', 'duration_ms', 'name', 'status', 'span_count', 'llm_count', 'tool_count',
  'error_count', 'input_tokens', 'output_tokens', 'total_tokens', 'cost_usd', 'unpriced_count', 'models', 'providers', 'services', 'tags',
  'routing_aliases', 'span_types', 'cluster_ids', 'metadata', 'user_id', 'session_id', 'input_preview', 'output_preview',
  'span_ids', 'llm_calls', 'name_key', 'input_key', 'output_key', 'retention_days', 'version',
];

function toTraceRow(r: TraceRollup, version: number): unknown[] {
  return [
    r.tenant_id, r.trace_id, r.start_time_us, r.end_time_us, (r.end_time_us - r.start_time_us) / 1000, r.name, r.status, r.span_count, r.llm_count, r.tool_count,
    r.error_count, r.input_tokens, r.output_tokens, r.total_tokens, r.cost_usd, r.unpriced_count, r.models, r.providers, r.services, r.tags,
    r.routing_aliases, r.span_types, r.cluster_ids, r.metadata, r.user_id, r.session_id, r.input, r.output,
    r.span_ids, r.llm_calls, r.name_key, r.input_key, r.output_key, r.retention_days ?? null, version,
  ];
}

/** Spans of each trace, per tenant. */
export function groupByTrace<T extends { tenant_id: string; trace_id: string }>(items: T[]): Map<string, Map<string, T[]>> {
  const byTenant = new Map<string, Map<string, T[]>>();
  for (const item of items) {
    const traces = byTenant.get(item.tenant_id) ?? new Map<string, T[]>();
    byTenant.set(item.tenant_id, traces);
    const list = traces.get(item.trace_id) ?? [];
    list.push(item);
    traces.set(item.trace_id, list);
  }
  return byTenant;
}

export class TraceStore {
  constructor(private readonly client: ClickHouseClient) {}

  /**
   * The newest stored rollup of each of these traces (absent: none stored yet). Which ones
   * are stored is asked first, reading trace ids only: most traces of a batch are usually
   * new, and a lookup of ids reads a granule of every column it selects in every part
   * whose key range could hold them, found or not (at 2,048 spans a batch, the wide read
   * for every id took 20-190 ms of the batch's insert).
   */
  async current(tenantId: string, traceIds: string[]): Promise<Map<string, TraceRollup>> {
    const found = new Map<string, TraceRollup>();
    for (let i = 0; i < traceIds.length; i += TRACE_CHUNK) {
      const query_params = { tenant: tenantId, traces: traceIds.slice(i, i + TRACE_CHUNK) };
      const stored = await queryRows<{ trace_id: string }>(this.client, {
        query: 'SELECT DISTINCT trace_id FROM traces WHERE tenant_id = {tenant:String} AND trace_id IN {traces:Array(String)}',
        query_params,
        clickhouse_settings: ONE_OFF_BY_ID,
      });
      if (stored.length === 0) continue;
      const rows = await queryRows<TraceRow>(this.client, {
        query: `SELECT ${TRACE_FULL_SELECT} FROM traces
                WHERE tenant_id = {tenant:String} AND trace_id IN {traces:Array(String)}
                ORDER BY version DESC LIMIT 1 BY trace_id`,
        query_params: { ...query_params, traces: stored.map((r) => r.trace_id) },
        clickhouse_settings: ONE_OFF_BY_ID,
      });
      for (const row of rows) found.set(row.trace_id, rollupOf(row));
    }
    return found;
  }

  /**
   * Adds `spans` to their traces' stored rollups (those read ahead, when given, are not
   * read again). Returns the rollups that changed (with
   * the ones they replace) and the spans they added: a span its rollup already counted is
   * stored already.
   */
  async fold(spans: SpanhouseSpan[], readAhead?: RollupReadAhead): Promise<{ changes: TraceChange[]; added: SpanhouseSpan[] }> {
    const changes: TraceChange[] = [];
    const added: SpanhouseSpan[] = [];
    for (const [tenantId, traces] of groupByTrace(spans)) {
      const ids = [...traces.keys()];
      const { known, unread } = readAhead ? await readAhead.take(tenantId, ids) : { known: new Map<string, TraceRollup | null>(), unread: ids };
      const stored = unread.length > 0 ? await this.current(tenantId, unread) : new Map<string, TraceRollup>();
      let folded = 0;
      for (const [traceId, traceSpans] of traces) {
        // a turn of the event loop now and then: a batch of a few thousand traces folded in one go held it for 10-30 ms
        if (++folded % FOLD_SLICE === 0) await nextTurn();
        const previous = known.get(traceId) ?? stored.get(traceId) ?? null;
        const counted = new Set(previous?.span_ids);
        const fresh = traceSpans.filter((span) => !counted.has(span.span_id) && counted.add(span.span_id));
        if (fresh.length === 0) continue;
        changes.push({ rollup: rollUp(previous, fresh), previous });
        added.push(...fresh);
      }
    }
    return { changes, added };
  }

  /**
   * Stores new trace versions. Their sessions' and users' day totals first: a batch
   * retried after the trace write failed brings the same rows, which deduplication drops.
   */
  async write(changes: TraceChange[], version: number): Promise<void> {
    if (changes.length === 0) return;
    await writeTraceGroups(this.client, changes);
    await insertRows(this.client, 'traces', TRACE_INSERT_COLUMNS, changes.map((c) => toTraceRow(c.rollup, version)));
  }

  /**
   * Rollups folded afresh from the stored spans (newest version of each): after spans
   * were rewritten, or for traces stored before this table existed.
   */
  async rebuild(tenantId: string, traceIds: string[]): Promise<TraceChange[]> {
    const stored = await this.current(tenantId, traceIds);
    const rollups: TraceRollup[] = [];
    for (let i = 0; i < traceIds.length; i += TRACE_CHUNK) {
      const rows = await queryRows<SpanRow>(this.client, {
        query: `SELECT ${ROLLUP_SELECT} FROM spans WHERE tenant_id = {tenant:String} AND trace_id IN {traces:Array(String)}
                ORDER BY version DESC LIMIT 1 BY trace_id, span_id`,
        query_params: { tenant: tenantId, traces: traceIds.slice(i, i + TRACE_CHUNK) },
        clickhouse_settings: ONE_OFF_BY_ID,
      });
      const spans = rows.map(rollupInput);
      for (const traceSpans of groupByTrace(spans).get(tenantId)?.values() ?? []) rollups.push(rollUp(null, traceSpans));
    }
    return rollups.map((rollup) => ({ rollup, previous: stored.get(rollup.trace_id) ?? null }));
  }
}
