// trace_groups_daily (migration 018): per day, the totals of each session and each user,
// kept as the change every trace version brings, so the sessions and users views read
// ~7 rows per group for a week instead of every trace of it (sessions.ts reads them).
import type { ClickHouseClient } from '@clickhouse/client';
import type { TraceRollup } from '@spanhouse/model';
import { BACKGROUND, insertRows } from './query.ts';

export type GroupKind = 'session' | 'user';

/** A trace version replacing the one stored before it (null: the trace is new). */
export interface TraceChange {
  rollup: TraceRollup;
  previous: TraceRollup | null;
}

export const TRACE_GROUP_COLUMNS = [
  'tenant_id', 'kind', 'day', 'key', 'retention_days', 'user_id', 'first_time', 'last_time', 'traces', 'error_traces',
  'cost_usd', 'unpriced_calls', 'input_tokens', 'output_tokens', 'total_tokens', 'models', 'services', 'sessions', 'users',
] as const;

/** Neutral times for rows that only take values out (min and max ignore them). */
const NO_FIRST = '2299-12-31 00:00:00';
const NO_LAST = '1970-01-01 00:00:00';

interface GroupDelta {
  tenant_id: string;
  kind: GroupKind;
  day: string;
  key: string;
  retention_days: number | null;
  user_id: string;
  first_us: number | null;
  last_us: number | null;
  sums: [traces: number, errorTraces: number, cost: number, unpriced: number, input: number, output: number, total: number];
  models: string[];
  services: string[];
  sessions: string[];
  users: string[];
}

/** The UTC day a trace belongs to: the day it started. */
export const dayOf = (us: number) => new Date(Math.floor(us / 1000)).toISOString().slice(0, 10);

/** What one trace version adds to its session's and its user's day (sign -1 takes it out). */
function contributions(r: TraceRollup, sign: 1 | -1): GroupDelta[] {
  const added = sign > 0;
  // built field by field: object spreads here cost more than the rest of a batch's grouping
  const delta = (kind: GroupKind, key: string, userId: string, sessions: string[], users: string[]): GroupDelta => ({
    tenant_id: r.tenant_id,
    kind,
    day: dayOf(r.start_time_us),
    key,
    retention_days: r.retention_days ?? null,
    user_id: userId,
    first_us: added ? r.start_time_us : null,
    last_us: added ? r.end_time_us : null,
    sums: [sign, r.error_count > 0 ? sign : 0, sign * (r.cost_usd ?? 0), sign * r.unpriced_count, sign * r.input_tokens, sign * r.output_tokens, sign * r.total_tokens],
    models: added ? r.models : [],
    services: added ? r.services : [],
    sessions,
    users,
  });
  const rows: GroupDelta[] = [];
  if (r.session_id) rows.push(delta('session', r.session_id, added ? r.user_id : '', [], added && r.user_id ? [r.user_id] : []));
  if (r.user_id) rows.push(delta('user', r.user_id, '', added && r.session_id ? [r.session_id] : [], []));
  return rows;
}

/** A group's netted change while a batch is added up (sets, so merging stays linear). */
interface GroupSum extends Omit<GroupDelta, 'models' | 'services' | 'sessions' | 'users'> {
  models: Set<string>;
  services: Set<string>;
  sessions: Set<string>;
  users: Set<string>;
}

/**
 * The trace_groups_daily rows of a batch of trace versions: each version's totals minus
 * those of the version it replaces, netted per day and group. Pure, so the rows of a
 * retried batch are the same rows (and insert deduplication drops them).
 */
export function traceGroupRows(changes: TraceChange[]): unknown[][] {
  const byKey = new Map<string, GroupSum>();
  const add = (delta: GroupDelta) => {
    // unambiguous: of these only the key may hold a NUL, and the fields around it cannot
    const id = `${delta.tenant_id}\0${delta.kind}\0${delta.day}\0${delta.key}\0${delta.retention_days}`;
    const seen = byKey.get(id);
    if (!seen) {
      const { models, services, sessions, users, ...rest } = delta;
      byKey.set(id, Object.assign(rest, { models: new Set(models), services: new Set(services), sessions: new Set(sessions), users: new Set(users) }));
      return;
    }
    for (let i = 0; i < seen.sums.length; i++) seen.sums[i] += delta.sums[i];
    if (delta.user_id > seen.user_id) seen.user_id = delta.user_id;
    if (delta.first_us !== null) seen.first_us = seen.first_us === null ? delta.first_us : Math.min(seen.first_us, delta.first_us);
    if (delta.last_us !== null) seen.last_us = seen.last_us === null ? delta.last_us : Math.max(seen.last_us, delta.last_us);
    for (const v of delta.models) seen.models.add(v);
    for (const v of delta.services) seen.services.add(v);
    for (const v of delta.sessions) seen.sessions.add(v);
    for (const v of delta.users) seen.users.add(v);
  };
  for (const { rollup, previous } of changes) {
    if (previous) contributions(previous, -1).forEach(add);
    contributions(rollup, 1).forEach(add);
  }
  return [...byKey.values()].map((d) => [
    d.tenant_id, d.kind, d.day, d.key, d.retention_days, d.user_id,
    d.first_us ?? NO_FIRST, d.last_us ?? NO_LAST, ...d.sums, [...d.models], [...d.services], [...d.sessions], [...d.users],
  ]);
}

