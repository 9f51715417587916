// GET /api/metrics: counts, errors, cost, tokens and latency percentiles per time
// bucket and group, over the newest version of every matching span.
//
// Two plans, one answer. A chart by hour or day whose filters and grouping are all
// columns of the hourly rollup (span_metrics) reads the rollup for the whole hours of
// the window and the spans only for the partial hours at its ends: thousands of rows
// instead of every span. Its percentiles come from the rollup's latency histogram,
// within 1%. When that answer counts few spans (under `exactBelow`), the spans are read
// after all, for exact percentiles. Everything else reads the spans.
import type { ClickHouseClient } from '@clickhouse/client';
import { roundUsd } from '@spanhouse/model';
import { BACKGROUND, exists, isoTime, queryRows } from './query.ts';
import { newestVersionsOnly, revisionsIn, spanConditions, type SpanFilter, type SqlCondition } from './span-filters.ts';

/** A time bucket, or `window`: the whole window as one bucket (exact percentiles of the window). */
export type Bucket = 'minute' | 'hour' | 'day' | 'window';
export type TimeBucket = Exclude<Bucket, 'window'>;
export const BUCKET_SECONDS: Record<TimeBucket, number> = { minute: 60, hour: 3600, day: 86_400 };
const BUCKET_START: Record<Bucket, (time: string) => string> = {
  minute: (time) => `toStartOfMinute(${time})`,
  hour: (time) => `toStartOfHour(${time})`,
  day: (time) => `toStartOfDay(${time})`,
  // one bucket, named by the window's start
  window: () => 'fromUnixTimestamp64Milli({window_start:Int64})',
};

/**
 * The histogram bucket of a span's latency: bucket k holds (1.02^(k-352), 1.02^(k-351)]
 * ms, 0 holds latency <= 0. The same expression feeds span_metrics (its materialized
 * views, migration 012): a test compares the two on stored rows.
 */
export const LATENCY_BUCKET = 'if(latency_ms > 0, toUInt16(least(65535, greatest(1, 351 + ceil(log(latency_ms) / log(1.02))))), toUInt16(0))';
/**
 * An unpriced call: token usage and no cost (no price covers its model, no client cost came
 * with it). Written out from columns the spans' time projection holds, so the partial hours
 * of a window read it there; the materialized views of span_metrics (migration 027) use the
 * same expression, and the trace rollup the same rule (countCalls in trace-rollup.ts).
 */
export const UNPRICED_CALL = 'isNull(cost_usd) AND (input_tokens > 0 OR output_tokens > 0 OR total_tokens > 0)';

/** The value a bucket stands for: the point whose relative error to either end is the same (< 1%). */
const BUCKET_VALUE = (key: string) => `if(${key} = 0, 0, 2 * pow(1.02, ${key} - 351) / 2.02)`;

/** Span filters the rollup can answer alone: a window and its key columns. */
const ROLLUP_SPAN_FILTERS = new Set<keyof SpanFilter>(['tenantId', 'since', 'until', 'model', 'provider', 'routingAlias', 'status', 'service', 'type', 'types']);
/** Filters the rollup can answer, and groupings. */
const ROLLUP_FILTERS = new Set<keyof MetricsQuery>([...ROLLUP_SPAN_FILTERS, 'bucket', 'groupBy']);
const ROLLUP_GROUPS = new Set<GroupColumn>(['model', 'provider', 'service', 'routing_alias', 'type', 'status']);
/** Below this many spans a rollup answer is replaced by the exact one (cheap at that size). */
const EXACT_BELOW = 200_000;
const HOUR_MS = 3_600_000;

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
  /** Sum over the priced spans; see unpriced_count. */
  cost_usd: number;
  /** LLM calls with token usage but no price: their cost is not in cost_usd. */
  unpriced_count: number;
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
  unpriced_count: string | number;
  sum_input_tokens: string | number;
  sum_output_tokens: string | number;
  latency: number[];
}

export class MetricsStore {
  private readonly exactBelow: number;

  constructor(
    private readonly client: ClickHouseClient,
    options: { exactBelow?: number } = {},
  ) {
    this.exactBelow = options.exactBelow ?? EXACT_BELOW;
  }

