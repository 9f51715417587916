// Span and trace search: every filter, three sort orders, keyset pagination.
//
// Spans: ReplacingMergeTree keeps old versions until merges drop them, so a page is
// found in two steps. (1) Candidates: (trace, span, version, sort value) rows matching
// the filter, in sort order, from the `p_spans_by_time` projection when the filter
// allows (light columns only). (2) The newest version of each candidate; a candidate
// is kept only if it IS the newest version, so an old version that matched never
// shows, and a span never appears twice. The cursor is the position of the last row
// returned, in the candidates' total order (sort value, trace, span, version), so
// rows inserted while paging never shift later pages.
import type { ClickHouseClient } from '@clickhouse/client';
import type { TraceStatus, TraceSummary } from '@spanhouse/model';
import { fromRow, type SpanRecord, type SpanRow } from './rows.ts';
import { scoresByTarget, type ScoreRecord, type ScoreStore } from './scores.ts';
import { needsSpanScan, scoreConditions, spanConditions, type RangeFilters, type ScoreFilter, type SpanFilter } from './span-filters.ts';
import { TRACE_SELECT, toTraceSummary, type TraceRow } from './span-store.ts';

export type SortKey = 'time' | 'cost' | 'latency';
export type SortOrder = 'desc' | 'asc';

/** Where the previous page ended, in the page's sort order. */
export interface SearchCursor {
  sort: SortKey;
  order: SortOrder;
  /** Sort value of the last row: start time in µs, cost in USD or latency in ms. */
  value: number;
  traceId: string;
  /** Span pages only. */
  spanId?: string;
  version?: string;
}

export interface SpanSearch extends SpanFilter {
  sort: SortKey;
  order: SortOrder;
  limit: number;
  cursor?: SearchCursor;
}

/** A span list row: previews only, no messages, texts or raw attributes. */
export type SpanListItem = SpanRecord & { running: boolean; scores: Array<Pick<ScoreRecord, 'name' | 'value' | 'comment' | 'data_type'>> };

export interface TraceSearch extends RangeFilters {
  tenantId: string;
  since?: Date;
  until?: Date;
  status?: TraceStatus;
  model?: string;
  provider?: string;
  service?: string;
  name?: string;
  tags?: string[];
  userId?: string;
  sessionId?: string;
  /** Span-level conditions: a trace matches when one of its spans does. */
  spans?: Pick<SpanFilter, 'routingAlias' | 'clusterId' | 'type' | 'metadata' | 'q'>;
  /** A trace matches when it, or one of its spans, has this score. */
  score?: ScoreFilter;
  sort: SortKey;
  order: SortOrder;
  limit: number;
  cursor?: SearchCursor;
}

export type TraceListItem = TraceSummary & { scores: Array<Pick<ScoreRecord, 'name' | 'value' | 'comment' | 'data_type'>> };

export interface Page<T> {
  data: T[];
  nextCursor: SearchCursor | null;
}

/** The span marker of an open custom span (POST /api/spans without an end time). */
export const OPEN_SPAN_ATTRIBUTE = 'spanhouse.span.open';

// List columns: everything light, previews instead of text, only the open marker of the attributes.
const LIST_COLUMNS = `* EXCEPT (input_messages, output_messages, input_text, output_text, span_attributes, resource_attributes, events),
  '[]' AS input_messages, '[]' AS output_messages, '' AS input_text, '' AS output_text, '[]' AS events,
  map() AS resource_attributes,
  mapFilter((k, v) -> k = '${OPEN_SPAN_ATTRIBUTE}', span_attributes) AS span_attributes,
  input_preview, output_preview`;

const SPAN_SORT: Record<SortKey, { order: string; value: string; param: string }> = {
  time: { order: 'start_time', value: 'toUnixTimestamp64Micro(start_time)', param: 'fromUnixTimestamp64Micro({c_value:Int64})' },
  cost: { order: 'ifNull(cost_usd, -1)', value: 'ifNull(cost_usd, -1)', param: '{c_value:Float64}' },
  latency: { order: 'latency_ms', value: 'latency_ms', param: '{c_value:Float64}' },
};

const TRACE_SORT: Record<SortKey, { value: string; param: string }> = {
  time: { value: 'start_us', param: '{c_value:Int64}' },
  cost: { value: 'ifNull(cost_usd, -1)', param: '{c_value:Float64}' },
  latency: { value: 'duration_ms', param: '{c_value:Float64}' },
};

/**
 * Widening windows (days back) for newest-first trace pages, so recent pages read recent parts.
 * Few steps: a sparse filter reads every window in turn before the last one reads it all again.
 */
const LIST_WINDOWS_DAYS = [1, 31, Infinity];
/** Most candidate rounds per span page (a round only repeats when old versions were skipped). */
const MAX_ROUNDS = 8;

interface Candidate {
  trace_id: string;
  span_id: string;
  version: string;
  sort_value: number | string;
}

export function isRunning(span: Pick<SpanRecord, 'span_attributes'>): boolean {
  return span.span_attributes?.[OPEN_SPAN_ATTRIBUTE] === 'true';
}

