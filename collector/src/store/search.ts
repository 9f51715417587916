// Span and trace search: every filter, three sort orders, keyset pagination.
//
// Both tables are ReplacingMergeTrees that keep old versions until merges drop them,
// so a page is found in two steps. (1) Candidates: rows matching the filter in sort
// order, read from a projection ordered by time (light columns only), which ClickHouse
// reads in order and stops at LIMIT. (2) The newest version of each candidate, looked up
// by primary key; a candidate is kept only if it IS the newest version, so an old version
// that matched never shows, and nothing appears twice. The cursor is the position of the
// last row returned in the candidates' total order, so rows inserted while paging never
// shift later pages.
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { traceSummaryOf, type TraceStatus, type TraceSummary } from '@spanhouse/model';
import { newestHoursBound } from './metrics.ts';
import { BY_ID, exists, fromProjection, queryRows } from './query.ts';
import { scoresByTarget, type ScoreRecord, type ScoreStore } from './scores.ts';
import { LIGHT_SELECT, lightSelectFor, OPEN_SPAN_ATTRIBUTE, spanRecord, type SpanRecord, type SpanRow } from './span-columns.ts';
import { isPrefixable, newestVersionsOnly, revisionsIn, scoreConditions, spanConditions, searchTerms, type RangeFilters, type ScoreFilter, type SpanFilter } from './span-filters.ts';
import { rollupOf, TRACE_CANDIDATE_SELECT, TRACE_KEY_ONLY_SELECT, TRACE_LIST_SELECT, type TraceRow } from './traces.ts';

/** A trace row's version and the list columns read with it by primary key. */
type KeyOnly = 'version' | 'input_preview' | 'output_preview';

export type SortKey = 'time' | 'cost' | 'latency' | 'tokens';
export type SortOrder = 'desc' | 'asc';

/** Where the previous page ended, in the page's sort order. */
export interface SearchCursor {
  sort: SortKey;
  order: SortOrder;
  /** Sort value of the last row: start time in µs, cost in USD (null: unpriced) or latency in ms. */
  value: number | null;
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
  /** Only these fields of each row (LIST_FIELDS), plus its keys; every field when absent. */
  fields?: ReadonlySet<string>;
}

/** A span list row: previews only, no messages, texts or raw attributes. */
export type SpanListItem = SpanRecord & { running: boolean; scores: Array<Pick<ScoreRecord, 'name' | 'value' | 'comment' | 'data_type' | 'source'>> };
/** A span list row as asked for: every field, or its keys and the fields named. */
export type SpanListRow = Pick<SpanListItem, 'tenant_id' | 'trace_id' | 'span_id'> & Partial<SpanListItem>;

/** Whether rows asked for these fields carry scores (read only then: a statement of its own). */
export const readsScores = (fields: ReadonlySet<string> | undefined) => !fields || fields.has('scores');

/** The row's keys and the fields asked for. */
export function withFields(item: SpanListItem, fields: ReadonlySet<string> | undefined): SpanListRow {
  if (!fields) return item;
  const picked: Record<string, unknown> = { tenant_id: item.tenant_id, trace_id: item.trace_id, span_id: item.span_id };
  for (const field of fields) if (field in item) picked[field] = item[field as keyof SpanListItem];
  return picked as SpanListRow;
}

export interface TraceSearch extends RangeFilters {
  tenantId: string;
  since?: Date;
  until?: Date;
  status?: TraceStatus;
  model?: string;
  /** Case-insensitive substring of one of the trace's models. */
  modelContains?: string;
  provider?: string;
  service?: string;
  name?: string;
  tags?: string[];
  userId?: string;
  sessionId?: string;
  /** Span-level conditions: a trace matches when one of its spans does (metadata: the trace's merged metadata). */
  spans?: Pick<SpanFilter, 'routingAlias' | 'clusterId' | 'type' | 'metadata' | 'q' | 'qPrefix'>;
  /** A trace matches when it, or one of its spans, has this score. */
  score?: ScoreFilter;
  /** Set by the store: the traces holding the text of `spans.q`, found up front. */
  textTraceIds?: string[];
  /** Set by the store: the traces with the score, when few enough to look up by primary key. */
  scoreTraceIds?: string[];
  sort: SortKey;
  order: SortOrder;
  limit: number;
  cursor?: SearchCursor;
}

export type TraceListItem = TraceSummary & { scores: Array<Pick<ScoreRecord, 'name' | 'value' | 'comment' | 'data_type' | 'source'>> };

export interface Page<T> {
  data: T[];
  nextCursor: SearchCursor | null;
}

export { OPEN_SPAN_ATTRIBUTE };

/** Span and trace lists read their tables' time projections (trace lists by one key: see keyProjectionFor). */
export const SPAN_LIST_SETTINGS = fromProjection('p_spans_by_time');
export const TRACE_LIST_SETTINGS = fromProjection('p_traces_by_time');

/** How a list sorts by one key: the expression, its value for cursors, and the cursor's parameter. */
interface ListSort {
  order: string;
  value: string;
  param: string;
  /** The sort value may be NULL; such rows come last in both directions. */
  nullsLast?: boolean;
}

