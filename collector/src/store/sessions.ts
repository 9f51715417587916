// Sessions and users: the traces of a time window grouped by session_id or user_id, with
// their totals, sorted and paged by cursor.
//
// A page is ranked on trace_groups_daily (migration 018, trace-groups.ts): each group's
// day totals over the days the window touches, ~7 rows per group for a week instead of
// every trace of it. The page's totals are then exact for the window: whole days from
// the same table, the partial days at its ends from the traces themselves (the time
// projection over those hours), newest trace versions only. Ranking counts the
// end days whole, so near the window's start a group may rank by activity just before
// it; one with no trace inside the window is left off its page.
import type { ClickHouseClient } from '@clickhouse/client';
import { isoTime, queryRows } from './query.ts';
import { TRACE_LIST_SETTINGS } from './search.ts';
import type { GroupKind } from './trace-groups.ts';
import { roundUsd, type SessionRow, type UserRow } from '@spanhouse/model';
export type { SessionRow, UserRow };

export type { GroupKind };
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

/** The grouping column of `traces`. */
const KEY: Record<GroupKind, string> = { session: 'session_id', user: 'user_id' };

/** Sort values of a group over its day rows (the cursor carries them). */
const SORT: Record<GroupSort, { value: string; param: string }> = {
  last: { value: 'toUnixTimestamp64Micro(max(last_time))', param: '{c_value:Int64}' },
  first: { value: 'toUnixTimestamp64Micro(min(first_time))', param: '{c_value:Int64}' },
  traces: { value: 'sum(traces)', param: '{c_value:Int64}' },
  cost: { value: 'sum(cost_usd)', param: '{c_value:Float64}' },
  tokens: { value: 'sum(total_tokens)', param: '{c_value:Int64}' },
  errors: { value: 'sum(error_traces)', param: '{c_value:Int64}' },
};

/** A group's totals in the window, from day rows, from traces, or both added up. */
interface Totals {
  key: string;
  user_id: string;
  first_us: number;
  last_us: number;
  traces: number;
  error_traces: number;
  cost_usd: number;
  unpriced_calls: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  models: string[];
  sessions: string[];
  users: string[];
}

/** The same totals as ClickHouse sends them (64-bit numbers as text). */
type RawTotals = { [K in keyof Totals]: Totals[K] extends number ? number | string : Totals[K] };

const DAY_MS = 86_400_000;
const dayString = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * A window cut into the whole UTC days inside it (read from day rows; `to` null: open
 * ended) and the partial days at its ends, as [from, to) epoch microseconds (read from
 * traces). `until` is inclusive.
 */
export function splitWindow(since: Date, until?: Date): { days: { from: string; to: string | null } | null; exact: Array<[number, number]> } {
  const s = since.getTime();
  const firstWhole = Math.ceil(s / DAY_MS) * DAY_MS;
  if (!until) return { days: { from: dayString(firstWhole), to: null }, exact: s < firstWhole ? [[s * 1000, firstWhole * 1000]] : [] };
  const endUs = until.getTime() * 1000 + 1;
  const wholeEnd = Math.floor(endUs / (DAY_MS * 1000)) * DAY_MS;
  if (firstWhole >= wholeEnd) return { days: null, exact: [[s * 1000, endUs]] };
  const exact: Array<[number, number]> = [];
  if (s < firstWhole) exact.push([s * 1000, firstWhole * 1000]);
  if (wholeEnd * 1000 < endUs) exact.push([wholeEnd * 1000, endUs]);
  return { days: { from: dayString(firstWhole), to: dayString(wholeEnd - DAY_MS) }, exact };
}

function addTotals(a: Totals | undefined, b: Totals): Totals {
  if (!a) return b;
  return {
    key: a.key,
    user_id: a.user_id || b.user_id,
    first_us: Math.min(a.first_us, b.first_us),
    last_us: Math.max(a.last_us, b.last_us),
    traces: a.traces + b.traces,
    error_traces: a.error_traces + b.error_traces,
    cost_usd: a.cost_usd + b.cost_usd,
    unpriced_calls: a.unpriced_calls + b.unpriced_calls,
    input_tokens: a.input_tokens + b.input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
    models: [...new Set([...a.models, ...b.models])],
    sessions: [...new Set([...a.sessions, ...b.sessions])],
    users: [...new Set([...a.users, ...b.users])],
  };
}

