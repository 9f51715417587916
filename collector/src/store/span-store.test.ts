import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mapSpan, rollUp, traceSummaryOf, type Attributes, type OtlpSpan, type SpanhouseSpan } from '@spanhouse/model';
import { ROLLUP_FIELDS } from './span-columns.ts';
import { queryRows } from './query.ts';
import { SpanStore } from './span-store.ts';
import { testStorage, type TestStorage } from '../../../test/support/storage.ts';

let storage: TestStorage;
let store: SpanStore;
before(async () => {
  storage = await testStorage('store');
  store = await SpanStore.open(storage.options);
});
after(async () => {
  await store.close();
  await storage.remove();
});

const T0 = Date.now() * 1000 - 60_000_000;
function span(traceId: string, spanId: string, parentSpanId: string, offsetMs: number, durationMs: number, attributes: Attributes, code = 0): OtlpSpan {
  return {
    traceId, spanId, parentSpanId, name: String(attributes['gen_ai.operation.name'] ?? 'step'), kind: 1,
    startTimeUs: T0 + offsetMs * 1000, endTimeUs: T0 + (offsetMs + durationMs) * 1000,
    attributes, events: [], links: [], status: { code, message: code === 2 ? 'boom' : '' },
  };
}
const map = (s: OtlpSpan, tenantId = 'default') => mapSpan({ span: s, resource: { 'service.name': 'store-test' }, scope: { name: 's', version: '' }, tenantId });
const llm = (model: string, tokens: number, cost?: number): Attributes => ({
  'gen_ai.operation.name': 'chat', 'gen_ai.request.model': model, 'gen_ai.provider.name': 'openai',
  'gen_ai.usage.input_tokens': tokens, 'gen_ai.usage.output_tokens': 10,
  'gen_ai.input.messages': JSON.stringify([{ role: 'user', content: `question for ${model}` }]),
  'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', content: `answer from ${model}` }]),
  ...(cost !== undefined ? { 'gen_ai.usage.cost': cost } : {}),
});