/**
 * Cost: the plain column, unpriced rows (NULL: tools, agents, models without a price) last in
 * both directions. On a plain column ClickHouse's top-K filter skips the rows below the page's
 * running bound before it reads their ids; on ifNull(cost_usd, -1), as before, it did not. At
 * 10M spans (raw SQL, other jobs running): generations by cost over 7 days read 104 MB instead
 * of 202 (364 against 541-589 ms, where a first pass had bounded the page's lowest cost), and
 * traces over 24 hours 5.7 MB instead of 17.5 (65 against 93 ms).
 */
const COST_SORT: ListSort = { order: 'cost_usd', value: 'cost_usd', param: '{c_value:Float64}', nullsLast: true };

const SPAN_SORT: Record<SortKey, ListSort> = {
  time: { order: 'start_time', value: 'toUnixTimestamp64Micro(start_time)', param: 'fromUnixTimestamp64Micro({c_value:Int64})' },
  cost: COST_SORT,
  latency: { order: 'latency_ms', value: 'latency_ms', param: '{c_value:Float64}' },
  tokens: { order: 'total_tokens', value: 'total_tokens', param: '{c_value:UInt64}' },
};

const TRACE_SORT: Record<SortKey, ListSort> = {
  time: { order: 'start_time', value: 'toUnixTimestamp64Micro(start_time)', param: 'fromUnixTimestamp64Micro({c_value:Int64})' },
  cost: COST_SORT,
  latency: { order: 'duration_ms', value: 'duration_ms', param: '{c_value:Float64}' },
  tokens: { order: 'total_tokens', value: 'total_tokens', param: '{c_value:UInt64}' },
};

/**
 * Most trace ids a text search collects up front; more make it a common text, whose page
 * checks the newest traces a batch at a time and may end early. At 10M spans a word in
 * 2,100 traces (0.1%) passed the old limit of 2,000 and got 8 rows in 0.9 s instead of a
 * full page in 0.2 s; collecting 10,000 ids still reads only the matching spans' ids.
 */
const TEXT_IDS = 10_000;
/** Newest traces checked for a common text per round, and rounds per page. */
const TEXT_BATCH = 500;
const TEXT_ROUNDS = 10;
/** Up to this many trace ids, a page reads them by primary key rather than scanning its window for them. */
const ID_LOOKUP_MAX = 500;
/** Most candidate rounds per page (a round only repeats when old versions were skipped). */
const MAX_ROUNDS = 8;

/**
 * Rows a span page's by-key read may return (every stored version of its candidates): the
 * largest LIMIT ClickHouse reads lazily by default (query_plan_max_limit_for_lazy_materialization).
 */
const VERSION_ROWS_MAX = 10_000;
/** Extra candidates per round, so a few old versions do not cost a second round. */
const SLACK = 10;

interface Candidate {
  trace_id: string;
  span_id: string;
  version: string;
  sort_value: number | string;
  /** The span's start (microseconds): the same in every version of a span. */
  start_us: number | string;
}

export function isRunning(span: Pick<SpanRecord, 'span_attributes'>): boolean {
  return span.span_attributes?.[OPEN_SPAN_ATTRIBUTE] === 'true';
}

/** A score as records and lists show it (where it came from included: api, ui, otel, …). */
export const briefScore = ({ name, value, comment, data_type, source }: ScoreRecord) => ({ name, value, comment, data_type, source });
const dirOf = (order: SortOrder) => (order === 'asc' ? 'ASC' : 'DESC');
const afterOf = (order: SortOrder) => (order === 'asc' ? '>' : '<');

/** ORDER BY for a sort key and direction (NULL sort values last). */
const orderOf = (sort: ListSort, order: SortOrder) => `${sort.order} ${dirOf(order)}${sort.nullsLast ? ' NULLS LAST' : ''}`;

/**
 * The rows after a cursor in a list's order: by sort value, then by `keys` (the tie-breakers,
 * compared with `keyParams`). NULL sort values come last, so after a row with one only NULLs
 * remain, and after any other row the NULLs still do. Sets the value's parameter (c_value) in
 * `params` when the condition names it.
 */
function afterCursor(sort: ListSort, order: SortOrder, value: number | null, keys: string, keyParams: string, params: Record<string, unknown>): string {
  const after = afterOf(order);
  if (value !== null) params.c_value = value;
  if (!sort.nullsLast) return `(${sort.order}, ${keys}) ${after} (${sort.param}, ${keyParams})`;
  if (value === null) return `(${sort.order} IS NULL AND (${keys}) ${after} (${keyParams}))`;
  return `(${sort.order} IS NULL OR (${sort.order}, ${keys}) ${after} (${sort.param}, ${keyParams}))`;
}

/** A row's sort value as a cursor holds it (NULL: an unpriced row sorted by cost). */
const cursorValue = (value: number | string | null): number | null => (value === null ? null : Number(value));

