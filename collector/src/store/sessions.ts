// Sessions and users: the traces of a time window grouped by session_id or user_id, with
// their totals, sorted and paged by cursor.
//
// The `traces` table keeps one row per trace version until merges drop old ones, and
// every version holds its whole trace so far. A page reads only the window's rows from
// the time projection and groups them once by session or user (no per-trace step, which
// cost several times more); the page's totals are then read exactly, newest versions
// only, for its few groups. The window bounds the work: the API defaults it to 7 days.
import type { ClickHouseClient } from '@clickhouse/client';
import { BY_ID, isoTime, queryRows } from './query.ts';
import { TRACE_LIST_SETTINGS } from './search.ts';

export type GroupKind = 'session' | 'user';
export type GroupSort = 'last' | 'first' | 'traces' | 'cost' | 'tokens' | 'errors';
export type GroupOrder = 'desc' | 'asc';

export interface GroupCursor {
  sort: GroupSort;
  order: GroupOrder;
  value: number;
  key: string;
}

export interface GroupSearch {
  tenantId: string;
  since: Date;
  until?: Date;
  /** Case-insensitive substring of the session id (sessions) or user id (users). */
  search?: string;
  /** Sessions of this user only. */
  userId?: string;
  /** Groups with a trace that used this model. */
  model?: string;
  service?: string;
  /** Only groups with at least one failed trace. */
  errorsOnly?: boolean;
  sort: GroupSort;
  order: GroupOrder;
  limit: number;
  cursor?: GroupCursor;
}

export interface SessionRow {
  session_id: string;
  user_id: string;
  first_time: string;
  last_time: string;
  trace_count: number;
  error_count: number;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  models: string[];
}

export interface UserRow {
  user_id: string;
  first_time: string;
  last_seen: string;
  session_count: number;
  trace_count: number;
  error_count: number;
  cost_usd: number;
  total_tokens: number;
  models: string[];
}

/** The grouping column, and its name in the newest-version subquery. */
const KEY: Record<GroupKind, string> = { session: 'session_id', user: 'user_id' };
const INNER_KEY: Record<GroupKind, string> = { session: 't_session', user: 't_user' };

/**
 * Sort values of a group, computed over the stored rows of its traces (every version):
 * exact for last/first activity, trace and failed-trace counts (a trace's versions only
 * grow), and for cost and tokens until merges drop a trace's old versions (a trace stored
 * in several requests counts its older rollups too until then). The totals shown are
 * always exact: they are read again for the page's groups, newest versions only.
 */
const SORT: Record<GroupSort, { value: string; param: string }> = {
  last: { value: 'toUnixTimestamp64Micro(max(end_time))', param: '{c_value:Int64}' },
  first: { value: 'toUnixTimestamp64Micro(min(start_time))', param: '{c_value:Int64}' },
  traces: { value: 'uniqExact(trace_id)', param: '{c_value:UInt64}' },
  cost: { value: 'sum(ifNull(cost_usd, 0))', param: '{c_value:Float64}' },
  tokens: { value: 'sum(total_tokens)', param: '{c_value:UInt64}' },
  errors: { value: 'uniqExactIf(trace_id, error_count > 0)', param: '{c_value:UInt64}' },
};

interface RawGroup {
  key: string;
  user_id: string;
  first_time: string;
  last_time: string;
  session_count: string | number;
  trace_count: string | number;
  error_count: string | number;
  cost_usd: number | null;
  input_tokens: string | number;
  output_tokens: string | number;
  total_tokens: string | number;
  models: string[];
  sort_value: string | number;
}

/** ISO-8601 in milliseconds, as the trace list writes times. */
const isoOf = (value: string) => new Date(isoTime(value)).toISOString();

/** Tenant, window and trace-level filters, as WHERE conditions over trace rows. */
function windowConditions(kind: GroupKind, search: GroupSearch): { where: string[]; params: Record<string, unknown> } {
  const key = KEY[kind];
  const params: Record<string, unknown> = { tenant: search.tenantId, since: search.since.getTime() * 1000 };
  const where = ['tenant_id = {tenant:String}', 'start_time >= fromUnixTimestamp64Micro({since:Int64})', `${key} != ''`];
  if (search.until) {
    where.push('start_time <= fromUnixTimestamp64Micro({until:Int64})');
    params.until = search.until.getTime() * 1000;
  }
  if (search.userId !== undefined) {
    where.push('user_id = {user_id:String}');
    params.user_id = search.userId;
  }
  if (search.search !== undefined) {
    where.push(`positionCaseInsensitiveUTF8(${key}, {search:String}) > 0`);
    params.search = search.search;
  }
  return { where, params };
}

export class SessionStore {
  constructor(private readonly client: ClickHouseClient) {}

  async sessions(search: GroupSearch): Promise<{ data: SessionRow[]; nextCursor: GroupCursor | null }> {
    const { rows, nextCursor } = await this.groups('session', search);
    return {
      nextCursor,
      data: rows.map((r) => ({
        session_id: r.key,
        user_id: r.user_id,
        first_time: isoOf(r.first_time),
        last_time: isoOf(r.last_time),
        trace_count: Number(r.trace_count),
        error_count: Number(r.error_count),
        cost_usd: Number(r.cost_usd ?? 0),
        input_tokens: Number(r.input_tokens),
        output_tokens: Number(r.output_tokens),
        total_tokens: Number(r.total_tokens),
        models: r.models,
      })),
    };
  }

