// OTLP log records bound to a span (`span_logs`): stored as they come, and looked up for
// spans so the pipeline can join them whichever arrives first.
import type { ClickHouseClient } from '@clickhouse/client';
import type { SpanLog } from '@spanhouse/model';
import { INSERT, queryRows } from './query.ts';
import { groupByTrace } from './traces.ts';

const HOUR_US = 3_600_000_000;
/** Trace ids per lookup query. */
const TRACE_CHUNK = 2000;
/** How often a store that has seen no span logs looks again (another collector may receive them). */
const LOGS_RECHECK_MS = 30_000;

interface SpanLogRow {
  tenant_id: string;
  trace_id: string;
  span_id: string;
  time_us: number | string;
  seq: number | string;
  event_name: string;
  body: string;
  attributes: string;
}

function parseJson(text: string, fallback: unknown): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fallback;
  }
}

export class SpanLogStore {
  private seen: { value: boolean; checkedAt: number } = { value: false, checkedAt: 0 };
  private checking: Promise<boolean> | null = null;

  constructor(private readonly client: ClickHouseClient) {}

  async insert(logs: SpanLog[]): Promise<void> {
    if (logs.length === 0) return;
    await this.client.insert({
      table: 'span_logs',
      values: logs.map((log) => ({
        tenant_id: log.tenant_id,
        trace_id: log.trace_id,
        span_id: log.span_id,
        time: log.time_us,
        seq: log.seq ?? 0,
        event_name: log.event_name,
        body: JSON.stringify(log.body ?? null),
        attributes: JSON.stringify(log.attributes),
        ...(log.retention_days !== undefined ? { retention_days: log.retention_days } : {}),
        ...(log.content_retention_days !== undefined ? { content_retention_days: log.content_retention_days } : {}),
      })),
      format: 'JSONEachRow',
      clickhouse_settings: INSERT,
    });
    this.seen = { value: true, checkedAt: Date.now() };
  }

  /**
   * Logs stored for these spans. Skipped while the store has never seen a span log (most
   * workloads send none), re-checked every LOGS_RECHECK_MS for collectors that share a
   * ClickHouse server with one that receives logs.
   */
  async forSpans(spans: Array<{ tenant_id: string; trace_id: string; span_id: string; start_time_us: number; end_time_us: number }>): Promise<SpanLog[]> {
    if (spans.length === 0 || !(await this.mayHaveLogs())) return [];
    const logs: SpanLog[] = [];
    for (const [tenantId, traces] of groupByTrace(spans)) {
      const mine = [...traces.values()].flat();
      // Logs are written during their span: look in its time range (the key starts with the hour).
      const from = Math.min(...mine.map((s) => s.start_time_us)) - HOUR_US;
      const to = Math.max(...mine.map((s) => s.end_time_us)) + HOUR_US;
      const traceIds = [...traces.keys()];
      for (let i = 0; i < traceIds.length; i += TRACE_CHUNK) {
        const rows = await queryRows<SpanLogRow>(this.client, {
          query: `SELECT tenant_id, trace_id, span_id, toUnixTimestamp64Micro(time) AS time_us, seq, event_name, body, attributes
                  FROM span_logs
                  WHERE tenant_id = {tenant:String} AND trace_id IN {traces:Array(String)}
                    AND time BETWEEN fromUnixTimestamp64Micro({from:Int64}) AND fromUnixTimestamp64Micro({to:Int64})
                  ORDER BY time, seq`,
          query_params: { tenant: tenantId, traces: traceIds.slice(i, i + TRACE_CHUNK), from, to },
        });
        for (const row of rows) {
          logs.push({
            tenant_id: row.tenant_id,
            trace_id: row.trace_id,
            span_id: row.span_id,
            time_us: Number(row.time_us),
            seq: Number(row.seq),
            event_name: row.event_name,
            body: parseJson(row.body, null) as SpanLog['body'],
            attributes: parseJson(row.attributes, {}) as SpanLog['attributes'],
          });
        }
      }
    }
    const wanted = new Set(spans.map((s) => `${s.tenant_id}/${s.trace_id}/${s.span_id}`));
    return logs.filter((l) => wanted.has(`${l.tenant_id}/${l.trace_id}/${l.span_id}`));
  }

  /**
   * One check at a time: the requests that arrive while it runs share it (at start-up, eight
   * requests in flight each ran their own, and queued ~1.6 s of reads behind one another).
   */
  private mayHaveLogs(): Promise<boolean> {
    if (this.seen.value || Date.now() - this.seen.checkedAt < LOGS_RECHECK_MS) return Promise.resolve(this.seen.value);
    this.checking ??= queryRows<{ any: number | boolean }>(this.client, { query: 'SELECT count() > 0 AS any FROM span_logs' })
      .then(([row]) => {
        // logs this process stored while the check ran count too
        this.seen = { value: this.seen.value || Boolean(Number(row?.any ?? 0)), checkedAt: Date.now() };
        return this.seen.value;
      })
      .finally(() => {
        this.checking = null;
      });
    return this.checking;
  }
}
