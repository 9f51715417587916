import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { mapSpan } from '@spanhouse/model';
import { queryRows } from './query.ts';
import { SpanStore } from './span-store.ts';
import { testStorage, type TestStorage } from '../../../test/support/storage.ts';

let storage: TestStorage | undefined;
after(async () => storage?.remove());

const T0 = Date.now() * 1000 - 60_000_000;
const chat = (traceId: string, spanId: string) =>
  mapSpan({
    span: {
      traceId, spanId, parentSpanId: '', name: 'chat', kind: 1, startTimeUs: T0, endTimeUs: T0 + 100_000,
      attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 5, 'session.id': 'sess-sweep' },
      events: [], links: [], status: { code: 0, message: '' },
    },
    resource: { 'service.name': 'sweep-test' },
    scope: { name: 's', version: '' },
    tenantId: 'default',
  });

test('with two writers, the oldest sweeps on its heartbeat: trace rows that lost a span to a concurrent write count it again', async () => {
  storage = await testStorage('sweep');
  const timing = { everyMs: 100, settleMs: 50 };
  const oldest = await SpanStore.open({ ...storage.options, sweep: timing });
  const newer = await SpanStore.open({ ...storage.options, sweep: timing });
  try {
    const traces = Array.from({ length: 10 }, (_, i) => `d${String(i).padStart(31, '0')}`);
    await Promise.all([
      oldest.insertSpans(traces.map((t) => chat(t, 'd000000000000001'))),
      newer.insertSpans(traces.map((t) => chat(t, 'd000000000000002'))),
    ]);
    const counts = async () =>
      (
        await queryRows<{ span_count: number }>(oldest.client, {
          query: 'SELECT span_count FROM traces FINAL WHERE tenant_id = {tenant:String} AND trace_id IN {ids:Array(String)}',
          query_params: { tenant: 'default', ids: traces },
        })
      ).map((r) => Number(r.span_count));
    const sessionTraces = async () =>
      (
        await queryRows<{ traces: string }>(oldest.client, {
          query: "SELECT toString(sum(traces)) AS traces FROM trace_groups_daily WHERE kind = 'session' AND key = 'sess-sweep'",
        })
      )[0].traces;
    // polls (no timing asserted): the sweep runs on the heartbeat's timer, the rows first, then the day totals
    let seen = { counts: await counts(), session: await sessionTraces() };
    for (let tries = 0; tries < 600 && (seen.counts.some((n) => n !== 2) || seen.session !== '10'); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      seen = { counts: await counts(), session: await sessionTraces() };
    }
    assert.deepEqual(seen, { counts: traces.map(() => 2), session: '10' });
  } finally {
    await newer.close();
    await oldest.close();
  }
  // a closed store's last beat says so: it is no writer to the stores opened after it
  const reopened = await SpanStore.open(storage.options);
  try {
    const [active] = await queryRows<{ n: string }>(reopened.client, {
      query: 'SELECT toString(count()) AS n FROM store_writers FINAL WHERE seen > now64(3) - INTERVAL 60 SECOND AND stopped = 0',
    });
    assert.equal(active.n, '1');
  } finally {
    await reopened.close();
  }
});
