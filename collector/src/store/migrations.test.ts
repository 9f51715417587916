// A data directory written by the release before the trace-rows schema (migrations up
// to 010, the AggregatingMergeTree rollup fed by a materialized view) upgrades in place:
// the store opens it, applies 011, rolls every stored trace up into the new `traces`
// table, and reads old and new spans alike.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mapSpan, type Attributes, type OtlpSpan, type SpanhouseSpan } from '@spanhouse/model';
import { createClickHouseClient } from './client.ts';
import { loadMigrations, migrate } from './migrations.ts';
import { MetricsStore } from './metrics.ts';
import { isRunning, SearchStore } from './search.ts';
import { SessionStore } from './sessions.ts';
import { ScoreStore, UNKNOWN_TRACE_START_US } from './scores.ts';
import { OPEN_SPAN_ATTRIBUTE, SPAN_INSERT_COLUMNS, toRow } from './span-columns.ts';
import { SpanStore } from './span-store.ts';
import { testStorage, type TestStorage } from '../../../test/support/storage.ts';

let storage: TestStorage;
before(async () => {
  storage = await testStorage('upgrade');
});
after(() => storage.remove());

const T0 = Date.now() * 1000 - 3_600_000_000;
function span(traceId: string, spanId: string, parent: string, offsetMs: number, attributes: Attributes, code = 0): OtlpSpan {
  return {
    traceId, spanId, parentSpanId: parent, name: String(attributes['gen_ai.operation.name']), kind: 1,
    startTimeUs: T0 + offsetMs * 1000, endTimeUs: T0 + (offsetMs + 100) * 1000,
    attributes, events: [], links: [], status: { code, message: '' },
  };
}
const map = (s: OtlpSpan) => mapSpan({ span: s, resource: { 'service.name': 'old-release' }, scope: { name: 's', version: '' }, tenantId: 'default' });
const A = 'a'.repeat(32);
const B = 'b'.repeat(32);
const C = 'c'.repeat(32);
const oldSpans = [
  map(span(A, 'a000000000000001', '', 0, { 'gen_ai.operation.name': 'invoke_agent' })),
  map(span(A, 'a000000000000002', 'a000000000000001', 10, {
    'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 30, 'gen_ai.usage.cost': 0.25,
    'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Where did the Quokka go?' }] }]),
  }, 2)),
  map(span(B, 'b000000000000001', '', 0, { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 5 })),
  // still running when the old release stored it (POST /api/spans without an end)
  map(span(C, 'c000000000000001', '', 0, { 'gen_ai.operation.name': 'invoke_agent', [OPEN_SPAN_ATTRIBUTE]: true })),
];

