// Several collectors on one ClickHouse server (migration 030). A trace's row is folded from
// the row its writer read, and one process's writes run one after another (span-store.ts);
// two collectors folding spans of one trace at the same moment start from the same row, the
// newer version wins, and the other's spans are missing from the trace's list row while both
// wrote their change of the session's and user's day totals. Each collector beats a heartbeat
// into store_writers; while others beat too, and for two heartbeat lifetimes after the last
// other one went quiet, the oldest writer (one sweeper, so no correction is applied twice)
// sweeps the trace rows written lately: a trace whose newest
// row does not count every stored span is rolled up again from its spans, and the day totals
// of its session and user are set to what the stored trace rows add up to. A store with one
// writer never sweeps.
import type { ClickHouseClient } from '@clickhouse/client';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { BACKGROUND, insertRows, queryRows } from './query.ts';
import { correctTraceGroups, dayOf } from './trace-groups.ts';

/** A writer whose heartbeat is older than this no longer counts. */
export const WRITER_TTL_S = 60;

/** The traces a sweep rolled up again, and the sessions and users whose day totals it checked. */
export interface SweepResult {
  rebuilt: number;
  groupsChecked: number;
}

/** A writer's place in store_writers: its heartbeat, and who else writes the store. */
export class WriterHeartbeat {
  readonly id = `${Date.now().toString(36)}-${randomUUID()}`;
  private readonly started = Date.now();

  constructor(private readonly client: ClickHouseClient) {}

  /** `stopped`: the last beat, as the store closes. */
  async beat(stopped = false): Promise<void> {
    await insertRows(this.client, 'store_writers', ['writer_id', 'host', 'pid', 'started', 'seen', 'stopped'], [[this.id, hostname(), process.pid, this.started, Date.now(), stopped ? 1 : 0]]);
  }

  /** The ids of the writers beating lately, this one's among them, oldest first (ids start with their start time). */
  async active(): Promise<string[]> {
    const rows = await queryRows<{ writer_id: string }>(this.client, {
      query: `SELECT writer_id FROM store_writers FINAL WHERE seen > now64(3) - toIntervalSecond({ttl:UInt32}) AND stopped = 0 ORDER BY writer_id`,
      query_params: { ttl: WRITER_TTL_S },
    });
    return rows.map((r) => r.writer_id);
  }
}

/** The traces whose newest row, among rows written in the window, counts fewer or more spans than are stored. */
const MISCOUNTED = `
  WITH written AS (SELECT DISTINCT tenant_id, trace_id FROM traces WHERE version >= {from:UInt64} AND version < {to:UInt64})
  SELECT tenant_id, trace_id, toString(newest) AS newest
  FROM (
    SELECT tenant_id, trace_id, argMax(span_count, version) AS counted, max(version) AS newest
    FROM traces WHERE (tenant_id, trace_id) IN written GROUP BY tenant_id, trace_id
  ) AS t
  LEFT JOIN (
    SELECT tenant_id, trace_id, uniqExact(span_id) AS stored
    FROM spans WHERE (tenant_id, trace_id) IN written GROUP BY tenant_id, trace_id
  ) AS s USING (tenant_id, trace_id)
  WHERE counted != stored`;

/** A trace rolled up again, as far as its day totals go. */
export interface RebuiltTrace {
  tenant_id: string;
  session_id: string;
  user_id: string;
  start_time_us: number;
}

export class RollupSweep {
  /** Group-days corrected by the sweep before: checked once more, after writes in flight then have landed. */
  private recheck: RebuiltTrace[] = [];

  constructor(
    private readonly client: ClickHouseClient,
    /** Rolls these traces up again from their spans at a version above `newest`; returns what it wrote. */
    private readonly rebuild: (tenantId: string, traceIds: string[], newest: number) => Promise<RebuiltTrace[]>,
  ) {}

  /** Checks the traces whose rows were written in [fromUs, toUs) (row versions are microseconds). */
  async sweep(fromUs: number, toUs: number): Promise<SweepResult> {
    const miscounted = await queryRows<{ tenant_id: string; trace_id: string; newest: string }>(this.client, {
      query: MISCOUNTED,
      query_params: { from: Math.floor(fromUs), to: Math.floor(toUs) },
      clickhouse_settings: BACKGROUND,
    });
    const byTenant = new Map<string, { ids: string[]; newest: number }>();
    for (const row of miscounted) {
      const entry = byTenant.get(row.tenant_id) ?? { ids: [], newest: 0 };
      entry.ids.push(row.trace_id);
      entry.newest = Math.max(entry.newest, Number(row.newest));
      byTenant.set(row.tenant_id, entry);
    }
    const rebuilt: RebuiltTrace[] = [];
    for (const [tenantId, { ids, newest }] of byTenant) rebuilt.push(...(await this.rebuild(tenantId, ids, newest)));
    const groupsChecked = await this.correctGroups([...rebuilt, ...this.recheck]);
    this.recheck = rebuilt;
    return { rebuilt: rebuilt.length, groupsChecked };
  }

  /** Sets the day totals of these traces' sessions and users to what their stored trace rows add up to. */
  private async correctGroups(traces: RebuiltTrace[]): Promise<number> {
    let checked = 0;
    const byTenant = new Map<string, RebuiltTrace[]>();
    for (const t of traces) {
      const ofTenant = byTenant.get(t.tenant_id) ?? [];
      ofTenant.push(t);
      byTenant.set(t.tenant_id, ofTenant);
    }
    for (const [tenantId, ofTenant] of byTenant) {
      const days = [...new Set(ofTenant.map((t) => dayOf(t.start_time_us)))];
      for (const kind of ['session', 'user'] as const) {
        const keys = [...new Set(ofTenant.map((t) => (kind === 'session' ? t.session_id : t.user_id)).filter(Boolean))];
        if (keys.length === 0) continue;
        await correctTraceGroups(this.client, tenantId, kind, keys, days);
        checked += keys.length;
      }
    }
    return checked;
  }
}