export class SearchStore {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly scores: ScoreStore,
    /** Text search thresholds (tests make them small). */
    private readonly text = { ids: TEXT_IDS, batch: TEXT_BATCH, rounds: TEXT_ROUNDS },
    /** Rows a span page's by-key read returns before it falls back to one row per key (tests make it small). */
    private readonly versionRowsMax = VERSION_ROWS_MAX,
  ) {}

  async listSpans(search: SpanSearch): Promise<Page<SpanListRow>> {
    const kept: Array<{ row: SpanRow; candidate: Candidate }> = [];
    let cursor = search.cursor;
    const batch = search.limit + 1;
    const select = search.fields ? lightSelectFor(search.fields) : LIGHT_SELECT;
    for (let round = 0; round < MAX_ROUNDS && kept.length <= search.limit; round++) {
      const candidates = await this.spanCandidates(search, cursor, batch);
      const newest = await this.newestSpanVersions(search.tenantId, candidates, select);
      for (const candidate of candidates) {
        const row = newest.get(`${candidate.trace_id}/${candidate.span_id}`);
        if (row && String(row.version) === String(candidate.version)) kept.push({ row, candidate });
        if (kept.length > search.limit) break;
      }
      if (candidates.length < batch) break;
      cursor = this.spanCursorAt(search, candidates[candidates.length - 1]);
    }
    const page = kept.slice(0, search.limit);
    const scores = scoresByTarget(readsScores(search.fields) ? await this.scores.forTraces(search.tenantId, [...new Set(page.map((k) => k.row.trace_id))]) : []);
    return {
      data: page.map(({ row }) => {
        const record = spanRecord(row, false);
        const item = { ...record, running: isRunning(record), scores: (scores.get(`${row.trace_id}/${row.span_id}`) ?? []).map(briefScore) };
        return withFields(item, search.fields);
      }),
      nextCursor: kept.length > search.limit ? this.spanCursorAt(search, page[page.length - 1].candidate) : null,
    };
  }

  private spanCursorAt(search: SpanSearch, c: Candidate): SearchCursor {
    return { sort: search.sort, order: search.order, value: cursorValue(c.sort_value), traceId: c.trace_id, spanId: c.span_id, version: String(c.version) };
  }

  private async spanCandidates(search: SpanSearch, cursor: SearchCursor | undefined, limit: number, bounded = true): Promise<Candidate[]> {
    const { where, params } = spanConditions(search);
    const sort = SPAN_SORT[search.sort];
    const dir = dirOf(search.order);
    if (cursor) {
      where.push(afterCursor(sort, search.order, cursor.value, 'trace_id, span_id, version', '{c_trace:String}, {c_span:String}, {c_version:UInt64}', params));
      Object.assign(params, { c_trace: cursor.traceId, c_span: cursor.spanId ?? '', c_version: cursor.version ?? '0' });
    }
    // newest first, filtered on the hourly rollup's columns: start where the rollup counts a page
    const { sort: _s, order: _o, limit: _l, cursor: _c, fields: _f, ...filter } = search;
    const bound = bounded && search.sort === 'time' && search.order === 'desc' ? newestHoursBound(filter, limit, cursor?.value ?? undefined, 'b') : null;
    if (bound) {
      where.push('start_time >= bound');
      Object.assign(params, bound.params);
    }
    const rows = await queryRows<Candidate & { bound_s?: string }>(this.client, {
      query: `${bound ? `WITH ${bound.sql} AS bound ` : ''}
              SELECT trace_id, span_id, version, ${sort.value} AS sort_value, toUnixTimestamp64Micro(start_time) AS start_us${bound ? ', toUnixTimestamp(bound) AS bound_s' : ''} FROM spans
              WHERE ${where.join(' AND ')}
              ORDER BY ${orderOf(sort, search.order)}, trace_id ${dir}, span_id ${dir}, version ${dir}
              LIMIT {limit:UInt32}`,
      query_params: { ...params, limit },
      clickhouse_settings: SPAN_LIST_SETTINGS,
    });
    // Short of a page from an hour the rollup counted a page from (spans changed since): read on
    // past it. No rows leave the bound unknown: ask for it alone rather than scan twice.
    if (bound && rows.length < limit) {
      const boundS = rows.length > 0 ? rows[0].bound_s : (await queryRows<{ bound_s: string }>(this.client, { query: `SELECT toUnixTimestamp(${bound.sql}) AS bound_s`, query_params: bound.params }))[0]?.bound_s;
      if (Number(boundS) > 0) return this.spanCandidates(search, cursor, limit, false);
    }
    return rows;
  }

  private async newestSpanVersions(tenantId: string, candidates: Candidate[], select: string): Promise<Map<string, SpanRow>> {
    if (candidates.length === 0) return new Map();
    // A span keeps its start in every version (revisions change its end, cost, cluster,
    // metadata, never its start), so the candidates' starts bound where their newest
    // versions are: parts and partitions outside that range are not read (at 10M spans, a
    // newest-first page read 14k rows instead of 69k).
    const starts = candidates.map((c) => Number(c.start_us));
    const params = {
      tenant: tenantId,
      traces: [...new Set(candidates.map((c) => c.trace_id))],
      spans: [...new Set(candidates.map((c) => c.span_id))],
      from_us: Math.min(...starts),
      to_us: Math.max(...starts),
    };
    const where = `tenant_id = {tenant:String} AND trace_id IN {traces:Array(String)} AND span_id IN {spans:Array(String)}
                AND start_time BETWEEN fromUnixTimestamp64Micro({from_us:Int64}) AND fromUnixTimestamp64Micro({to_us:Int64})`;
    // Every stored version of these keys, newest first, under a plain LIMIT rather than
    // LIMIT 1 BY: ClickHouse then reads the key and version columns first and the rest only
    // for the rows it returns (lazy materialization), where LIMIT BY decodes a whole granule
    // of every column for each span (a page's spans sit in as many granules as traces). At
    // 1M spans a full-field page of 51 errors read 63-73 -> 49 ms, the Generations table's
    // fields 33 -> 23-25 ms. The first row of each key is its newest version.
    const read = (limit: string, extra: Record<string, unknown> = {}) =>
      queryRows<SpanRow>(this.client, {
        query: `SELECT ${select} FROM spans WHERE ${where} ORDER BY trace_id, span_id, version DESC ${limit}`,
        query_params: { ...params, ...extra },
        clickhouse_settings: BY_ID,
      });
    let rows = await read('LIMIT {rows:UInt32}', { rows: this.versionRowsMax });
    // so many versions that the limit may have cut some keys off: one row per key instead
    if (rows.length >= this.versionRowsMax) rows = await read('LIMIT 1 BY trace_id, span_id');
    const newest = new Map<string, SpanRow>();
    for (const row of rows) {
      const key = `${row.trace_id}/${row.span_id}`;
      if (!newest.has(key)) newest.set(key, row);
    }
    return newest;
  }

  /** Traces in the requested order, filtered on their rollup rows (and, for text, on their spans). */
  async listTraces(search: TraceSearch): Promise<Page<TraceListItem>> {
    const textTerms = search.spans?.q !== undefined && searchTerms(search.spans.q).length > 0;
    let rows: Array<TraceRow & { sort_value: number | string }> = [];
    let resumeAt: SearchCursor | null = null;
    if (textTerms) {
      // Which traces hold the text? A rare text is answered by the text index as a short list
      // of trace ids; a common one would be every trace of the window, so newest-first pages
      // check the newest traces for it instead, a batch at a time.
      const matches = search.spans?.qPrefix ? null : await this.textTraceIds(search);
      if (matches?.length === 0 && search.sort === 'time' && search.order === 'desc' && searchTerms(search.spans!.q!).some(isPrefixable)) {
        // No trace holds the whole word: look for words starting with it (`postgres` finds
        // `PostgreSQL`) in the newest traces, bounded like a common text (see newestWithText).
        return this.listTraces({ ...search, spans: { ...search.spans, qPrefix: true } });
      }
      if (matches) rows = await this.tracePage({ ...(await this.withScoredTraces(search)), textTraceIds: matches }, search.since?.getTime());
      else if (search.sort === 'time' && search.order === 'desc') ({ rows, resumeAt } = await this.newestWithText(search));
      else rows = await this.tracePage(search, search.since?.getTime());
    } else if (search.score && search.sort === 'time' && search.order === 'desc') {
      rows = await this.scoredNewestFirst(search);
    } else {
      rows = await this.tracePage(await this.withScoredTraces(search), search.since?.getTime());
    }
    const page = rows.slice(0, search.limit);
    const scores = scoresByTarget(await this.scores.forTraces(search.tenantId, page.map((r) => r.trace_id)));
    const last = page[page.length - 1];
    return {
      data: page.map((row) => ({ ...traceSummaryOf(rollupOf(row)), scores: (scores.get(`${row.trace_id}/`) ?? []).map(briefScore) })),
      nextCursor:
        rows.length > search.limit && last ? { sort: search.sort, order: search.order, value: cursorValue(last.sort_value), traceId: last.trace_id } : resumeAt,
    };
  }

  /**
   * How many traces match: distinct trace ids of the matching rows in the window (a trace
   * whose older, not yet merged version matched counts too), by ClickHouse's uniq: exact
   * for small counts, within about 1% for large ones, and several times cheaper than an
   * exact count at millions of traces. Null for a text that too many traces hold to list
   * (counting those would read every span of the window).
   */
  async countTraces(search: Omit<TraceSearch, 'sort' | 'order' | 'limit' | 'cursor'>): Promise<number | null> {
    let textTraceIds: string[] | undefined;
    if (search.spans?.q !== undefined && searchTerms(search.spans.q).length > 0) {
      const matches = await this.textTraceIds({ ...search, sort: 'time', order: 'desc', limit: 0 });
      // too many to list, or none whole (the list then matches word prefixes): not counted
      if (matches === null || (matches.length === 0 && searchTerms(search.spans.q).some(isPrefixable))) return null;
      textTraceIds = matches;
    }
    const counted: TraceSearch = { ...search, textTraceIds, sort: 'time', order: 'desc', limit: 0 };
    const { where, params } = traceConditions(counted, search.since?.getTime(), false);
    const [row] = await queryRows<{ n: string | number }>(this.client, {
      query: `SELECT uniq(trace_id) AS n FROM traces WHERE ${where.join(' AND ')}`,
      query_params: params,
      // one user's or session's traces are counted in their key projection, the rest in time order
      clickhouse_settings: traceListSettings(counted),
    });
    return Number(row?.n ?? 0);
  }

  /**
   * Newest-first traces with a score. The scored traces are read in order of their start
   * bound (scores.trace_start_bound, never earlier than the trace's start), up to
   * ID_LOOKUP_MAX + 1. As few as that, all are looked up by primary key. Otherwise they are
   * looked up a batch at a time with every other filter: each trace not yet looked up started
   * at or before the last bound read, so the page is complete once limit + 1 of the rows found
   * started after it. When the batches run out first (other filters turned most of them
   * away), every scored trace is looked up by primary key, as a page sorted by cost is.
   */
  private async scoredNewestFirst(search: TraceSearch): Promise<Array<TraceRow & { sort_value: number | string }>> {
    const sinceMs = search.since?.getTime();
    const candidates = await this.scoredTraces(search);
    if (candidates.length <= ID_LOOKUP_MAX) return this.tracePage({ ...search, scoreTraceIds: candidates.map((c) => c.trace_id) }, sinceMs);
    const found = new Map<string, TraceRow & { sort_value: number | string }>();
    for (let from = 0, batch = search.limit + 1 + SLACK; from < ID_LOOKUP_MAX; from += batch, batch *= 4) {
      const ids = candidates.slice(from, Math.min(from + batch, ID_LOOKUP_MAX)).map((c) => c.trace_id);
      for (const row of await this.tracePage({ ...search, scoreTraceIds: ids }, sinceMs)) found.set(row.trace_id, row);
      const after = Number(candidates[from + ids.length].bound);
      const certain = [...found.values()]
        .filter((r) => Number(r.sort_value) > after)
        .sort((a, b) => Number(b.sort_value) - Number(a.sort_value) || (a.trace_id < b.trace_id ? 1 : -1));
      if (certain.length > search.limit) return certain.slice(0, search.limit + 1);
    }
    return this.tracePage(search, sinceMs);
  }

  /** The search with the ids of the traces holding its score, when there are at most ID_LOOKUP_MAX. */
  private async withScoredTraces(search: TraceSearch): Promise<TraceSearch> {
    if (!search.score) return search;
    const scored = await this.scoredTraces(search);
    return scored.length > ID_LOOKUP_MAX ? search : { ...search, scoreTraceIds: scored.map((r) => r.trace_id) };
  }

  /**
   * Up to ID_LOOKUP_MAX + 1 traces with the search's score (on the trace or one of its spans)
   * that may have started in its window, latest start bound first.
   */
  private async scoredTraces(search: TraceSearch): Promise<Array<{ trace_id: string; bound: string }>> {
    const s = scoreConditions(search.score!, 'sc');
    return queryRows(this.client, {
      query: `SELECT trace_id, toUnixTimestamp64Micro(min(trace_start_bound)) AS bound FROM scores FINAL
              WHERE tenant_id = {tenant:String} AND ${s.where.join(' AND ')}
              GROUP BY trace_id
              HAVING bound >= {since_us:Int64}
              ORDER BY bound DESC, trace_id DESC
              LIMIT {n:UInt32}`,
      query_params: { ...s.params, tenant: search.tenantId, since_us: search.since ? search.since.getTime() * 1000 : 0, n: ID_LOOKUP_MAX + 1 },
    });
  }

  /** Trace ids with a span matching the text in the search's window, or null when more than TEXT_IDS. */
  private async textTraceIds(search: TraceSearch): Promise<string[] | null> {
    const window = { tenantId: search.tenantId, since: search.since, until: search.until };
    const { where, params } = textConditions(search, window, await this.revised(search, search.since?.getTime()));
    const rows = await queryRows<{ trace_id: string }>(this.client, {
      query: `SELECT DISTINCT trace_id FROM spans WHERE ${where.join(' AND ')} LIMIT {text_limit:UInt32}`,
      query_params: { ...params, text_limit: this.text.ids + 1 },
    });
    return rows.length > this.text.ids ? null : rows.map((r) => r.trace_id);
  }

  /**
   * Newest-first traces holding a common text: the newest traces matching the other
   * filters, TEXT_BATCH at a time, checked against their own spans by primary key. After
   * TEXT_ROUNDS batches the page ends early, with a cursor where the check stopped.
   */
  private async newestWithText(search: TraceSearch): Promise<{ rows: Array<TraceRow & { sort_value: number | string }>; resumeAt: SearchCursor | null }> {
    const { rows, resumeAt } = await this.newestHoldingText(search);
    // the batches were checked without their previews: only the rows kept need them
    const previews = await this.newestTraceVersions(search.tenantId, rows.filter((r) => r.input_preview === undefined).map((r) => r.trace_id));
    const withPreviews = rows.map((row) => {
      if (row.input_preview !== undefined) return row;
      const found = previews.get(row.trace_id);
      return { ...row, input_preview: found?.input_preview ?? '', output_preview: found?.output_preview ?? '' };
    });
    return { rows: withPreviews, resumeAt };
  }

  private async newestHoldingText(search: TraceSearch): Promise<{ rows: Array<TraceRow & { sort_value: number | string }>; resumeAt: SearchCursor | null }> {
    const kept: Array<TraceRow & { sort_value: number | string }> = [];
    const plain: TraceSearch = { ...search, spans: { ...search.spans, q: undefined }, limit: this.text.batch };
    let cursor = search.cursor;
    for (let round = 0; round < this.text.rounds; round++) {
      const batch = (await this.tracePage({ ...plain, cursor }, search.since?.getTime(), false)).slice(0, this.text.batch);
      if (batch.length === 0) return { rows: kept, resumeAt: null };
      const holding = await this.tracesHoldingText(search, batch.map((r) => r.trace_id));
      for (const row of batch) {
        if (!holding.has(row.trace_id)) continue;
        kept.push(row);
        if (kept.length > search.limit) return { rows: kept, resumeAt: null };
      }
      const last = batch[batch.length - 1];
      cursor = { sort: 'time', order: 'desc', value: Number(last.sort_value), traceId: last.trace_id };
      if (batch.length < this.text.batch) return { rows: kept, resumeAt: null };
    }
    return { rows: kept, resumeAt: cursor ?? null };
  }

  private async tracesHoldingText(search: TraceSearch, traceIds: string[]): Promise<Set<string>> {
    const window = { tenantId: search.tenantId, since: search.since, until: search.until };
    const { where, params } = textConditions(search, window, await this.revised(search, search.since?.getTime()));
    const rows = await queryRows<{ trace_id: string }>(this.client, {
      query: `SELECT DISTINCT trace_id FROM spans WHERE ${where.join(' AND ')} AND trace_id IN {text_traces:Array(String)}`,
      query_params: { ...params, text_traces: traceIds },
      clickhouse_settings: BY_ID,
    });
    return new Set(rows.map((r) => r.trace_id));
  }

  /**
   * Up to limit + 1 current trace rows from `sinceMs` on, in order, after the cursor.
   * Newest first, the time projection is read in order and stops after a few granules, so
   * candidates carry the list columns it holds, and the primary-key lookup that checks
   * their versions adds the previews. Sorted by cost or duration a whole window is read, and
   * a score filter matches ~1% of traces, so the projection is scanned far: candidates then
   * carry only keys and sort values, and the rows shown come from the primary-key lookup.
   * With `previews` false, rows of the newest-first path come without their previews (for a
   * caller that keeps a few of many rows and fetches theirs after).
   */
  private async tracePage(search: TraceSearch, sinceMs: number | undefined, previews = true): Promise<Array<TraceRow & { sort_value: number | string }>> {
    if (idCount(search) <= search.limit + 1 + SLACK) return this.fewTracesPage(search, sinceMs);
    const kept: Array<TraceRow & { sort_value: number | string }> = [];
    const light = search.sort !== 'time' || keyProjectionFor(search) !== null || search.score !== undefined;
    let cursor = search.cursor;
    const batch = search.limit + 1 + SLACK;
    for (let round = 0; round < MAX_ROUNDS && kept.length <= search.limit; round++) {
      const candidates = await this.traceCandidates(search, sinceMs, cursor, batch, light);
      const ids = candidates.map((c) => c.trace_id);
      const newest: Map<string, Partial<TraceRow>> = light ? await this.newestTraceRows(search.tenantId, ids) : await this.newestTraceVersions(search.tenantId, ids, previews);
      for (const candidate of candidates) {
        const current = newest.get(candidate.trace_id);
        if (!current || String(current.version) !== String(candidate.version)) continue;
        if (kept.some((k) => k.trace_id === candidate.trace_id)) continue; // the same version twice, before a merge
        // light: the row looked up; otherwise the candidate's columns and the looked-up previews
        kept.push({ ...(light ? {} : candidate), ...current, sort_value: candidate.sort_value } as TraceRow & { sort_value: number | string });
        if (kept.length > search.limit) break;
      }
      if (candidates.length < batch) break;
      const last = candidates[candidates.length - 1];
      cursor = { sort: search.sort, order: search.order, value: cursorValue(last.sort_value), traceId: last.trace_id };
    }
    return kept;
  }

  /**
   * A page of traces known by id, no more than one round of candidates (a batch of scored
   * traces, a very rare text): their newest versions, read once by primary key, filtered
   * and ordered. Candidates first and then their rows would read the same granules twice;
   * for more ids (up to ID_LOOKUP_MAX) that costs less than reading every list column of all
   * of them (at 1M spans, a score on ~475 traces: 14 MB read in 135–153 ms whole, ~65 ms in two steps).
   */
  private async fewTracesPage(search: TraceSearch, sinceMs: number | undefined): Promise<Array<TraceRow & { sort_value: number | string }>> {
    // the id lists are traceConditions' parameters, sent once
    const ids = [search.textTraceIds ? 'trace_id IN {text_ids:Array(String)}' : '', search.scoreTraceIds ? 'trace_id IN {score_ids:Array(String)}' : ''].filter(Boolean);
    const newest = `(SELECT * FROM traces WHERE tenant_id = {tenant:String} AND ${ids.join(' AND ')} ORDER BY version DESC LIMIT 1 BY trace_id)`;
    const revised = await this.revised(search, sinceMs);
    return queryRows(this.client, traceCandidateQuery(search, { sinceMs, cursor: search.cursor, limit: search.limit + 1, columns: TRACE_LIST_SELECT, revised, from: newest }));
  }

  /**
   * The newest version of each trace and (unless told not to) what the time projection does
   * not hold (its previews), by primary key.
   */
  private async newestTraceVersions(tenantId: string, traceIds: string[], previews = true): Promise<Map<string, Partial<Pick<TraceRow, KeyOnly>>>> {
    if (traceIds.length === 0) return new Map();
    const rows = await queryRows<Pick<TraceRow, 'trace_id' | KeyOnly>>(this.client, {
      query: `SELECT trace_id, version${previews ? `, ${TRACE_KEY_ONLY_SELECT}` : ''} FROM traces
              WHERE tenant_id = {tenant:String} AND trace_id IN {traces:Array(String)}
              ORDER BY version DESC LIMIT 1 BY trace_id`,
      query_params: { tenant: tenantId, traces: traceIds },
      clickhouse_settings: BY_ID,
    });
    return new Map(rows.map(({ trace_id, ...rest }) => [trace_id, rest]));
  }

  /** The newest row of each trace, by primary key. */
  private async newestTraceRows(tenantId: string, traceIds: string[]): Promise<Map<string, TraceRow>> {
    if (traceIds.length === 0) return new Map();
    const rows = await queryRows<TraceRow>(this.client, {
      query: `SELECT ${TRACE_LIST_SELECT} FROM traces
              WHERE tenant_id = {tenant:String} AND trace_id IN {traces:Array(String)}
              ORDER BY version DESC LIMIT 1 BY trace_id`,
      query_params: { tenant: tenantId, traces: traceIds },
      clickhouse_settings: BY_ID,
    });
    return new Map(rows.map((r) => [r.trace_id, r]));
  }

  /** Whether span versions were replaced in this window (text matches must then skip them). */
  private async revised(search: TraceSearch, sinceMs: number | undefined): Promise<boolean> {
    if (search.spans?.q === undefined || searchTerms(search.spans.q).length === 0) return false;
    return exists(this.client, revisionsIn({ tenantId: search.tenantId, since: sinceMs === undefined ? undefined : new Date(sinceMs), until: search.until }));
  }

  private async traceCandidates(
    search: TraceSearch,
    sinceMs: number | undefined,
    cursor: SearchCursor | undefined,
    limit: number,
    light: boolean,
  ): Promise<Array<{ trace_id: string; version: string | number; sort_value: number | string }>> {
    const columns = light ? 'trace_id, version' : TRACE_CANDIDATE_SELECT;
    return queryRows(this.client, traceCandidateQuery(search, { sinceMs, cursor, limit, columns, revised: await this.revised(search, sinceMs) }));
  }
}