test('a data directory of the previous release upgrades in place', async () => {
  // The previous release: its migrations, and spans inserted as it inserted them (the old
  // rollup's materialized view fills the old `traces` table).
  const old = createClickHouseClient(storage.options);
  const previous = loadMigrations().filter((m) => m.version <= 10);
  assert.deepEqual(await migrate(old.client, previous), previous.map((m) => m.version));
  // the same span stored twice (a retried export in the old release): still one span
  // only the columns that release had (later migrations add some)
  const had = new Set((await (await old.client.query({ query: "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = 'spans'", format: 'JSONEachRow' })).json<{ name: string }>()).map((c) => c.name));
  const keep = SPAN_INSERT_COLUMNS.map((c, i) => [c, i] as const).filter(([c]) => had.has(c));
  // and the plain text it stored beside the messages (derived from them since migration 020)
  const rows = [...oldSpans, oldSpans[1]].map((s, i) => {
    const row = toRow(s, 1000 + i);
    return [s.input_text, ...keep.map(([, column]) => row[column]), s.output_text];
  });
  await old.client.insert({ table: 'spans', columns: ['input_text', ...keep.map(([c]) => c), 'output_text'], values: rows, format: 'JSONCompactEachRow' });
  const [oldRollup] = await (await old.client.query({ query: 'SELECT count() AS n FROM traces', format: 'JSONEachRow' })).json<{ n: string }>();
  assert.equal(Number(oldRollup.n) > 0, true, 'the old rollup view was fed');
  await old.client.close();

  const store = await SpanStore.open(storage.options);
  try {
    const columns = await (await store.client.query({ query: "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = 'traces'", format: 'JSONEachRow' })).json<{ name: string }>();
    assert.ok(columns.some((c) => c.name === 'span_ids'), 'traces is the new table');
    const a = await store.getTrace('default', A, true);
    assert.ok(a);
    assert.equal(a.trace.span_count, 2);
    assert.equal(a.trace.status, 'error');
    assert.equal(a.trace.cost_usd, 0.25);
    assert.equal(a.trace.name, 'invoke_agent');
    assert.equal(a.spans.length, 2);
    assert.equal(a.spans.find((s) => s.span_id === 'a000000000000002')?.input_text, 'Where did the Quokka go?', 'the text comes from the messages');

    const search = new SearchStore(store.client, new ScoreStore(store.client));
    const page = await search.listTraces({ tenantId: 'default', sort: 'time', order: 'desc', limit: 10 });
    assert.deepEqual(page.data.map((t) => t.trace_id).sort(), [A, B, C]);
    const c = await store.getTrace('default', C, false);
    assert.ok(c && isRunning(c.spans[0]), 'a span stored open before is_open existed (023) reads as running');
    const spans = await search.listSpans({ tenantId: 'default', sort: 'time', order: 'desc', limit: 10 });
    assert.deepEqual(spans.data.filter((s) => s.running).map((s) => s.span_id), ['c000000000000001']);
    const errors = await search.listTraces({ tenantId: 'default', status: 'error', sort: 'time', order: 'desc', limit: 10 });
    assert.deepEqual(errors.data.map((t) => t.trace_id), [A]);
    const words = await search.listTraces({ tenantId: 'default', spans: { q: 'quokka' }, sort: 'time', order: 'desc', limit: 10 });
    assert.deepEqual(words.data.map((t) => t.trace_id), [A], 'the rebuilt word index finds stored text');

    // new spans after the upgrade join the backfilled rollups
    await store.insertSpans([map(span(B, 'b000000000000002', 'b000000000000001', 20, { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 7 }))]);
    const b = await store.getTrace('default', B, false);
    assert.equal(b?.trace.span_count, 2);
    assert.equal(b?.trace.input_tokens, 12);
  } finally {
    await store.close();
  }
});

test('scores stored before 025 are bounded by their trace start', async () => {
  const dir = await testStorage('upgrade-025');
  const { client } = createClickHouseClient(dir.options);
  try {
    await migrate(client, loadMigrations().filter((m) => m.version <= 24));
    await client.insert({ table: 'traces', values: [{ tenant_id: 'default', trace_id: A, start_time: T0, end_time: T0 + 1000, version: 1 }], format: 'JSONEachRow' });
    const score = { tenant_id: 'default', span_id: '', name: 'quality', data_type: 'numeric', value: 0.9, string_value: '0.9', comment: '', source: 'api', created_at: T0, version: 1 };
    await client.insert({ table: 'scores', values: [{ ...score, trace_id: A }, { ...score, trace_id: B }], format: 'JSONEachRow' });
    const later = loadMigrations().filter((m) => m.version > 24).map((m) => m.version);
    assert.deepEqual(await migrate(client), later);
    const rows = await (await client.query({ query: 'SELECT trace_id, toUnixTimestamp64Micro(trace_start_bound) AS bound, value FROM scores FINAL ORDER BY trace_id', format: 'JSONEachRow' })).json<{ trace_id: string; bound: string; value: number }>();
    assert.deepEqual(
      rows.map((r) => [r.trace_id, Number(r.bound), r.value]),
      [[A, T0, 0.9], [B, UNKNOWN_TRACE_START_US, 0.9]],
      "a stored trace's start; no trace stored: unknown; values kept",
    );
    // 026 rebuilt the table with small granules, keeping every row
    const [table] = await (await client.query({ query: "SELECT create_table_query FROM system.tables WHERE database = currentDatabase() AND name = 'scores'", format: 'JSONEachRow' })).json<{ create_table_query: string }>();
    assert.match(table.create_table_query, /index_granularity = 256/);
  } finally {
    await client.close();
    await dir.remove();
  }
});

