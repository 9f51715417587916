// The ingest-health report from its hourly rollup (migration 028) against the spans
// themselves: stored in several requests, revised (a late model, late content), merged,
// rebuilt by the backfill: always what grouping the newest version of every span gives.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mapSpan, type Message, type OtlpSpan, type SpanhouseSpan } from '@spanhouse/model';
import { backfillIngestHealth, IngestHealthStore, type IngestHealth } from './ingest-health.ts';
import { queryRows } from './query.ts';
import { SpanStore } from './span-store.ts';
import { testStorage, type TestStorage } from '../../../test/support/storage.ts';

const HOUR_US = 3_600_000_000;
// a whole hour 10 hours ago: spans over the 6 hours from there
const t0 = Math.floor(Date.now() / 3_600_000 - 10) * HOUR_US;
const DIALECTS = [['otel-genai'], ['openinference'], ['otel-genai', 'openinference'], []];
const words: Message[] = [{ role: 'user', content: 'hello' }];

function span(i: number, tenantId = 't1'): SpanhouseSpan {
  const start = t0 + Math.floor((i * 6 * HOUR_US) / 200) + 77;
  const otlp: OtlpSpan = {
    traceId: (i + 1).toString(16).padStart(32, '0'), spanId: (i + 1).toString(16).padStart(16, '0'), parentSpanId: '',
    name: 'chat', kind: 3, startTimeUs: start, endTimeUs: start + 1000, attributes: { 'gen_ai.operation.name': 'chat' }, events: [], links: [], status: { code: 0, message: '' },
  };
  const mapped = mapSpan({ span: otlp, resource: {}, scope: { name: 's', version: '' }, tenantId });
  return {
    ...mapped,
    type: i % 5 === 0 ? 'tool' : i % 7 === 0 ? 'embedding' : 'generation',
    model: i % 4 === 0 ? '' : 'gpt-4o',
    input_tokens: i % 6 === 0 ? 0 : 10,
    output_tokens: i % 6 === 0 ? 0 : 3,
    input_messages: i % 3 === 0 ? [] : words,
    output_messages: [],
    mapping: {
      dialects: DIALECTS[i % 4],
      unmapped: i % 2 ? ['acme.flag', `acme.key${i % 3}`] : [],
      semconv: ['2026', 'legacy', ''][i % 3],
      inferred: i % 5 === 1 ? ['provider'] : [],
    },
  };
}

/** The report grouped from the newest version of every span (what the rollup must give). */
async function exact(client: SpanStore['client'], tenantId: string, since: Date, until: Date): Promise<Omit<IngestHealth, 'since' | 'until'>> {
  const counts = `count() AS spans, countIf(type IN ('generation', 'embedding')) AS llm_spans,
    countIf(type IN ('generation', 'embedding') AND model = '') AS missing_model,
    countIf(type IN ('generation', 'embedding') AND input_tokens = 0 AND output_tokens = 0) AS missing_tokens,
    countIf(type = 'generation' AND input_messages IN ('', '[]') AND output_messages IN ('', '[]')) AS missing_content`;
  const where = 'tenant_id = {t:String} AND start_time >= fromUnixTimestamp64Milli({s:Int64}) AND start_time < fromUnixTimestamp64Milli({u:Int64})';
  const params = { t: tenantId, s: since.getTime(), u: until.getTime() };
  const rows = (query: string) => queryRows<Record<string, string>>(client, { query, query_params: params });
  const num = (row: Record<string, string> | undefined) => ({
    spans: Number(row?.spans ?? 0), llm_spans: Number(row?.llm_spans ?? 0), missing_model: Number(row?.missing_model ?? 0),
    missing_tokens: Number(row?.missing_tokens ?? 0), missing_content: Number(row?.missing_content ?? 0),
  });
  const [total] = await rows(`SELECT ${counts} FROM spans FINAL WHERE ${where}`);
  const dialects = await rows(`SELECT arrayJoin(if(empty(mapping_dialects), ['none'], mapping_dialects)) AS dialect, ${counts} FROM spans FINAL WHERE ${where} GROUP BY dialect ORDER BY spans DESC, dialect`);
  const keyed = async (expr: string) =>
    (await rows(`SELECT ${expr} AS k, count() AS n FROM spans FINAL WHERE ${where} GROUP BY k ORDER BY n DESC, k`)).map((r) => [r.k, Number(r.n)] as const);
  return {
    total: num(total),
    dialects: dialects.map((r) => ({ dialect: r.dialect, ...num(r) })),
    semconv: (await keyed('mapping_semconv')).map(([semconv, spans]) => ({ semconv, spans })),
    inferred: (await keyed('arrayJoin(mapping_inferred)')).map(([field, spans]) => ({ field, spans })),
    top_unmapped: (await keyed('arrayJoin(mapping_unmapped)')).map(([key, spans]) => ({ key, spans })),
  };
}

