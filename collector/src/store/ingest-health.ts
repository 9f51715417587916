// Ingest health: how well a tenant's spans were understood lately. Per dialect, how many
// spans and how many LLM spans lack a model, token counts or content, which conventions
// generation mapped them, and the attribute keys no dialect understood most often: why a
// field is empty, at a glance. Each span counts once, as its newest version.
//
// Read from ingest_health_hourly (migration 028), which materialized views keep as spans
// are stored and revised: a report sums a few rows an hour instead of reading every span
// (and its messages) of the window. So windows are counted by the hour: the report says
// which hours it counted.
import type { ClickHouseClient } from '@clickhouse/client';
import { BACKGROUND, queryRows } from './query.ts';
import type { DialectHealth, IngestHealth } from '@spanhouse/model';
export type { DialectHealth, IngestHealth };

const HOUR_MS = 3_600_000;

/**
 * The hourly rows of the spans in `source` (the backfill's; the views of migration 028
 * write the same rows as spans are stored). Dialect '' counts every span once.
 */
export function ingestHealthRows(source: string): string {
  return `SELECT tenant_id, toStartOfHour(start_time) AS hour, dialect, retention_days,
       toInt64(count()) AS spans,
       toInt64(countIf(type IN ('generation', 'embedding'))) AS llm_spans,
       toInt64(countIf(type IN ('generation', 'embedding') AND model = '')) AS missing_model,
       toInt64(countIf(type IN ('generation', 'embedding') AND input_tokens = 0 AND output_tokens = 0)) AS missing_tokens,
       toInt64(countIf(type = 'generation' AND input_messages IN ('', '[]') AND output_messages IN ('', '[]'))) AS missing_content,
       sumMap(CAST(if(dialect = '', map(toString(mapping_semconv), toInt64(1)), map()), 'Map(String, Int64)')) AS semconv,
       sumMap(CAST(if(dialect = '', mapFromArrays(arrayMap(x -> toString(x), mapping_inferred), arrayMap(x -> toInt64(1), mapping_inferred)), map()), 'Map(String, Int64)')) AS inferred,
       sumMap(CAST(if(dialect = '', mapFromArrays(mapping_unmapped, arrayMap(x -> toInt64(1), mapping_unmapped)), map()), 'Map(String, Int64)')) AS unmapped
FROM ${source}
ARRAY JOIN arrayConcat([''], if(empty(mapping_dialects), ['none'], mapping_dialects)) AS dialect
GROUP BY tenant_id, hour, dialect, retention_days`;
}

/**
 * Fills ingest_health_hourly from the spans stored before it existed: the newest version of
 * each (FINAL). Starts from empty, so a run cut short can simply run again.
 */
export async function backfillIngestHealth(client: ClickHouseClient): Promise<void> {
  await client.command({ query: 'TRUNCATE TABLE ingest_health_hourly' });
  await client.command({ query: `INSERT INTO ingest_health_hourly ${ingestHealthRows('spans FINAL')}`, clickhouse_settings: BACKGROUND });
}

interface HealthRow {
  dialect: string;
  spans: string | number;
  llm_spans: string | number;
  missing_model: string | number;
  missing_tokens: string | number;
  missing_content: string | number;
  semconv: Record<string, string | number>;
  inferred: Record<string, string | number>;
  unmapped: Record<string, string | number>;
}

type Counts = Omit<DialectHealth, 'dialect'>;
const counts = (row: HealthRow | undefined): Counts => ({
  spans: Number(row?.spans ?? 0),
  llm_spans: Number(row?.llm_spans ?? 0),
  missing_model: Number(row?.missing_model ?? 0),
  missing_tokens: Number(row?.missing_tokens ?? 0),
  missing_content: Number(row?.missing_content ?? 0),
});

/** A summed map's entries, most spans first (then by key), without those that netted to zero. */
function ranked(map: Record<string, string | number> | undefined): Array<[string, number]> {
  return Object.entries(map ?? {})
    .map(([key, n]): [string, number] => [key, Number(n)])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

export class IngestHealthStore {
  constructor(private readonly client: ClickHouseClient) {}

  /** The report for the whole hours that hold [since, until]: `since` and `until` in the answer are those hours' bounds. */
  async report(tenantId: string, since: Date, until: Date, topKeys = 20): Promise<IngestHealth> {
    const from = Math.floor(since.getTime() / HOUR_MS) * HOUR_MS;
    const to = Math.max(from + HOUR_MS, Math.ceil(until.getTime() / HOUR_MS) * HOUR_MS);
    const rows = await queryRows<HealthRow>(this.client, {
      query: `SELECT dialect, sum(spans) AS spans, sum(llm_spans) AS llm_spans, sum(missing_model) AS missing_model,
                     sum(missing_tokens) AS missing_tokens, sum(missing_content) AS missing_content,
                     sumMap(semconv) AS semconv, sumMap(inferred) AS inferred, sumMap(unmapped) AS unmapped
              FROM ingest_health_hourly
              WHERE tenant_id = {tenant:String} AND hour >= fromUnixTimestamp({from:Int64}) AND hour < fromUnixTimestamp({to:Int64})
              GROUP BY dialect
              HAVING spans > 0`,
      query_params: { tenant: tenantId, from: from / 1000, to: to / 1000 },
    });
    const all = rows.find((row) => row.dialect === '');
    return {
      since: new Date(from).toISOString(),
      until: new Date(to).toISOString(),
      total: counts(all),
      dialects: rows
        .filter((row) => row.dialect !== '')
        .map((row) => ({ dialect: row.dialect, ...counts(row) }))
        .sort((a, b) => b.spans - a.spans || (a.dialect < b.dialect ? -1 : 1)),
      semconv: ranked(all?.semconv).map(([semconv, spans]) => ({ semconv, spans })),
      inferred: ranked(all?.inferred).map(([field, spans]) => ({ field, spans })),
      top_unmapped: ranked(all?.unmapped)
        .slice(0, topKeys)
        .map(([key, spans]) => ({ key, spans })),
    };
  }
}