const totalsOf = (r: RawTotals): Totals => ({
  key: r.key,
  user_id: r.user_id,
  first_us: Number(r.first_us),
  last_us: Number(r.last_us),
  traces: Number(r.traces),
  error_traces: Number(r.error_traces),
  cost_usd: Number(r.cost_usd),
  unpriced_calls: Number(r.unpriced_calls),
  input_tokens: Number(r.input_tokens),
  output_tokens: Number(r.output_tokens),
  total_tokens: Number(r.total_tokens),
  models: r.models,
  sessions: r.sessions,
  users: r.users,
});

export class SessionStore {
  constructor(private readonly client: ClickHouseClient) {}

  async sessions(search: GroupSearch): Promise<{ data: SessionRow[]; nextCursor: GroupCursor | null }> {
    const { rows, nextCursor } = await this.groups('session', search);
    return {
      nextCursor,
      data: rows.map((r) => ({
        session_id: r.key,
        user_id: r.user_id,
        user_ids: [...r.users].sort(),
        first_time: isoTime(r.first_us),
        last_time: isoTime(r.last_us),
        trace_count: r.traces,
        error_count: r.error_traces,
        cost_usd: roundUsd(r.cost_usd),
        unpriced_count: r.unpriced_calls,
        input_tokens: r.input_tokens,
        output_tokens: r.output_tokens,
        total_tokens: r.total_tokens,
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
        first_time: isoTime(r.first_us),
        last_seen: isoTime(r.last_us),
        session_count: r.sessions.length,
        trace_count: r.traces,
        error_count: r.error_traces,
        cost_usd: roundUsd(r.cost_usd),
        unpriced_count: r.unpriced_calls,
        total_tokens: r.total_tokens,
        models: r.models,
      })),
    };
  }

  /** The page ranked on day rows, then its groups' exact totals in the window. */
  private async groups(kind: GroupKind, search: GroupSearch): Promise<{ rows: Totals[]; nextCursor: GroupCursor | null }> {
    const params: Record<string, unknown> = { tenant: search.tenantId, kind, from_day: dayString(search.since.getTime()) };
    const where = ['tenant_id = {tenant:String}', 'kind = {kind:String}', 'day >= {from_day:Date}'];
    if (search.until) {
      where.push('day <= {to_day:Date}');
      params.to_day = dayString(search.until.getTime());
    }
    if (search.search !== undefined) {
      where.push('positionCaseInsensitiveUTF8(key, {search:String}) > 0');
      params.search = search.search;
    }
    // group-level conditions: a group matches when one of its traces does
    const having = ['sum(traces) > 0'];
    if (search.userId !== undefined) {
      // any of the session's users (migration 027)
      having.push('has(groupUniqArrayArray(users), {user_id:String})');
      params.user_id = search.userId;
    }
    if (search.model !== undefined) {
      having.push('has(groupUniqArrayArray(models), {model:String})');
      params.model = search.model;
    }
    if (search.service !== undefined) {
      having.push('has(groupUniqArrayArray(services), {service:String})');
      params.service = search.service;
    }
    if (search.errorsOnly) having.push('sum(error_traces) > 0');
    const sort = SORT[search.sort];
    const dir = search.order === 'asc' ? 'ASC' : 'DESC';
    if (search.cursor) {
      having.push(`(sort_value, key) ${search.order === 'asc' ? '>' : '<'} (${sort.param}, {c_key:String})`);
      Object.assign(params, { c_value: search.cursor.value, c_key: search.cursor.key });
    }
    const page = await queryRows<{ key: string; sort_value: string | number }>(this.client, {
      query: `SELECT key, ${sort.value} AS sort_value FROM trace_groups_daily
              WHERE ${where.join(' AND ')}
              GROUP BY key
              HAVING ${having.join(' AND ')}
              ORDER BY sort_value ${dir}, key ${dir}
              LIMIT {limit:UInt32}`,
      query_params: { ...params, limit: search.limit + 1 },
    });
    const shown = page.slice(0, search.limit);
    const totals = await this.totals(kind, search, shown.map((p) => p.key));
    const last = shown[shown.length - 1];
    return {
      rows: shown.flatMap((p) => {
        const row = totals.get(p.key);
        return row && row.traces > 0 ? [row] : [];
      }),
      nextCursor: page.length > search.limit && last ? { sort: search.sort, order: search.order, value: Number(last.sort_value), key: last.key } : null,
    };
  }