  async query(q: MetricsQuery): Promise<MetricPoint[]> {
    const hours = rollupHours(q);
    if (hours) {
      const rows = await this.fromRollup(q, hours);
      if (rows.reduce((n, row) => n + Number(row.count), 0) >= this.exactBelow) return rows.map(metricPoint);
    }
    return (await this.fromSpans(q)).map(metricPoint);
  }

  /** Every matching span read: exact percentiles. */
  private async fromSpans(q: MetricsQuery): Promise<MetricRow[]> {
    const { where, params } = spanConditions(q);
    const group = groupExpression(q, params);
    where.push(...(await this.newestOnly(q, params)));
    return queryRows<MetricRow>(this.client, {
      query: `SELECT ${BUCKET_START[q.bucket]('start_time')} AS bucket, ${group} AS group,
                     count() AS count,
                     countIf(status != 'success') AS error_count,
                     -- aliases unlike the columns: WHERE filters on cost and tokens read the columns
                     sum(ifNull(cost_usd, 0)) AS sum_cost_usd,
                     countIf(${UNPRICED_CALL}) AS unpriced_count,
                     sum(input_tokens) AS sum_input_tokens,
                     sum(output_tokens) AS sum_output_tokens,
                     quantiles(0.5, 0.9, 0.99)(latency_ms) AS latency
              FROM spans
              WHERE ${where.join(' AND ')}
              GROUP BY bucket, group
              ORDER BY bucket, group
              LIMIT {max_rows:UInt32}`,
      query_params: { ...params, window_start: windowStart(q), max_rows: MAX_METRIC_ROWS },
    });
  }

  /** The rollup for the window's whole hours, the spans for the partial hours at its ends. */
  private async fromRollup(q: MetricsQuery, hours: { from: number; to: number }): Promise<MetricRow[]> {
    const { since: _since, until: _until, ...keyFilters } = q;
    const rollup = spanConditions(keyFilters, 'r');
    const edges = spanConditions(q, 'e');
    const params = { ...rollup.params, ...edges.params, hour_from: hours.from / 1000, hour_to: hours.to / 1000, window_start: windowStart(q), max_rows: MAX_METRIC_ROWS };
    const group = groupExpression(q, params);
    edges.where.push('(start_time < fromUnixTimestamp({hour_from:Int64}) OR start_time >= fromUnixTimestamp({hour_to:Int64}))');
    edges.where.push(...(await this.newestOnly(q, params)));
    const bucket = BUCKET_START[q.bucket];
    const percentile = (p: number) => BUCKET_VALUE(`keys[arrayFirstIndex(c -> c > ${p} * (arraySum(counts) - 1), arrayCumSum(counts))]`);
    return queryRows<MetricRow>(this.client, {
      query: `SELECT bucket, group, count, error_count, sum_cost_usd, unpriced_count, sum_input_tokens, sum_output_tokens,
                     [${percentile(0.5)}, ${percentile(0.9)}, ${percentile(0.99)}] AS latency
              FROM (
                SELECT bucket, group, sum(n) AS count, sum(errors) AS error_count, sum(cost) AS sum_cost_usd, sum(unpriced_n) AS unpriced_count,
                       sum(tokens_in) AS sum_input_tokens, sum(tokens_out) AS sum_output_tokens,
                       sumMap(hist) AS merged, mapKeys(merged) AS keys, mapValues(merged) AS counts
                FROM (
                  SELECT ${bucket('hour')} AS bucket, ${group} AS group, spans AS n, errors, cost_usd AS cost, unpriced AS unpriced_n,
                         input_tokens AS tokens_in, output_tokens AS tokens_out, latency_hist AS hist
                  FROM span_metrics
                  WHERE ${rollup.where.join(' AND ')}
                    AND hour >= fromUnixTimestamp({hour_from:Int64}) AND hour < fromUnixTimestamp({hour_to:Int64})
                  UNION ALL
                  -- the edge hours' spans, counted per latency bucket first: one small map per
                  -- bucket and group instead of one per span
                  SELECT bucket, group, sum(c) AS n, sum(e) AS errors, sum(cost_in) AS cost, sum(u) AS unpriced_n, sum(tin) AS tokens_in, sum(tout) AS tokens_out,
                         CAST(mapFromArrays(groupArray(k), groupArray(c)), 'Map(UInt16, Int64)') AS hist
                  FROM (
                    SELECT ${bucket('start_time')} AS bucket, ${group} AS group, ${LATENCY_BUCKET} AS k, toInt64(count()) AS c,
                           toInt64(countIf(status != 'success')) AS e, sum(ifNull(cost_usd, 0)) AS cost_in, toInt64(countIf(${UNPRICED_CALL})) AS u,
                           toInt64(sum(input_tokens)) AS tin, toInt64(sum(output_tokens)) AS tout
                    FROM spans
                    WHERE ${edges.where.join(' AND ')}
                    GROUP BY bucket, group, k
                  )
                  GROUP BY bucket, group
                )
                GROUP BY bucket, group
                HAVING count > 0
              )
              ORDER BY bucket, group
              LIMIT {max_rows:UInt32}`,
      query_params: params,
    });
  }

