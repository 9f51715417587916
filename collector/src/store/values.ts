// Known values of a field (models, providers, services, trace names) for filter
// autocomplete, read cheaply: models, providers and services from the hourly rollup
// (span_metrics, a few rows per hour), trace names from the time projection of `traces`
// (a LowCardinality column over the window). Both stop at LIMIT distinct values.
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from './query.ts';
import { TRACE_LIST_SETTINGS } from './search.ts';

export const VALUE_FIELDS = ['model', 'provider', 'service', 'name'] as const;
export type ValueField = (typeof VALUE_FIELDS)[number];

/** Where each field's values are read from: table, column and time column. */
const SOURCES: Record<ValueField, { table: string; column: string; time: string }> = {
  model: { table: 'span_metrics', column: 'model', time: 'hour' },
  provider: { table: 'span_metrics', column: 'provider', time: 'hour' },
  service: { table: 'span_metrics', column: 'service_name', time: 'hour' },
  name: { table: 'traces', column: 'name', time: 'start_time' },
};

export interface ValueSearch {
  tenantId: string;
  field: ValueField;
  since: Date;
  /** Case-insensitive substring the values must hold. */
  contains?: string;
  limit: number;
}

export class ValueStore {
  constructor(private readonly client: ClickHouseClient) {}

  async values(search: ValueSearch): Promise<string[]> {
    const source = SOURCES[search.field];
    const where = ['tenant_id = {tenant:String}', `${source.time} >= fromUnixTimestamp64Milli({since:Int64})`, `${source.column} != ''`];
    const params: Record<string, unknown> = { tenant: search.tenantId, since: search.since.getTime(), limit: search.limit };
    if (search.contains !== undefined) {
      where.push(`positionCaseInsensitiveUTF8(${source.column}, {contains:String}) > 0`);
      params.contains = search.contains;
    }
    // the rollup is hourly: the hour holding `since` counts from its start
    if (source.time === 'hour') where[1] = `hour >= toStartOfHour(fromUnixTimestamp64Milli({since:Int64}))`;
    const rows = await queryRows<{ value: string }>(this.client, {
      query: `SELECT value FROM (SELECT DISTINCT ${source.column} AS value FROM ${source.table} WHERE ${where.join(' AND ')} LIMIT {limit:UInt32}) ORDER BY value`,
      query_params: params,
      clickhouse_settings: source.table === 'traces' ? TRACE_LIST_SETTINGS : undefined,
    });
    return rows.map((r) => r.value);
  }
}