/** The query for a page's candidate trace rows: `columns` and the sort value, from `traces` or `from` (rows of it). */
export function traceCandidateQuery(
  search: TraceSearch,
  page: { sinceMs: number | undefined; cursor: SearchCursor | undefined; limit: number; columns: string; revised: boolean; from?: string },
): { query: string; query_params: Record<string, unknown>; clickhouse_settings: ClickHouseSettings } {
  const { where, params } = traceConditions(search, page.sinceMs, page.revised);
  const sort = TRACE_SORT[search.sort];
  const dir = dirOf(search.order);
  // decided once: the ORDER BY and the projection read must agree (sortProjectionFor reads the clock)
  const sortProjection = page.from === undefined ? sortProjectionFor(search) : null;
  // read in the order of a projection sorted by the sort key (time, or duration)
  const inOrder = search.sort === 'time' || sortProjection !== null;
  if (page.cursor) {
    where.push(afterCursor(sort, search.order, page.cursor.value, 'trace_id', '{c_trace:String}', params));
    // the same bound alone, which the projection's primary key can use
    if (inOrder) where.push(`${sort.order} ${afterOf(search.order)}= ${sort.param}`);
    params.c_trace = page.cursor.traceId;
  }
  // The duration projection is read in order only when the ORDER BY names its whole key as
  // stored: the tenant first, and a float's NaN where a reverse read meets it (first). No
  // duration is NaN, so the rows are the same as with the plain ORDER BY.
  const order = sortProjection ? `tenant_id ${dir}, duration_ms ${dir}${dir === 'DESC' ? ' NULLS FIRST' : ''}` : orderOf(sort, search.order);
  return {
    query: `SELECT ${page.columns}, ${sort.value} AS sort_value FROM ${page.from ?? 'traces'}
            WHERE ${where.join(' AND ')}
            ORDER BY ${order}, trace_id ${dir}
            LIMIT {limit:UInt32}`,
    query_params: { ...params, limit: page.limit },
    // a few traces known by id (a rare text, a rare score) are found by primary key, not in a whole window's time order
    clickhouse_settings: fewIds(search) ? BY_ID : sortProjection ? fromProjection(sortProjection) : traceListSettings(search),
  };
}