const briefScore = ({ name, value, comment, data_type }: ScoreRecord) => ({ name, value, comment, data_type });

export class SearchStore {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly scores: ScoreStore,
  ) {}

  async listSpans(search: SpanSearch): Promise<Page<SpanListItem>> {
    const kept: Array<{ row: SpanRow; candidate: Candidate }> = [];
    let cursor = search.cursor;
    const batch = search.limit + 1;
    for (let round = 0; round < MAX_ROUNDS && kept.length <= search.limit; round++) {
      const candidates = await this.spanCandidates(search, cursor, batch);
      const newest = await this.newestVersions(search.tenantId, candidates);
      for (const candidate of candidates) {
        const row = newest.get(`${candidate.trace_id}/${candidate.span_id}`);
        if (row && String(row.version) === String(candidate.version)) kept.push({ row, candidate });
        if (kept.length > search.limit) break;
      }
      if (candidates.length < batch) break;
      const last = candidates[candidates.length - 1];
      cursor = this.cursorAt(search, last);
    }
    const page = kept.slice(0, search.limit);
    const scores = scoresByTarget(await this.scores.forTraces(search.tenantId, [...new Set(page.map((k) => k.row.trace_id))]));
    return {
      data: page.map(({ row }) => {
        const record = fromRow(row, false);
        return { ...record, running: isRunning(record), scores: (scores.get(`${row.trace_id}/${row.span_id}`) ?? []).map(briefScore) };
      }),
      nextCursor: kept.length > search.limit ? this.cursorAt(search, page[page.length - 1].candidate) : null,
    };
  }

  private cursorAt(search: SpanSearch, c: Candidate): SearchCursor {
    return { sort: search.sort, order: search.order, value: Number(c.sort_value), traceId: c.trace_id, spanId: c.span_id, version: String(c.version) };
  }

  private async spanCandidates(search: SpanSearch, cursor: SearchCursor | undefined, limit: number): Promise<Candidate[]> {
    const { where, params } = spanConditions(search);
    const sort = SPAN_SORT[search.sort];
    const dir = search.order === 'asc' ? 'ASC' : 'DESC';
    if (cursor) {
      where.push(`(${sort.order}, trace_id, span_id, version) ${search.order === 'asc' ? '>' : '<'} (${sort.param}, {c_trace:String}, {c_span:String}, {c_version:UInt64})`);
      Object.assign(params, { c_value: cursor.value, c_trace: cursor.traceId, c_span: cursor.spanId ?? '', c_version: cursor.version ?? '0' });
    }
    const result = await this.client.query({
      query: `SELECT trace_id, span_id, version, ${sort.value} AS sort_value FROM spans
              WHERE ${where.join(' AND ')}
              ORDER BY ${sort.order} ${dir}, trace_id ${dir}, span_id ${dir}, version ${dir}
              LIMIT {limit:UInt32}`,
      query_params: { ...params, limit },
      format: 'JSONEachRow',
    });
    return result.json<Candidate>();
  }

  private async newestVersions(tenantId: string, candidates: Candidate[]): Promise<Map<string, SpanRow>> {
    if (candidates.length === 0) return new Map();
    const result = await this.client.query({
      query: `SELECT ${LIST_COLUMNS} FROM spans
              WHERE tenant_id = {tenant:String} AND trace_id IN {traces:Array(String)} AND span_id IN {spans:Array(String)}
              ORDER BY trace_id, span_id, version DESC
              LIMIT 1 BY trace_id, span_id`,
      query_params: { tenant: tenantId, traces: [...new Set(candidates.map((c) => c.trace_id))], spans: [...new Set(candidates.map((c) => c.span_id))] },
      format: 'JSONEachRow',
    });
    return new Map((await result.json<SpanRow>()).map((row) => [`${row.trace_id}/${row.span_id}`, row]));
  }

  /** Traces in the requested order, filtered on their rollup and, where needed, on their spans. */
  async listTraces(search: TraceSearch): Promise<Page<TraceListItem>> {
    let rows: TraceRow[] = [];
    if (search.sort === 'time' && search.order === 'desc') {
      // Newest first only needs recent days: try growing windows before reading everything.
      const untilUs = Math.min(search.until ? search.until.getTime() * 1000 : Infinity, search.cursor ? search.cursor.value : Infinity);
      const anchorMs = untilUs === Infinity ? Date.now() : untilUs / 1000;
      const sinceMs = search.since?.getTime();
      for (const days of LIST_WINDOWS_DAYS) {
        const windowStart = days === Infinity ? undefined : anchorMs - days * 86_400_000;
        const effective = sinceMs !== undefined && (windowStart === undefined || sinceMs > windowStart) ? sinceMs : windowStart;
        rows = await this.queryTraces(search, effective);
        if (rows.length > search.limit || effective === sinceMs || windowStart === undefined) break;
      }
    } else {
      rows = await this.queryTraces(search, search.since?.getTime());
    }
    const page = rows.slice(0, search.limit);
    const scores = scoresByTarget(await this.scores.forTraces(search.tenantId, page.map((r) => r.trace_id)));
    const last = page[page.length - 1];
    return {
      data: page.map((row) => ({ ...toTraceSummary(row), scores: (scores.get(`${row.trace_id}/`) ?? []).map(briefScore) })),
      nextCursor:
        rows.length > search.limit && last
          ? { sort: search.sort, order: search.order, value: Number((last as TraceRow & { sort_value: number }).sort_value), traceId: last.trace_id }
          : null,
    };
  }

  private async queryTraces(search: TraceSearch, sinceMs: number | undefined): Promise<TraceRow[]> {
    const where = ['tenant_id = {tenant:String}'];
    const having: string[] = [];
    const params: Record<string, unknown> = { tenant: search.tenantId, limit: search.limit + 1 };
    const sort = TRACE_SORT[search.sort];
    if (sinceMs !== undefined) {
      // Rollup rows are keyed by each span's day: look one day further back, then filter exactly.
      where.push('day >= toDate(fromUnixTimestamp64Micro({since:Int64})) - 1');
      having.push('start_time >= fromUnixTimestamp64Micro({since:Int64})');
      params.since = Math.floor(sinceMs * 1000);
    }
    if (search.until) {
      where.push('day <= toDate(fromUnixTimestamp64Micro({until:Int64})) + 1');
      having.push('start_us <= {until:Int64}');
      params.until = search.until.getTime() * 1000;
    }
    const outer: string[] = [];
    if (search.cursor) {
      outer.push(`(sort_value, trace_id) ${search.order === 'asc' ? '>' : '<'} (${sort.param}, {c_trace:String})`);
      Object.assign(params, { c_value: search.cursor.value, c_trace: search.cursor.traceId });
      if (search.sort === 'time' && search.order === 'desc') {
        where.push('day <= toDate(fromUnixTimestamp64Micro({c_value:Int64})) + 1');
      }
    }
    const has = (column: string, key: string, value: string | undefined) => {
      if (value === undefined) return;
      having.push(`has(${column}, {${key}:String})`);
      params[key] = value;
    };
    has('models', 'model', search.model);
    has('providers', 'provider', search.provider);
    has('services', 'service', search.service);
    (search.tags ?? []).forEach((tag, i) => has('tags', `tag${i}`, tag));
    const equals = (expression: string, key: string, value: string | undefined) => {
      if (value === undefined) return;
      having.push(`${expression} = {${key}:String}`);
      params[key] = value;
    };
    equals('status', 'status', search.status);
    equals('user_id', 'user_id', search.userId);
    equals('session_id', 'session_id', search.sessionId);
    if (search.name !== undefined) {
      having.push('positionCaseInsensitiveUTF8(name, {name:String}) > 0');
      params.name = search.name;
    }
    for (const [key, expression, op, type] of [
      ['minCost', 'ifNull(cost_usd, 0)', '>=', 'Float64'],
      ['maxCost', 'ifNull(cost_usd, 0)', '<=', 'Float64'],
      ['minLatencyMs', 'duration_ms', '>=', 'Float64'],
      ['maxLatencyMs', 'duration_ms', '<=', 'Float64'],
      ['minInputTokens', 'input_tokens', '>=', 'UInt64'],
      ['maxInputTokens', 'input_tokens', '<=', 'UInt64'],
      ['minOutputTokens', 'output_tokens', '>=', 'UInt64'],
      ['maxOutputTokens', 'output_tokens', '<=', 'UInt64'],
      ['minTotalTokens', 'total_tokens', '>=', 'UInt64'],
      ['maxTotalTokens', 'total_tokens', '<=', 'UInt64'],
    ] as const) {
      const value = search[key];
      if (value === undefined) continue;
      having.push(`${expression} ${op} {${key}:${type}}`);
      params[key] = value;
    }
    if (search.spans && needsSpanScan({ tenantId: search.tenantId, ...search.spans })) {
      // FINAL: a span matches on its newest version only.
      const spans = spanConditions({ tenantId: search.tenantId, ...search.spans }, 'sp');
      where.push(`trace_id IN (SELECT trace_id FROM spans FINAL WHERE ${spans.where.join(' AND ')})`);
      Object.assign(params, spans.params);
    }
    if (search.score) {
      const s = scoreConditions(search.score, 'sc');
      where.push(`trace_id IN (SELECT trace_id FROM scores FINAL WHERE tenant_id = {tenant:String} AND ${s.where.join(' AND ')})`);
      Object.assign(params, s.params);
    }
    const dir = search.order === 'asc' ? 'ASC' : 'DESC';
    const query = `SELECT *, ${sort.value} AS sort_value FROM (
        ${TRACE_SELECT}
        WHERE ${where.join(' AND ')}
        GROUP BY tenant_id, trace_id
        ${having.length > 0 ? `HAVING ${having.join(' AND ')}` : ''}
      )
      ${outer.length > 0 ? `WHERE ${outer.join(' AND ')}` : ''}
      ORDER BY sort_value ${dir}, trace_id ${dir}
      LIMIT {limit:UInt32}`;
    const result = await this.client.query({ query, query_params: params, format: 'JSONEachRow' });
    return result.json<TraceRow>();
  }
}