  /** Exact totals of these groups in the window: whole days from day rows, the ends from traces. */
  private async totals(kind: GroupKind, search: GroupSearch, keys: string[]): Promise<Map<string, Totals>> {
    const found = new Map<string, Totals>();
    if (keys.length === 0) return found;
    const { days, exact } = splitWindow(search.since, search.until);
    const parts = await Promise.all([days ? this.dayTotals(kind, search.tenantId, keys, days) : [], this.traceTotals(kind, search.tenantId, keys, exact)]);
    for (const row of parts.flat()) found.set(row.key, addTotals(found.get(row.key), row));
    return found;
  }

  private async dayTotals(kind: GroupKind, tenantId: string, keys: string[], days: { from: string; to: string | null }): Promise<Totals[]> {
    const rows = await queryRows<RawTotals>(this.client, {
      query: `SELECT key, max(user_id) AS user_id, toUnixTimestamp64Micro(min(first_time)) AS first_us, toUnixTimestamp64Micro(max(last_time)) AS last_us,
                     sum(traces) AS traces, sum(error_traces) AS error_traces, sum(cost_usd) AS cost_usd, sum(unpriced_calls) AS unpriced_calls,
                     sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, sum(total_tokens) AS total_tokens,
                     groupUniqArrayArray(models) AS models, groupUniqArrayArray(sessions) AS sessions, groupUniqArrayArray(users) AS users
              FROM trace_groups_daily
              WHERE tenant_id = {tenant:String} AND kind = {kind:String} AND key IN {keys:Array(String)}
                AND day >= {from_day:Date} ${days.to ? 'AND day <= {to_day:Date}' : ''}
              GROUP BY key
              HAVING traces > 0`,
      query_params: { tenant: tenantId, kind, keys, from_day: days.from, to_day: days.to },
    });
    return rows.map(totalsOf);
  }

  /**
   * Totals over the newest version of the groups' traces that started in these ranges (at
   * most a day at each end of the window), read from the time projection in those ranges:
   * the cost follows the ranges, not how many traces each group has.
   */
  private async traceTotals(kind: GroupKind, tenantId: string, keys: string[], ranges: Array<[number, number]>): Promise<Totals[]> {
    if (ranges.length === 0) return [];
    const key = KEY[kind];
    const params: Record<string, unknown> = { tenant: tenantId, keys };
    ranges.forEach(([from, to], i) => Object.assign(params, { [`from_${i}`]: from, [`to_${i}`]: to }));
    const inRanges = ranges.map((_, i) => `(start_time >= fromUnixTimestamp64Micro({from_${i}:Int64}) AND start_time < fromUnixTimestamp64Micro({to_${i}:Int64}))`);
    const rows = await queryRows<RawTotals>(this.client, {
      query: `SELECT t_key AS key, argMax(t_user, t_start) AS user_id, min(t_start) AS first_us, max(t_end) AS last_us,
                     count() AS traces, countIf(t_errors > 0) AS error_traces, sum(t_cost) AS cost_usd, sum(t_unpriced) AS unpriced_calls,
                     sum(t_input) AS input_tokens, sum(t_output) AS output_tokens, sum(t_tokens) AS total_tokens,
                     arrayDistinct(arrayFlatten(groupArray(t_models))) AS models, groupUniqArrayIf(t_session, t_session != '') AS sessions,
                     groupUniqArrayIf(t_user, t_user != '') AS users
              FROM (
                -- the newest version of each trace
                SELECT trace_id, argMax(${key}, version) AS t_key, argMax(session_id, version) AS t_session, argMax(user_id, version) AS t_user,
                       toUnixTimestamp64Micro(argMax(start_time, version)) AS t_start, toUnixTimestamp64Micro(argMax(end_time, version)) AS t_end,
                       argMax(error_count, version) AS t_errors, argMax(ifNull(cost_usd, 0), version) AS t_cost, argMax(unpriced_count, version) AS t_unpriced,
                       argMax(input_tokens, version) AS t_input, argMax(output_tokens, version) AS t_output,
                       argMax(total_tokens, version) AS t_tokens, argMax(models, version) AS t_models
                FROM traces
                WHERE tenant_id = {tenant:String} AND ${key} IN {keys:Array(String)} AND (${inRanges.join(' OR ')})
                GROUP BY trace_id
              )
              GROUP BY key`,
      query_params: params,
      clickhouse_settings: TRACE_LIST_SETTINGS,
    });
    return rows.map(totalsOf);
  }
}
