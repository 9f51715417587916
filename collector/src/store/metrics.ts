// GET /api/metrics: counts, errors, cost, tokens and latency percentiles per time
// bucket and group, over the newest version of every matching span.
import type { ClickHouseClient } from '@clickhouse/client';
import { exists, isoTime } from './query.ts';
import { newestVersionsOnly, revisionsIn, spanConditions, type SpanFilter } from './span-filters.ts';

export type Bucket = 'minute' | 'hour' | 'day';
export const BUCKET_SECONDS: Record<Bucket, number> = { minute: 60, hour: 3600, day: 86_400 };
const BUCKET_START: Record<Bucket, string> = {
  minute: 'toStartOfMinute(start_time)',
  hour: 'toStartOfHour(start_time)',
  day: 'toStartOfDay(start_time)',
};

/** Columns a metric can be grouped by (plus `metadata.<key>`). */
export const GROUP_COLUMNS = {
  model: 'model',
  provider: 'provider',
  service: 'service_name',
  routing_alias: 'routing_alias',
  cluster: "ifNull(cluster_id, '')",
  type: 'type',
  status: 'status',
  name: 'name',
  user_id: 'user_id',
  session_id: 'session_id',
} as const;
export type GroupColumn = keyof typeof GROUP_COLUMNS;

export interface MetricsQuery extends SpanFilter {
  bucket: Bucket;
  groupBy?: { column: GroupColumn } | { metadataKey: string };
}

export interface MetricPoint {
  bucket: string;
  group: string;
  count: number;
  error_count: number;
  error_rate: number;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
  p50_latency_ms: number;
  p90_latency_ms: number;
  p99_latency_ms: number;
}

/** Most rows one metrics answer may hold (buckets × groups). */
export const MAX_METRIC_ROWS = 20_000;

interface MetricRow {
  bucket: string;
  group: string;
  count: string | number;
  error_count: string | number;
  sum_cost_usd: number;
  sum_input_tokens: string | number;
  sum_output_tokens: string | number;
  latency: number[];
}

export class MetricsStore {
  constructor(private readonly client: ClickHouseClient) {}

  async query(q: MetricsQuery): Promise<MetricPoint[]> {
    const { where, params } = spanConditions(q);
    let group = "''";
    if (q.groupBy && 'column' in q.groupBy) group = GROUP_COLUMNS[q.groupBy.column];
    else if (q.groupBy) {
      group = 'metadata[{group_key:String}]';
      params.group_key = q.groupBy.metadataKey;
    }
    // A span revised after the fact counts once, with its newest values.
    if (await exists(this.client, revisionsIn(q))) {
      const newest = newestVersionsOnly(q, 'rv');
      where.push(...newest.where);
      Object.assign(params, newest.params);
    }
    const result = await this.client.query({
      query: `SELECT ${BUCKET_START[q.bucket]} AS bucket, ${group} AS group,
                     count() AS count,
                     countIf(status != 'success') AS error_count,
                     -- aliases unlike the columns: WHERE filters on cost and tokens read the columns
                     sum(ifNull(cost_usd, 0)) AS sum_cost_usd,
                     sum(input_tokens) AS sum_input_tokens,
                     sum(output_tokens) AS sum_output_tokens,
                     quantiles(0.5, 0.9, 0.99)(latency_ms) AS latency
              FROM spans
              WHERE ${where.join(' AND ')}
              GROUP BY bucket, group
              ORDER BY bucket, group
              LIMIT {max_rows:UInt32}`,
      query_params: { ...params, max_rows: MAX_METRIC_ROWS },
      format: 'JSONEachRow',
    });
    return (await result.json<MetricRow>()).map((row) => {
      const count = Number(row.count);
      const errors = Number(row.error_count);
      return {
        bucket: new Date(isoTime(row.bucket)).toISOString(),
        group: row.group,
        count,
        error_count: errors,
        error_rate: count === 0 ? 0 : errors / count,
        cost_usd: Number(row.sum_cost_usd),
        input_tokens: Number(row.sum_input_tokens),
        output_tokens: Number(row.sum_output_tokens),
        p50_latency_ms: Number(row.latency[0] ?? 0),
        p90_latency_ms: Number(row.latency[1] ?? 0),
        p99_latency_ms: Number(row.latency[2] ?? 0),
      };
    });
  }
}
