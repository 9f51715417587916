// `otel_metrics` (migration 013): the GenAI OTLP metrics, one row per data point as it
// came, and their sums per time bucket. Cumulative points (the OTel SDKs' default) are
// turned into increases per series at read time, so several collectors and restarts
// need no state: a point's increase is its value minus the previous point of its series
// (the whole value for a series' first point, or after a reset).
import type { ClickHouseClient } from '@clickhouse/client';
import type { OtelMetricRow } from '../receivers/otlp-metrics.ts';
import { BUCKET_SECONDS, type TimeBucket } from './metrics.ts';
import { INSERT, isoTime, queryRows } from './query.ts';
import type { OtelMetricPoint } from '@spanhouse/model';
export type { OtelMetricPoint };

/** Columns the sums can be grouped by. */
export const OTEL_METRIC_GROUPS = {
  model: 'model',
  provider: 'provider',
  operation: 'operation',
  token_type: 'token_type',
  service: 'service_name',
} as const;
export type OtelMetricGroup = keyof typeof OTEL_METRIC_GROUPS;

export interface OtelMetricsQuery {
  tenantId: string;
  since: Date;
  until: Date;
  bucket: TimeBucket;
  name?: string;
  groupBy?: OtelMetricGroup;
}

/** Most rows one answer may hold (buckets × names × groups). */
export const MAX_OTEL_METRIC_ROWS = 20_000;
/** How far before `since` a cumulative series' previous point is looked for. */
const LOOKBACK_SECONDS = 3600;

interface Row extends Omit<OtelMetricPoint, 'count' | 'bucket_counts' | 'explicit_bounds'> {
  count: string | number;
  buckets: Array<string | number>;
  bounds: number[];
}

export class OtelMetricsStore {
  constructor(private readonly client: ClickHouseClient) {}

  async insert(rows: OtelMetricRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.client.insert({ table: 'otel_metrics', values: rows, format: 'JSONEachRow', clickhouse_settings: INSERT });
  }

  async query(q: OtelMetricsQuery): Promise<OtelMetricPoint[]> {
    const group = q.groupBy ? OTEL_METRIC_GROUPS[q.groupBy] : "''";
    const params: Record<string, unknown> = {
      tenant: q.tenantId,
      since: q.since.getTime() / 1000,
      scan_since: q.since.getTime() / 1000 - LOOKBACK_SECONDS,
      until: q.until.getTime() / 1000,
      bucket_seconds: BUCKET_SECONDS[q.bucket],
      limit: MAX_OTEL_METRIC_ROWS,
    };
    const nameCondition = q.name === undefined ? '' : 'AND name = {name:String}';
    if (q.name !== undefined) params.name = q.name;
    const rows = await queryRows<Row>(this.client, {
      query: `
        SELECT
          toStartOfInterval(time, INTERVAL {bucket_seconds:UInt32} SECOND) AS bucket,
          name, any(unit) AS unit, any(type) AS type, grp AS group,
          sum(d_count) AS count, sum(d_sum) AS sum, min(p_min) AS min, max(p_max) AS max,
          uniqExact(explicit_bounds) = 1 AS same_bounds,
          if(same_bounds, sumForEach(d_buckets), []) AS buckets,
          if(same_bounds, any(explicit_bounds), []) AS bounds
        FROM (
          SELECT time, name, unit, type, grp, explicit_bounds,
            -- an increase over the previous point of a cumulative series, unless it was reset
            temporality = 2 AND rn > 1 AND if(type = 'histogram', count >= prev_count, value >= prev_value) AS since_prev,
            toUInt64(multiIf(type = 'histogram', if(since_prev, count - prev_count, count), type = 'gauge', 1, 0)) AS d_count,
            toFloat64(multiIf(type = 'histogram', if(since_prev, sum - prev_sum, sum), since_prev, value - prev_value, value)) AS d_sum,
            if(since_prev AND length(bucket_counts) = length(prev_buckets),
               arrayMap((a, b) -> toUInt64(if(a >= b, a - b, 0)), bucket_counts, prev_buckets), bucket_counts) AS d_buckets,
            if(type = 'gauge', toNullable(value), min) AS p_min,
            if(type = 'gauge', toNullable(value), max) AS p_max
          FROM (
            SELECT time, name, unit, type, temporality, count, sum, min, max, value, bucket_counts, explicit_bounds,
              ${group} AS grp,
              row_number() OVER w AS rn,
              lagInFrame(count) OVER w AS prev_count,
              lagInFrame(sum) OVER w AS prev_sum,
              lagInFrame(value) OVER w AS prev_value,
              lagInFrame(bucket_counts) OVER w AS prev_buckets
            FROM otel_metrics
            WHERE tenant_id = {tenant:String} ${nameCondition}
              AND time >= toDateTime64({scan_since:Float64}, 6) AND time < toDateTime64({until:Float64}, 6)
            WINDOW w AS (PARTITION BY series ORDER BY time ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
          )
        )
        WHERE time >= toDateTime64({since:Float64}, 6)
        GROUP BY bucket, name, group
        ORDER BY bucket, name, group
        LIMIT {limit:UInt32}`,
      query_params: params,
    });
    return rows.map((r) => ({
      bucket: isoTime(r.bucket),
      name: r.name,
      unit: r.unit,
      type: r.type,
      group: r.group,
      count: Number(r.count),
      sum: Number(r.sum),
      min: r.min,
      max: r.max,
      bucket_counts: r.buckets.map(Number),
      explicit_bounds: r.bounds,
    }));
  }
}