export function traceListSettings(search: TraceSearch) {
  const byKey = keyProjectionFor(search);
  return byKey ? fromProjection(byKey) : TRACE_LIST_SETTINGS;
}

/** Search fields that bound or order a page rather than filter it. */
const PAGE_FIELDS = new Set<string>(['tenantId', 'since', 'until', 'sort', 'order', 'limit', 'cursor']);

/** The fields that filter a trace search (not its window, order or page). */
function filtersOf(search: TraceSearch): string[] {
  return Object.entries(search)
    .filter(([key, value]) => {
      if (PAGE_FIELDS.has(key) || value === undefined) return false;
      if (Array.isArray(value)) return value.length > 0;
      if (key === 'spans') return Object.values(value as object).some((v) => v !== undefined && !(Array.isArray(v) && v.length === 0));
      return true;
    })
    .map(([key]) => key);
}

/**
 * A newest-first page whose only filter is one user or one session reads that key's
 * projection (keys only, see migration 015) instead of the whole window in time order;
 * its rows then come from the primary-key lookup, as for pages sorted by cost.
 */
export function keyProjectionFor(search: TraceSearch): string | null {
  if (search.sort !== 'time') return null;
  const filters = filtersOf(search);
  if (filters.length !== 1) return null;
  return filters[0] === 'userId' ? 'p_traces_by_user' : filters[0] === 'sessionId' ? 'p_traces_by_session' : null;
}

