// Sessions and users: the traces of a time window grouped by session_id or user_id, with
// their totals, sorted and paged by cursor.
//
// The `traces` table keeps one row per trace version until merges drop old ones, and
// every version holds its whole trace so far. A page therefore reads only the window's
// rows from the time projection, keeps each trace's newest version (argMax by version,
// grouped by trace), and then groups those by session or user. The window is what
// bounds the work: the API defaults it to the last 7 days.
import type { ClickHouseClient } from '@clickhouse/client';
import { isoTime, queryRows } from './query.ts';
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

/** Sort expressions over the grouped columns, and their cursor parameter types. */
const SORT: Record<GroupSort, { value: string; param: string }> = {
  last: { value: 'toUnixTimestamp64Micro(last_time)', param: '{c_value:Int64}' },
  first: { value: 'toUnixTimestamp64Micro(first_time)', param: '{c_value:Int64}' },
  traces: { value: 'trace_count', param: '{c_value:UInt64}' },
  cost: { value: 'cost_usd', param: '{c_value:Float64}' },
  tokens: { value: 'total_tokens', param: '{c_value:UInt64}' },
  errors: { value: 'error_count', param: '{c_value:UInt64}' },
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

  private async groups(kind: GroupKind, search: GroupSearch): Promise<{ rows: RawGroup[]; nextCursor: GroupCursor | null }> {
    const key = KEY[kind];
    const params: Record<string, unknown> = {
      tenant: search.tenantId,
      since: search.since.getTime() * 1000,
      limit: search.limit + 1,
    };
    // Conditions on trace rows: tenant and window first (the projection's key), then the rest.
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
    // Group-level conditions: a group matches when one of its traces does.
    const having: string[] = [];
    if (search.model !== undefined) {
      having.push('has(models, {model:String})');
      params.model = search.model;
    }
    if (search.service !== undefined) {
      having.push('has(services, {service:String})');
      params.service = search.service;
    }
    if (search.errorsOnly) having.push('error_count > 0');
    const sort = SORT[search.sort];
    const dir = search.order === 'asc' ? 'ASC' : 'DESC';
    if (search.cursor) {
      having.push(`(${sort.value}, key) ${search.order === 'asc' ? '>' : '<'} (${sort.param}, {c_key:String})`);
      Object.assign(params, { c_value: search.cursor.value, c_key: search.cursor.key });
    }
    const rows = await queryRows<RawGroup>(this.client, {
      query: `SELECT ${INNER_KEY[kind]} AS key, argMax(t_user, last_trace) AS user_id, min(first) AS first_time, max(last) AS last_time,
                     uniqExactIf(t_session, t_session != '') AS session_count, count() AS trace_count, countIf(trace_errors > 0) AS error_count,
                     sum(trace_cost) AS cost_usd, sum(trace_input) AS input_tokens, sum(trace_output) AS output_tokens,
                     sum(trace_tokens) AS total_tokens, arrayDistinct(arrayFlatten(groupArray(trace_models))) AS models,
                     arrayDistinct(arrayFlatten(groupArray(trace_services))) AS services, ${sort.value} AS sort_value
              FROM (
                -- the newest version of each trace in the window
                SELECT trace_id, argMax(session_id, version) AS t_session, argMax(user_id, version) AS t_user,
                       min(start_time) AS first, argMax(end_time, version) AS last, max(start_time) AS last_trace,
                       argMax(error_count, version) AS trace_errors, argMax(ifNull(cost_usd, 0), version) AS trace_cost,
                       argMax(input_tokens, version) AS trace_input, argMax(output_tokens, version) AS trace_output,
                       argMax(total_tokens, version) AS trace_tokens, argMax(models, version) AS trace_models,
                       argMax(services, version) AS trace_services
                FROM traces
                WHERE ${where.join(' AND ')}
                GROUP BY trace_id
              )
              GROUP BY key
              ${having.length > 0 ? `HAVING ${having.join(' AND ')}` : ''}
              ORDER BY sort_value ${dir}, key ${dir}
              LIMIT {limit:UInt32}`,
      query_params: params,
      clickhouse_settings: TRACE_LIST_SETTINGS,
    });
    const page = rows.slice(0, search.limit);
    const last = page[page.length - 1];
    return {
      rows: page,
      nextCursor: rows.length > search.limit && last ? { sort: search.sort, order: search.order, value: Number(last.sort_value), key: last.key } : null,
    };
  }
}