test('a store of the release before 027 counts its unpriced calls and lists every user of a session', async () => {
  const dir = await testStorage('upgrade-027');
  const { client } = createClickHouseClient(dir.options);
  try {
    // the release before: its schema, the jobs it had run, spans (its metrics view counts them)
    await migrate(client, loadMigrations().filter((m) => m.version <= 26));
    const jobs = ['traces-backfill', 'span-metrics-backfill', 'traces-llm-calls', 'trace-groups-backfill'];
    await client.insert({ table: 'store_jobs', values: jobs.map((name) => ({ name, finished: Date.now() })), format: 'JSONEachRow' });
    const chat = (traceId: string, spanId: string, user: string, model: string) =>
      map(span(traceId, spanId, '', 0, { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': model, 'session.id': 'shared', 'user.id': user, 'gen_ai.usage.input_tokens': 100 }));
    const priced = { ...chat(A, 'a000000000000001', 'ann', 'gpt-4o'), cost_usd: 0.5 };
    const unpriced = { ...chat(B, 'b000000000000001', 'bob', 'acme-llm'), cost_usd: null, unpriced: true };
    await client.insert({ table: 'spans', columns: [SPAN_INSERT_COLUMNS[0], ...SPAN_INSERT_COLUMNS.slice(1)], values: [toRow(priced, 1), toRow(unpriced, 2)], format: 'JSONCompactEachRow' });
    // its trace rows (the fold kept each call's usage and cost) and day rows: one user per session
    const trace = (s: SpanhouseSpan, call: string) => ({
      tenant_id: 'default', trace_id: s.trace_id, start_time: s.start_time_us, end_time: s.end_time_us, span_count: 1, llm_count: 1,
      input_tokens: 100, total_tokens: 100, cost_usd: s.cost_usd, models: [s.model], user_id: s.user_id, session_id: 'shared', llm_calls: [call], version: 3,
    });
    await client.insert({ table: 'traces', values: [trace(priced, `["${priced.span_id}","",100,0,100,0.5]`), trace(unpriced, `["${unpriced.span_id}","",100,0,100,null]`)], format: 'JSONEachRow' });
    const day = new Date(T0 / 1000).toISOString().slice(0, 10);
    const group = { tenant_id: 'default', day, first_time: T0, last_time: T0, traces: 1, input_tokens: 100, total_tokens: 100 };
    await client.insert({
      table: 'trace_groups_daily',
      values: [
        { ...group, kind: 'session', key: 'shared', user_id: 'bob', traces: 2, cost_usd: 0.5, input_tokens: 200, total_tokens: 200 },
        { ...group, kind: 'user', key: 'ann', cost_usd: 0.5, sessions: ['shared'] },
        { ...group, kind: 'user', key: 'bob', cost_usd: 0, sessions: ['shared'] },
      ],
      format: 'JSONEachRow',
    });
  } finally {
    await client.close();
  }
  const store = await SpanStore.open(dir.options);
  try {
    const unpricedCalls = await (await store.client.query({ query: 'SELECT trace_id, unpriced_count FROM traces FINAL ORDER BY trace_id', format: 'JSONEachRow' })).json<{ trace_id: string; unpriced_count: number }>();
    assert.deepEqual(unpricedCalls.map((r) => [r.trace_id, Number(r.unpriced_count)]), [[A, 0], [B, 1]], 'rows written before read it from their calls');
    const since = new Date(T0 / 1000 - 86_400_000);
    const [session] = (await new SessionStore(store.client).sessions({ tenantId: 'default', since, sort: 'last', order: 'desc', limit: 10 })).data;
    assert.deepEqual([session.user_ids, session.unpriced_count, session.cost_usd], [['ann', 'bob'], 1, 0.5]);
    const users = (await new SessionStore(store.client).users({ tenantId: 'default', since, sort: 'last', order: 'desc', limit: 10 })).data;
    assert.deepEqual(users.map((u) => [u.user_id, u.unpriced_count]).sort(), [['ann', 0], ['bob', 1]]);
    // the hourly rollup rebuilt with the unpriced count (the rollup plan forced on)
    const points = await new MetricsStore(store.client, { exactBelow: 0 }).query({ tenantId: 'default', since, bucket: 'day', groupBy: { column: 'model' } });
    assert.deepEqual(points.map((p) => [p.group, p.count, p.unpriced_count]), [['acme-llm', 1, 1], ['gpt-4o', 1, 0]]);
  } finally {
    await store.close();
    await dir.remove();
  }
});