/**
 * A page sorted by duration with no filter but its window reads the projection ordered by
 * duration (keys only, migration 029) in order, and stops once the page is full: at 10M
 * spans over 7 days, 3,840 rows read instead of the window's 2M durations in the time
 * projection. A filter would need columns it lacks. A narrow window is read in time order:
 * in duration order its traces are few among those passed over (only other months'
 * partitions are skipped), an hour's ~1 in 720 of a month.
 */
export function sortProjectionFor(search: TraceSearch): string | null {
  if (search.sort !== 'latency' || filtersOf(search).length > 0) return null;
  if (search.since && (search.until?.getTime() ?? Date.now()) - search.since.getTime() < DURATION_ORDER_MIN_WINDOW_MS) return null;
  return 'p_traces_by_duration';
}

/** The narrowest window a page sorted by duration reads in duration order (see sortProjectionFor). */
const DURATION_ORDER_MIN_WINDOW_MS = 3_600_000;

/** Spans whose newest version holds the search's text, in a window. */
function textConditions(search: TraceSearch, window: Pick<SpanFilter, 'tenantId' | 'since' | 'until'>, revised: boolean): { where: string[]; params: Record<string, unknown> } {
  const spans = spanConditions({ ...window, q: search.spans?.q, qPrefix: search.spans?.qPrefix }, 'sp');
  const newest = revised ? newestVersionsOnly(window, 'spv') : { where: [], params: {} };
  return { where: [...spans.where, ...newest.where], params: { ...spans.params, ...newest.params } };
}