let storage: TestStorage;
let store: SpanStore;
before(async () => {
  storage = await testStorage('ingest-health');
  store = await SpanStore.open(storage.options);
  const spans = Array.from({ length: 200 }, (_, i) => span(i));
  await store.insertSpans(spans.slice(0, 90));
  await store.insertSpans(spans.slice(90));
  await store.insertSpans(spans.slice(0, 20)); // a retried export: stored once
  await store.insertSpans([span(3, 't2')]);
  // revised: a model found later, content joined from late log records, another dialect
  const stored = await store.newestSpans('t1', { spanIds: spans.slice(40, 70).map((s) => s.span_id) });
  await store.writeRevisions(
    stored.map((previous) => ({
      previous,
      span: { ...previous.span, model: 'gpt-4.1', input_messages: words, mapping: { ...previous.span.mapping, dialects: ['langfuse'], unmapped: ['late.key'] } },
    })),
  );
});
after(async () => {
  await store.close();
  await storage.remove();
});

const since = new Date(t0 / 1000);
const until = new Date(t0 / 1000 + 6 * 3_600_000);
const report = async (tenantId = 't1', from = since, to = until) => {
  const { since: _s, until: _u, ...rest } = await new IngestHealthStore(store.client).report(tenantId, from, to, 100);
  return rest;
};

test('the hourly rollup gives what the newest version of every span gives, revisions and retries included', async () => {
  const fast = await report();
  assert.equal(fast.total.spans, 200);
  assert.ok(fast.dialects.some((d) => d.dialect === 'langfuse' && d.spans === 30), 'a revised dialect counts, its old one no more');
  assert.ok(fast.top_unmapped.some((k) => k.key === 'late.key' && k.spans === 30));
  assert.deepEqual(fast, await exact(store.client, 't1', since, until));
  // an hour's rows only: a window of whole hours
  const hours = [new Date(t0 / 1000 + 3_600_000), new Date(t0 / 1000 + 3 * 3_600_000)] as const;
  assert.deepEqual(await report('t1', ...hours), await exact(store.client, 't1', ...hours));
  assert.equal((await report('t2')).total.spans, 1, 'another tenant counts its own');
});

test('a window is counted by the whole hours that hold it, and says so', async () => {
  const r = await new IngestHealthStore(store.client).report('t1', new Date(t0 / 1000 + 90 * 60_000), new Date(t0 / 1000 + 150 * 60_000));
  assert.deepEqual([r.since, r.until], [new Date(t0 / 1000 + 3_600_000).toISOString(), new Date(t0 / 1000 + 3 * 3_600_000).toISOString()]);
});

test('merged parts and the backfill after an upgrade give the same report', async () => {
  const before = await report();
  await store.client.command({ query: 'OPTIMIZE TABLE ingest_health_hourly FINAL' });
  assert.deepEqual(await report(), before);
  await backfillIngestHealth(store.client);
  assert.deepEqual(await report(), before);
});