  async users(search: GroupSearch): Promise<{ data: UserRow[]; nextCursor: GroupCursor | null }> {
    const { rows, nextCursor } = await this.groups('user', search);
    return {
      nextCursor,
      data: rows.map((r) => ({
        user_id: r.key,
        first_time: isoOf(r.first_time),
        last_seen: isoOf(r.last_time),
        session_count: Number(r.session_count),
        trace_count: Number(r.trace_count),
        error_count: Number(r.error_count),
        cost_usd: Number(r.cost_usd ?? 0),
        total_tokens: Number(r.total_tokens),
        models: r.models,
      })),
    };
  }

  /**
   * Two reads. (1) The page: the window's trace rows grouped by session or user (one
   * GROUP BY, no per-trace step), filtered, sorted and cut at the cursor and LIMIT.
   * (2) The page's totals over the newest version of each of its traces, found through
   * the session and user skip indexes.
   */
  private async groups(kind: GroupKind, search: GroupSearch): Promise<{ rows: RawGroup[]; nextCursor: GroupCursor | null }> {
    const key = KEY[kind];
    const { where, params } = windowConditions(kind, search);
    // Group-level conditions: a group matches when one of its traces does.
    const having: string[] = [];
    if (search.model !== undefined) {
      having.push('countIf(has(models, {model:String})) > 0');
      params.model = search.model;
    }
    if (search.service !== undefined) {
      having.push('countIf(has(services, {service:String})) > 0');
      params.service = search.service;
    }
    if (search.errorsOnly) having.push('countIf(error_count > 0) > 0');
    const sort = SORT[search.sort];
    const dir = search.order === 'asc' ? 'ASC' : 'DESC';
    if (search.cursor) {
      having.push(`(sort_value, key) ${search.order === 'asc' ? '>' : '<'} (${sort.param}, {c_key:String})`);
      Object.assign(params, { c_value: search.cursor.value, c_key: search.cursor.key });
    }
    const page = await queryRows<{ key: string; sort_value: string | number }>(this.client, {
      query: `SELECT ${key} AS key, ${sort.value} AS sort_value FROM traces
              WHERE ${where.join(' AND ')}
              GROUP BY key
              ${having.length > 0 ? `HAVING ${having.join(' AND ')}` : ''}
              ORDER BY sort_value ${dir}, key ${dir}
              LIMIT {limit:UInt32}`,
      query_params: { ...params, limit: search.limit + 1 },
      clickhouse_settings: TRACE_LIST_SETTINGS,
    });
    const shown = page.slice(0, search.limit);
    const totals = await this.totals(kind, search, shown.map((p) => p.key));
    const last = shown[shown.length - 1];
    return {
      rows: shown.flatMap((p) => {
        const row = totals.get(p.key);
        return row ? [{ ...row, sort_value: p.sort_value }] : [];
      }),
      nextCursor: page.length > search.limit && last ? { sort: search.sort, order: search.order, value: Number(last.sort_value), key: last.key } : null,
    };
  }

  /** Exact totals of these groups in the window, over the newest version of each trace. */
  private async totals(kind: GroupKind, search: GroupSearch, keys: string[]): Promise<Map<string, RawGroup>> {
    if (keys.length === 0) return new Map();
    const { where, params } = windowConditions(kind, search);
    where.push(`${KEY[kind]} IN {keys:Array(String)}`);
    const rows = await queryRows<RawGroup>(this.client, {
      query: `SELECT ${INNER_KEY[kind]} AS key, argMax(t_user, last_trace) AS user_id, min(first) AS first_time, max(last) AS last_time,
                     uniqExactIf(t_session, t_session != '') AS session_count, count() AS trace_count, countIf(trace_errors > 0) AS error_count,
                     sum(trace_cost) AS cost_usd, sum(trace_input) AS input_tokens, sum(trace_output) AS output_tokens,
                     sum(trace_tokens) AS total_tokens, arrayDistinct(arrayFlatten(groupArray(trace_models))) AS models
              FROM (
                -- the newest version of each trace
                SELECT trace_id, argMax(session_id, version) AS t_session, argMax(user_id, version) AS t_user,
                       min(start_time) AS first, argMax(end_time, version) AS last, max(start_time) AS last_trace,
                       argMax(error_count, version) AS trace_errors, argMax(ifNull(cost_usd, 0), version) AS trace_cost,
                       argMax(input_tokens, version) AS trace_input, argMax(output_tokens, version) AS trace_output,
                       argMax(total_tokens, version) AS trace_tokens, argMax(models, version) AS trace_models
                FROM traces
                WHERE ${where.join(' AND ')}
                GROUP BY trace_id
              )
              GROUP BY key`,
      query_params: { ...params, keys },
      // a page's sessions or users are found through the bloom filter indexes, not in time order
      clickhouse_settings: BY_ID,
    });
    return new Map(rows.map((r) => [r.key, r]));
  }
}