  private async newestOnly(q: MetricsQuery, params: Record<string, unknown>): Promise<string[]> {
    const newest = await currentVersionsOnly(this.client, q);
    Object.assign(params, newest.params);
    return newest.where;
  }
}

/**
 * Conditions that keep a window's spans to their newest versions, for reads that group spans
 * without FINAL: a span revised after the fact counts once, with its newest values. Empty (no
 * cost) when no span of the window was revised, the usual case.
 */
export async function currentVersionsOnly(client: ClickHouseClient, window: Pick<SpanFilter, 'tenantId' | 'since' | 'until'>): Promise<SqlCondition> {
  if (!(await exists(client, revisionsIn(window)))) return { where: [], params: {} };
  return newestVersionsOnly(window, 'rv');
}

/**
 * Fills span_metrics from the spans stored before it existed: the newest version of
 * each (FINAL), so revised spans count once. Starts from empty, so a run cut short can
 * simply run again.
 */
export async function backfillSpanMetrics(client: ClickHouseClient): Promise<void> {
  await client.command({ query: 'TRUNCATE TABLE span_metrics' });
  await client.command({
    query: `INSERT INTO span_metrics (tenant_id, hour, type, model, provider, service_name, routing_alias, status, retention_days,
                                      spans, errors, cost_usd, unpriced, input_tokens, output_tokens, latency_hist)
            SELECT tenant_id, toStartOfHour(start_time) AS hour, type, model, provider, service_name, routing_alias, status, retention_days,
                   count(), countIf(status != 'success'), sum(ifNull(cost_usd, 0)), countIf(${UNPRICED_CALL}), sum(input_tokens), sum(output_tokens),
                   sumMap(map(${LATENCY_BUCKET}, toInt64(1)))
            FROM spans FINAL
            GROUP BY tenant_id, hour, type, model, provider, service_name, routing_alias, status, retention_days`,
    clickhouse_settings: BACKGROUND,
  });
}

function groupExpression(q: MetricsQuery, params: Record<string, unknown>): string {
  if (q.groupBy && 'column' in q.groupBy) return GROUP_COLUMNS[q.groupBy.column];
  if (q.groupBy) {
    params.group_key = q.groupBy.metadataKey;
    return 'metadata[{group_key:String}]';
  }
  return "''";
}

/**
 * The whole hours of the window when the rollup can answer the query (hour or day
 * buckets, only its key columns filtered and grouped by), as epoch milliseconds
 * [from, to); null when it cannot or the window holds no whole hour.
 */
export function rollupHours(q: MetricsQuery): { from: number; to: number } | null {
  if (q.bucket === 'minute') return null;
  if (q.groupBy && !('column' in q.groupBy && ROLLUP_GROUPS.has(q.groupBy.column))) return null;
  if (setKeys(q).some((key) => !ROLLUP_FILTERS.has(key))) return null;
  const from = q.since ? Math.ceil(q.since.getTime() / HOUR_MS) * HOUR_MS : 0;
  // `until` is inclusive: an hour is whole when it ends at most a microsecond after it
  const to = Math.floor(((q.until ?? new Date('2100-01-01T00:00:00Z')).getTime() + 0.001) / HOUR_MS) * HOUR_MS;
  return from < to ? { from, to } : null;
}

