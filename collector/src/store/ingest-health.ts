// Ingest health: how well a tenant's spans were understood lately. Per dialect, how many
// spans and how many LLM spans lack a model, token counts or content, which conventions
// generation mapped them, and the attribute keys no dialect understood most often: why a
// field is empty, at a glance. Each span counts once, as its newest version.
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from './query.ts';
import type { DialectHealth, IngestHealth } from '@spanhouse/model';
export type { DialectHealth, IngestHealth };

const COUNTS = `count() AS spans,
  countIf(type IN ('generation', 'embedding')) AS llm_spans,
  countIf(type IN ('generation', 'embedding') AND model = '') AS missing_model,
  countIf(type IN ('generation', 'embedding') AND input_tokens = 0 AND output_tokens = 0) AS missing_tokens,
  countIf(type = 'generation' AND input_messages IN ('', '[]') AND output_messages IN ('', '[]')) AS missing_content`;
const WINDOW = `tenant_id = {tenant:String} AND start_time >= fromUnixTimestamp64Micro({since:Int64}) AND start_time < fromUnixTimestamp64Micro({until:Int64})`;

type Counts = Omit<DialectHealth, 'dialect'>;
const counts = (row: Record<string, unknown>): Counts => ({
  spans: Number(row.spans),
  llm_spans: Number(row.llm_spans),
  missing_model: Number(row.missing_model),
  missing_tokens: Number(row.missing_tokens),
  missing_content: Number(row.missing_content),
});

export class IngestHealthStore {
  constructor(private readonly client: ClickHouseClient) {}

  async report(tenantId: string, since: Date, until: Date, topKeys = 20): Promise<IngestHealth> {
    const params = { tenant: tenantId, since: since.getTime() * 1000, until: until.getTime() * 1000, top: topKeys };
    const [total, dialects, semconv, inferred, unmapped] = await Promise.all([
      queryRows<Record<string, unknown>>(this.client, { query: `SELECT ${COUNTS} FROM spans FINAL WHERE ${WINDOW}`, query_params: params }),
      queryRows<Record<string, unknown>>(this.client, {
        query: `SELECT arrayJoin(if(empty(mapping_dialects), ['none'], mapping_dialects)) AS dialect, ${COUNTS}
                FROM spans FINAL WHERE ${WINDOW} GROUP BY dialect ORDER BY spans DESC, dialect`,
        query_params: params,
      }),
      queryRows<{ semconv: string; spans: string }>(this.client, {
        query: `SELECT mapping_semconv AS semconv, count() AS spans FROM spans FINAL WHERE ${WINDOW} GROUP BY semconv ORDER BY spans DESC, semconv`,
        query_params: params,
      }),
      queryRows<{ field: string; spans: string }>(this.client, {
        query: `SELECT arrayJoin(mapping_inferred) AS field, count() AS spans FROM spans FINAL WHERE ${WINDOW} GROUP BY field ORDER BY spans DESC, field`,
        query_params: params,
      }),
      queryRows<{ key: string; spans: string }>(this.client, {
        query: `SELECT arrayJoin(mapping_unmapped) AS key, count() AS spans FROM spans FINAL WHERE ${WINDOW}
                GROUP BY key ORDER BY spans DESC, key LIMIT {top:UInt32}`,
        query_params: params,
      }),
    ]);
    return {
      since: since.toISOString(),
      until: until.toISOString(),
      total: counts(total[0] ?? {}),
      dialects: dialects.map((row) => ({ dialect: String(row.dialect), ...counts(row) })),
      semconv: semconv.map((r) => ({ semconv: r.semconv, spans: Number(r.spans) })),
      inferred: inferred.map((r) => ({ field: r.field, spans: Number(r.spans) })),
      top_unmapped: unmapped.map((r) => ({ key: r.key, spans: Number(r.spans) })),
    };
  }
}