/** How many traces a page known by id can hold at most (Infinity when not known by id). */
const idCount = (search: TraceSearch) => Math.min(search.textTraceIds?.length ?? Infinity, search.scoreTraceIds?.length ?? Infinity);
const fewIds = (search: TraceSearch) => idCount(search) <= ID_LOOKUP_MAX;

/** WHERE conditions on trace rows; span-level filters match through the rollup's lists. */
function traceConditions(search: TraceSearch, sinceMs: number | undefined, revised: boolean): { where: string[]; params: Record<string, unknown> } {
  const where = ['tenant_id = {tenant:String}'];
  const params: Record<string, unknown> = { tenant: search.tenantId };
  const param = (name: string, type: string, value: unknown) => {
    params[name] = value;
    return `{${name}:${type}}`;
  };
  if (sinceMs !== undefined) where.push(`start_time >= fromUnixTimestamp64Micro(${param('since', 'Int64', Math.floor(sinceMs * 1000))})`);
  if (search.until) where.push(`start_time <= fromUnixTimestamp64Micro(${param('until', 'Int64', search.until.getTime() * 1000)})`);
  const equals = (column: string, name: string, value: string | undefined) => value !== undefined && where.push(`${column} = ${param(name, 'String', value)}`);
  const has = (column: string, name: string, value: string | undefined) => value !== undefined && where.push(`has(${column}, ${param(name, 'String', value)})`);
  equals('status', 'status', search.status);
  equals('user_id', 'user_id', search.userId);
  equals('session_id', 'session_id', search.sessionId);
  has('models', 'model', search.model);
  has('providers', 'provider', search.provider);
  has('services', 'service', search.service);
  (search.tags ?? []).forEach((tag, i) => has('tags', `tag${i}`, tag));
  has('routing_aliases', 'routing_alias', search.spans?.routingAlias);
  has('cluster_ids', 'cluster_id', search.spans?.clusterId);
  has('span_types', 'span_type', search.spans?.type);
  (search.spans?.metadata ?? []).forEach(([key, value], i) => where.push(`metadata[${param(`mk${i}`, 'String', key)}] = ${param(`mv${i}`, 'String', value)}`));
  if (search.name !== undefined) where.push(`positionCaseInsensitiveUTF8(name, ${param('name', 'String', search.name)}) > 0`);
  if (search.modelContains !== undefined) where.push(`arrayExists((m) -> positionCaseInsensitiveUTF8(m, ${param('model_contains', 'String', search.modelContains)}) > 0, models)`);
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
    if (value !== undefined) where.push(`${expression} ${op} ${param(key, type, value)}`);
  }
  if (search.textTraceIds) {
    where.push(`trace_id IN ${param('text_ids', 'Array(String)', search.textTraceIds)}`);
  } else if (search.spans?.q !== undefined && searchTerms(search.spans.q).length > 0) {
    const text = textConditions(search, { tenantId: search.tenantId, since: sinceMs === undefined ? undefined : new Date(sinceMs), until: search.until }, revised);
    where.push(`trace_id IN (SELECT trace_id FROM spans WHERE ${text.where.join(' AND ')})`);
    Object.assign(params, text.params);
  }
  if (search.scoreTraceIds) {
    where.push(`trace_id IN ${param('score_ids', 'Array(String)', search.scoreTraceIds)}`);
  } else if (search.score) {
    const s = scoreConditions(search.score, 'sc');
    where.push(`trace_id IN (SELECT trace_id FROM scores FINAL WHERE tenant_id = {tenant:String} AND ${s.where.join(' AND ')})`);
    Object.assign(params, s.params);
  }
  return { where, params };
}
