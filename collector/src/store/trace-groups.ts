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
const dayOf = (us: number) => new Date(Math.floor(us / 1000)).toISOString().slice(0, 10);

/** What one trace version adds to its session's and its user's day (sign -1 takes it out). */
function contributions(r: TraceRollup, sign: 1 | -1): GroupDelta[] {
  const sums: GroupDelta['sums'] = [1, r.error_count > 0 ? 1 : 0, r.cost_usd ?? 0, r.unpriced_count, r.input_tokens, r.output_tokens, r.total_tokens].map(
    (v) => sign * v,
  ) as GroupDelta['sums'];
  const base = { tenant_id: r.tenant_id, day: dayOf(r.start_time_us), retention_days: r.retention_days ?? null, sums };
  const added = sign > 0;
  const shown = {
    first_us: added ? r.start_time_us : null,
    last_us: added ? r.end_time_us : null,
    models: added ? r.models : [],
    services: added ? r.services : [],
  };
  const rows: GroupDelta[] = [];
  if (r.session_id) {
    rows.push({ ...base, ...shown, kind: 'session', key: r.session_id, user_id: added ? r.user_id : '', sessions: [], users: added && r.user_id ? [r.user_id] : [] });
  }
  if (r.user_id) rows.push({ ...base, ...shown, kind: 'user', key: r.user_id, user_id: '', sessions: added && r.session_id ? [r.session_id] : [], users: [] });
  return rows;
}

/**
 * The trace_groups_daily rows of a batch of trace versions: each version's totals minus
 * those of the version it replaces, netted per day and group. Pure, so the rows of a
 * retried batch are the same rows (and insert deduplication drops them).
 */
export function traceGroupRows(changes: TraceChange[]): unknown[][] {
  const byKey = new Map<string, GroupDelta>();
  const add = (delta: GroupDelta) => {
    const id = JSON.stringify([delta.tenant_id, delta.kind, delta.day, delta.key, delta.retention_days]);
    const seen = byKey.get(id);
    if (!seen) return void byKey.set(id, delta);
    seen.sums = seen.sums.map((v, i) => v + delta.sums[i]) as GroupDelta['sums'];
    seen.user_id = seen.user_id > delta.user_id ? seen.user_id : delta.user_id;
    if (delta.first_us !== null) seen.first_us = seen.first_us === null ? delta.first_us : Math.min(seen.first_us, delta.first_us);
    if (delta.last_us !== null) seen.last_us = seen.last_us === null ? delta.last_us : Math.max(seen.last_us, delta.last_us);
    seen.models = [...new Set([...seen.models, ...delta.models])];
    seen.services = [...new Set([...seen.services, ...delta.services])];
    seen.sessions = [...new Set([...seen.sessions, ...delta.sessions])];
    seen.users = [...new Set([...seen.users, ...delta.users])];
  };
  for (const { rollup, previous } of changes) {
    if (previous) contributions(previous, -1).forEach(add);
    contributions(rollup, 1).forEach(add);
  }
  return [...byKey.values()].map((d) => [
    d.tenant_id, d.kind, d.day, d.key, d.retention_days, d.user_id,
    d.first_us ?? NO_FIRST, d.last_us ?? NO_LAST, ...d.sums, d.models, d.services, d.sessions, d.users,
  ]);
}

export async function writeTraceGroups(client: ClickHouseClient, changes: TraceChange[]): Promise<void> {
  await insertRows(client, 'trace_groups_daily', TRACE_GROUP_COLUMNS, traceGroupRows(changes));
}

/** One kind's rows from the newest version of every stored trace. */
const BACKFILL: Record<GroupKind, string> = {
  session: `SELECT tenant_id, 'session', toDate(start_time) AS day, session_id, retention_days, max(user_id), min(start_time), max(end_time),
                   count(), countIf(error_count > 0), sum(ifNull(cost_usd, 0)), sum(unpriced_count), sum(input_tokens), sum(output_tokens), sum(total_tokens),
                   groupUniqArrayArray(CAST(models, 'Array(String)')), groupUniqArrayArray(CAST(services, 'Array(String)')), [],
                   groupUniqArrayIf(user_id, user_id != '')
            FROM traces FINAL WHERE session_id != ''
            GROUP BY tenant_id, day, session_id, retention_days`,
  user: `SELECT tenant_id, 'user', toDate(start_time) AS day, user_id, retention_days, '', min(start_time), max(end_time),
                count(), countIf(error_count > 0), sum(ifNull(cost_usd, 0)), sum(unpriced_count), sum(input_tokens), sum(output_tokens), sum(total_tokens),
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