/** The hours newestHoursBound counts back over at most: a week. */
const BOUND_HOURS_MAX = 7 * 24;

/** The keys of an object whose values are set (not undefined, not an empty list). */
const setKeys = <T extends object>(o: T) =>
  (Object.entries(o) as Array<[keyof T, unknown]>).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)).map(([k]) => k);

/**
 * A lower bound on the start of the newest `count` spans matching `filter` (before `endUs`,
 * when given): the latest hour from which the hourly rollup counts that many, as a scalar
 * subquery (ClickHouse runs it before choosing granules), or the epoch when it counts fewer.
 * A list newest first then reads from there instead of back through every hour: otherwise
 * each part is read back until it alone holds a page (a model's errors, 0.06% of 10M spans,
 * read ~1M rows of the time projection). The rollup counts newest versions, so the window
 * holds at least `count` rows unless spans changed since. Null when the rollup cannot answer
 * the filter, or the filter is only a window.
 */
export function newestHoursBound(filter: SpanFilter, count: number, endUs: number | undefined, prefix: string): { sql: string; params: Record<string, unknown> } | null {
  const keys = setKeys(filter);
  if (keys.some((key) => !ROLLUP_SPAN_FILTERS.has(key)) || keys.every((key) => key === 'tenantId' || key === 'since' || key === 'until')) return null;
  const { since, until, ...keyFilters } = filter;
  const { where, params } = spanConditions(keyFilters, prefix);
  // only whole hours inside the window are counted: a partial one may count spans outside it
  const end = Math.min(endUs ?? Infinity, until ? until.getTime() * 1000 : Infinity);
  if (end !== Infinity) {
    where.push(`hour < toStartOfHour(fromUnixTimestamp64Micro({${prefix}_to:Int64}))`);
    params[`${prefix}_to`] = end;
  }
  // and a week at most (~80k rollup rows at 10M spans a week): past that, no bound
  const weekBefore = (end === Infinity ? Date.now() : end / 1000) - BOUND_HOURS_MAX * HOUR_MS;
  where.push(`hour >= fromUnixTimestamp({${prefix}_from:Int64})`);
  params[`${prefix}_from`] = Math.ceil(Math.max(since?.getTime() ?? 0, weekBefore) / HOUR_MS) * (HOUR_MS / 1000);
  params[`${prefix}_count`] = count;
  return {
    sql: `(SELECT max(hour) FROM (
            SELECT hour, sum(sum(spans)) OVER (ORDER BY hour DESC ROWS UNBOUNDED PRECEDING) AS seen
            FROM span_metrics WHERE ${where.join(' AND ')} GROUP BY hour
          ) WHERE seen >= {${prefix}_count:UInt32})`,
    params,
  };
}

/** The start a `window` bucket is named by (epoch ms; 0 for a window open at its start). */
const windowStart = (q: MetricsQuery) => q.since?.getTime() ?? 0;

function metricPoint(row: MetricRow): MetricPoint {
  const count = Number(row.count);
  const errors = Number(row.error_count);
  return {
    bucket: new Date(isoTime(row.bucket)).toISOString(),
    group: row.group,
    count,
    error_count: errors,
    error_rate: count === 0 ? 0 : errors / count,
    // summed by ClickHouse in binary floating point: rounded as every computed cost is
    cost_usd: roundUsd(Number(row.sum_cost_usd)),
    unpriced_count: Number(row.unpriced_count),
    input_tokens: Number(row.sum_input_tokens),
    output_tokens: Number(row.sum_output_tokens),
    p50_latency_ms: Number(row.latency[0] ?? 0),
    p90_latency_ms: Number(row.latency[1] ?? 0),
    p99_latency_ms: Number(row.latency[2] ?? 0),
  };
}