export async function writeTraceGroups(client: ClickHouseClient, changes: TraceChange[]): Promise<void> {
  await insertRows(client, 'trace_groups_daily', TRACE_GROUP_COLUMNS, traceGroupRows(changes));
}

/** A group-day's sums over its trace rows, in TRACE_GROUP_COLUMNS' order (traces … total_tokens). */
const SUM_COLUMNS = ['traces', 'error_traces', 'cost_usd', 'unpriced_calls', 'input_tokens', 'output_tokens', 'total_tokens'] as const;
const TRACE_SUMS = `toInt64(count()) AS traces, toInt64(countIf(error_count > 0)) AS error_traces, sum(ifNull(cost_usd, 0)) AS cost_usd,
                   toInt64(sum(unpriced_count)) AS unpriced_calls, toInt64(sum(input_tokens)) AS input_tokens,
                   toInt64(sum(output_tokens)) AS output_tokens, toInt64(sum(total_tokens)) AS total_tokens`;

/** One kind's rows from the newest version of every stored trace. */
const BACKFILL: Record<GroupKind, string> = {
  session: `SELECT tenant_id, 'session', toDate(start_time) AS day, session_id, retention_days, max(user_id), min(start_time), max(end_time),
                   ${TRACE_SUMS},
                   groupUniqArrayArray(CAST(models, 'Array(String)')), groupUniqArrayArray(CAST(services, 'Array(String)')), [],
                   groupUniqArrayIf(user_id, user_id != '')
            FROM traces FINAL WHERE session_id != ''
            GROUP BY tenant_id, day, session_id, retention_days`,
  user: `SELECT tenant_id, 'user', toDate(start_time) AS day, user_id, retention_days, '', min(start_time), max(end_time),
                ${TRACE_SUMS},
                groupUniqArrayArray(CAST(models, 'Array(String)')), groupUniqArrayArray(CAST(services, 'Array(String)')),
                groupUniqArrayIf(session_id, session_id != ''), []
         FROM traces FINAL WHERE user_id != ''
         GROUP BY tenant_id, day, user_id, retention_days`,
};

/**
 * Fills trace_groups_daily from the stored traces (after the migration, or after traces
 * were written around the store, as the scale benchmark's growth does). Starts from
 * empty, so a run cut short can simply run again.
 */
export async function backfillTraceGroups(client: ClickHouseClient): Promise<void> {
  await client.command({ query: 'TRUNCATE TABLE trace_groups_daily' });
  for (const select of Object.values(BACKFILL)) {
    await client.command({
      query: `INSERT INTO trace_groups_daily (${TRACE_GROUP_COLUMNS.join(', ')}) ${select}`,
      // rows from one statement are not a retried batch
      clickhouse_settings: { ...BACKGROUND, insert_deduplicate: 0 },
    });
  }
}

/**
 * The rows that set these groups' day totals (keys of a kind, on these days) to what the stored
 * trace rows add up to: the trace rows' sums (as BACKFILL makes them) minus what the table holds.
 * Sets and times only grow with the versions written, so they are left as they are.
 */
function correctionSql(kind: GroupKind): string {
  const keyColumn = kind === 'session' ? 'session_id' : 'user_id';
  const differs = SUM_COLUMNS.map((s) => (s === 'cost_usd' ? `abs(t.${s} - g.${s}) > 1e-9` : `t.${s} != g.${s}`)).join(' OR ');
  return `
    INSERT INTO trace_groups_daily (${TRACE_GROUP_COLUMNS.join(', ')})
    SELECT tenant_id, '${kind}', day, key, retention_days, '', '${NO_FIRST}', '${NO_LAST}',
           ${SUM_COLUMNS.map((s) => `t.${s} - g.${s}`).join(', ')}, [], [], [], []
    FROM (
      SELECT tenant_id, toDate(start_time) AS day, ${keyColumn} AS key, retention_days, ${TRACE_SUMS}
      FROM traces FINAL
      WHERE tenant_id = {tenant:String} AND ${keyColumn} IN {keys:Array(String)} AND toDate(start_time) IN {days:Array(Date)}
      GROUP BY tenant_id, day, key, retention_days
    ) AS t
    FULL OUTER JOIN (
      SELECT tenant_id, day, key, retention_days, ${SUM_COLUMNS.map((s) => `sum(${s}) AS ${s}`).join(', ')}
      FROM trace_groups_daily
      WHERE tenant_id = {tenant:String} AND kind = '${kind}' AND key IN {keys:Array(String)} AND day IN {days:Array(Date)}
      GROUP BY tenant_id, day, key, retention_days
    ) AS g USING (tenant_id, day, key, retention_days)
    WHERE ${differs}`;
}

/** Sets the day totals of a tenant's groups of `kind` (keys) on these days to what its stored trace rows add up to. */
export async function correctTraceGroups(client: ClickHouseClient, tenantId: string, kind: GroupKind, keys: string[], days: string[]): Promise<void> {
  await client.command({
    query: correctionSql(kind),
    query_params: { tenant: tenantId, keys, days },
    // a correction equal to one written before is still a correction
    clickhouse_settings: { ...BACKGROUND, insert_deduplicate: 0 },
  });
}