test('rollup, dedup of re-sent spans, and fetching a trace and a span', async () => {
  const A = '1'.repeat(32);
  const spans = [
    map(span(A, 'a000000000000001', '', 0, 1000, { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'root-agent' })),
    map(span(A, 'a000000000000002', 'a000000000000001', 10, 300, llm('gpt-4o', 100, 0.01))),
    map(span(A, 'a000000000000003', 'a000000000000001', 400, 50, { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search' })),
    map(span(A, 'a000000000000004', 'a000000000000001', 500, 400, llm('gpt-4o-mini', 50, 0.002), 2)),
  ];
  assert.deepEqual(await store.insertSpans(spans.slice(0, 2)), { inserted: 2, duplicates: 0 });
  // the second export repeats a span already stored: it must not be stored or counted twice
  assert.deepEqual(await store.insertSpans(spans.slice(1)), { inserted: 2, duplicates: 1 });

  const rollup = await store.getTrace('default', A, false);
  assert.ok(rollup);
  const trace = rollup.trace;
  assert.equal(trace.name, 'invoke_agent');
  assert.equal(trace.span_count, 4);
  assert.equal(trace.llm_count, 2);
  assert.equal(trace.tool_count, 1);
  assert.equal(trace.error_count, 1);
  assert.equal(trace.status, 'error');
  assert.equal(trace.input_tokens, 150);
  assert.ok(Math.abs((trace.cost_usd ?? 0) - 0.012) < 1e-9);
  assert.deepEqual(trace.models, ['gpt-4o', 'gpt-4o-mini']);
  assert.equal(trace.duration_ms, 1000);
  assert.equal(trace.input, 'question for gpt-4o');
  assert.equal(trace.output, 'answer from gpt-4o-mini');

  const full = await store.getTrace('default', A, true);
  assert.ok(full);
  assert.equal(full.spans.length, 4);
  assert.equal(full.spans[0].parent_span_id, '');
  assert.equal(full.spans[1].output_messages?.[0].content, 'answer from gpt-4o');
  const light = await store.getTrace('default', A, false);
  assert.equal(light?.spans[1].input_messages, undefined);
  assert.equal(light?.spans[1].input_preview, 'question for gpt-4o');

  // read for a few fields, the trace rolls up the same summary from fewer columns
  const few = await store.getTrace('default', A, false, new Set(['name', 'status']));
  assert.deepEqual(few?.trace, light?.trace);
  assert.equal(few?.spans.length, 4);
  assert.equal(few?.spans.find((s) => s.span_id === 'a000000000000004')?.status, 'error');
  assert.equal(few?.spans[0].agent_name, undefined, 'a field neither asked for nor rolled up is not read');

  const one = await store.getSpan('default', 'a000000000000004');
  assert.equal(one?.status, 'error');
  assert.equal(one?.model, 'gpt-4o-mini');
  assert.equal(await store.getSpan('other-tenant', 'a000000000000004'), null);
  assert.equal(await store.getTrace('other-tenant', A, false), null);
});

test('ROLLUP_FIELDS names every field the rollup reads of a span', () => {
  const touched = new Set<string>();
  const watched = (s: SpanhouseSpan) => new Proxy(s, { get: (target, key) => (touched.add(String(key)), target[key as keyof SpanhouseSpan]) });
  const A = '3'.repeat(32);
  const spans = [
    map(span(A, 'c000000000000001', '', 0, 1000, { 'gen_ai.operation.name': 'invoke_agent', 'user.id': 'u', 'session.id': 's' })),
    map(span(A, 'c000000000000002', 'c000000000000001', 10, 300, llm('gpt-4o', 100, 0.01))),
    map(span(A, 'c000000000000003', 'c000000000000001', 400, 50, { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search' }, 2)),
  ];
  traceSummaryOf(rollUp(null, spans.map(watched)));
  // the API field each span property is read under
  const field: Record<string, string> = { start_time_us: 'start_time', end_time_us: 'end_time', input_text: 'input_preview', output_text: 'output_preview' };
  const keys = new Set(['tenant_id', 'trace_id', 'span_id']);
  const missing = [...touched].map((p) => field[p] ?? p).filter((f) => !keys.has(f) && !ROLLUP_FIELDS.has(f));
  assert.deepEqual(missing, []);
});

test('a revision that moves a span\'s start is refused (span lists rely on a span keeping its start)', async () => {
  const B = '2'.repeat(32);
  const original = map(span(B, 'b000000000000001', '', 0, 100, llm('gpt-4o', 5)));
  await store.insertSpans([original]);
  const moved = { ...original, start_time_us: original.start_time_us - 1_000_000, model: 'moved' };
  await assert.rejects(store.writeRevisions([{ span: moved, previous: { span: original, version: 1 } }]), /moves its start/);
  assert.equal((await store.getSpan('default', 'b000000000000001'))?.model, 'gpt-4o');
});

test('the span column declaration matches the table the migrations build', async () => {
  const { SPAN_COLUMNS } = await import('./span-columns.ts');
  const result = await store.client.query({ query: "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = 'spans' ORDER BY position", format: 'JSONEachRow' });
  const table = (await result.json<{ name: string }>()).map((c) => c.name);
  assert.deepEqual([...SPAN_COLUMNS.map((c) => c.name), 'version'].sort(), [...table].sort());
});

test('spans queued while an insert of their trace is in flight fold onto what it stored (rollups read ahead, rows encoded ahead)', async () => {
  const { rowText, toRow } = await import('./span-columns.ts');
  const root = (t: string) => map(span(t, 'b000000000000001', '', 0, 2000, { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'root-agent' }));
  const first = (t: string) => map(span(t, 'b000000000000002', 'b000000000000001', 10, 300, llm('gpt-4o', 100, 0.01)));
  const second = (t: string) => map(span(t, 'b000000000000003', 'b000000000000001', 400, 300, llm('gpt-4o-mini', 40, 0.002)));
  // the row text an insert joins is the client's own encoding of the row, version appended
  assert.equal(`${rowText(first('f'.repeat(32)))},42]`, JSON.stringify(toRow(first('f'.repeat(32)), 42)));

  // The second batch is queued (its trace's rollup read, its rows encoded) at different
  // moments of the first batch's insert: before its fold, during its inserts, after. Whenever
  // it is, the second must fold onto the rollup the first stored, and the retried span in it
  // must be dropped. (Under chDB the read ahead waited for the insert in flight at every one of
  // these moments, so a read made stale by it is proven in read-ahead.test.ts, not here.)
  for (const [i, delayMs] of [0, 1, 3, 6, 10, 20, 40, 80].entries()) {
    const traceId = `3${String(i).padStart(31, '0')}`;
    const stored = store.insertSpans([root(traceId), first(traceId)]);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    const retried = first(traceId);
    store.readAhead([second(traceId), retried], { soon: true });
    assert.deepEqual(await stored, { inserted: 2, duplicates: 0 });
    assert.deepEqual(await store.insertSpans([second(traceId), retried]), { inserted: 1, duplicates: 1 }, `queued after ${delayMs} ms`);
    const trace = (await store.getTrace('default', traceId, false))?.trace;
    assert.equal(trace?.span_count, 3, `queued after ${delayMs} ms`);
    assert.equal(trace?.input_tokens, 140);
    assert.ok(Math.abs((trace?.cost_usd ?? 0) - 0.012) < 1e-9);
    assert.deepEqual(trace?.models, ['gpt-4o', 'gpt-4o-mini']);
  }
});

test('two collectors storing spans of the same traces at the same moment: the sweep makes every trace row and day total count both', async () => {
  const other = await SpanStore.open(storage.options);
  try {
    const before = Date.now() * 1000;
    // each store stores one span of the same 20 traces at once; should one store happen to
    // write before the other read (no race), again on other traces, session and user
    let traces: string[] = [];
    let keys: string[] = [];
    const counted = async () =>
      (
        await queryRows<{ span_count: number }>(store.client, {
          query: 'SELECT span_count FROM traces FINAL WHERE tenant_id = {tenant:String} AND trace_id IN {ids:Array(String)}',
          query_params: { tenant: 'default', ids: traces },
        })
      ).map((r) => Number(r.span_count));
    let raced = 0;
    for (let attempt = 0; attempt < 5 && raced === 0; attempt++) {
      traces = Array.from({ length: 20 }, (_, i) => `c${attempt}${String(i).padStart(30, '0')}`);
      keys = [`sess-shared-${attempt}`, `user-shared-${attempt}`];
      const shared = (traceId: string, spanId: string, offsetMs: number) =>
        map(span(traceId, spanId, '', offsetMs, 100, { ...llm('gpt-4o', 10, 0.001), 'session.id': keys[0], 'user.id': keys[1] }));
      await Promise.all([
        store.insertSpans(traces.map((t) => shared(t, 'c000000000000001', 0))),
        other.insertSpans(traces.map((t) => shared(t, 'c000000000000002', 5))),
      ]);
      // each writer folded its span into the same (absent) row: the newer row lost the other's span
      raced = (await counted()).filter((n) => n === 1).length;
    }
    assert.ok(raced > 0, 'the two writes raced on at least one trace');
    const dayTotals = async () =>
      (
        await queryRows<{ kind: string; traces: string; cost: number }>(store.client, {
          query: `SELECT kind, toString(sum(traces)) AS traces, sum(cost_usd) AS cost FROM trace_groups_daily
                  WHERE tenant_id = 'default' AND key IN {keys:Array(String)} GROUP BY kind ORDER BY kind`,
          query_params: { keys },
        })
      ).map((r) => [r.kind, r.traces, Math.round(r.cost * 1e6) / 1e6]);
    // and both wrote a raced trace's day totals as a new trace's
    assert.deepEqual((await dayTotals()).map(([kind, n]) => [kind, n]), [['session', String(20 + raced)], ['user', String(20 + raced)]]);

    assert.deepEqual(await store.sweepRollups(before, Date.now() * 1000 + 1), { rebuilt: raced, groupsChecked: 2 });
    assert.deepEqual(await counted(), traces.map(() => 2));
    // 20 traces of 2 calls at $0.001: the session's and the user's day totals, each counted once
    assert.deepEqual(await dayTotals(), [['session', '20', 0.04], ['user', '20', 0.04]]);
    // a second sweep finds nothing left to do, and the totals stay
    assert.equal((await store.sweepRollups(before, Date.now() * 1000 + 1)).rebuilt, 0);
    assert.deepEqual(await dayTotals(), [['session', '20', 0.04], ['user', '20', 0.04]]);
  } finally {
    await other.close();
  }
});

test('every open store beats a heartbeat into store_writers', async () => {
  const other = await SpanStore.open(storage.options);
  try {
    const ids = await queryRows<{ writer_id: string }>(store.client, {
      query: 'SELECT writer_id FROM store_writers FINAL WHERE seen > now64(3) - INTERVAL 60 SECOND ORDER BY writer_id',
    });
    assert.equal(new Set(ids.map((r) => r.writer_id)).size, ids.length);
    assert.ok(ids.length >= 2, `both stores beat: ${JSON.stringify(ids)}`);
  } finally {
    await other.close();
  }
});
