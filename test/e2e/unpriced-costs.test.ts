// Summed costs say what they leave out, and sessions list every user, through the real
// path: a real OTel exporter sends chat spans of a priced model and of a model no price
// covers, in one session of two users; traces, sessions, users and metrics are read through
// the REST API, then a price for the unknown model arrives and a recompute re-prices them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadEnrichmentSettings, type RunningCollector } from '@spanhouse/collector';
import { getJson, startTestCollector, tempDataDir } from '../support/collector.ts';
import { childSpan, otelTracer } from '../support/otel.ts';

const data = tempDataDir('unpriced');
let collector: RunningCollector;
const UNKNOWN = 'acme-private-llm-7';
const SESSION = 's-shared';
const T0 = Date.now() - 10 * 60_000;
const ids = { cat: '', dan: '' };

async function restart(prices: Array<Record<string, unknown>> = []) {
  await collector?.close();
  collector = await startTestCollector(data.dir, { enrichment: loadEnrichmentSettings({ prices: { prices } }, {}) });
}

/** A trace of `user` in the shared session: an agent and its chat calls (model, start minute). */
async function sendTrace(user: string, calls: Array<[model: string, provider: string, minute: number]>): Promise<string> {
  const otel = otelTracer(collector.url, { serviceName: 'unpriced-app' });
  const people = { 'session.id': SESSION, 'user.id': user };
  const start = T0 + calls[0][2] * 60_000;
  const root = childSpan(otel.tracer, 'invoke_agent helper', undefined, { 'gen_ai.operation.name': 'invoke_agent', ...people }, start);
  for (const [model, provider, minute] of calls) {
    const at = T0 + minute * 60_000;
    const chat = childSpan(otel.tracer, `chat ${model}`, root, {
      'gen_ai.operation.name': 'chat', 'gen_ai.request.model': model, 'gen_ai.provider.name': provider,
      'gen_ai.usage.input_tokens': 1_000, 'gen_ai.usage.output_tokens': 200, ...people,
    }, at);
    chat.end(at + 500);
  }
  root.end(T0 + (calls[calls.length - 1][2] + 1) * 60_000);
  await otel.flush();
  await otel.shutdown();
  return root.spanContext().traceId;
}

const api = async (path: string) => {
  const res = await getJson(`${collector.url}${path}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
};
/** The window just around the traces (a part of one day: sessions read these from the traces) or the default 7 days (day totals). */
const windows = () => [`since=${encodeURIComponent(new Date(T0 - 60_000).toISOString())}&until=${encodeURIComponent(new Date().toISOString())}`, ''];

before(async () => {
  await restart();
  ids.cat = await sendTrace('cat', [['gpt-4o-mini', 'openai', 0], [UNKNOWN, 'acme', 1]]);
  ids.dan = await sendTrace('dan', [[UNKNOWN, 'acme', 3]]);
});
after(async () => {
  await collector?.close();
  data.remove();
});

describe('unpriced calls beside summed costs', () => {
  test('a trace counts its unpriced calls: partial cost, or no cost at all', async () => {
    const cat = (await api(`/api/traces/${ids.cat}`)).trace;
    assert.equal(cat.unpriced_count, 1);
    assert.ok(cat.cost_usd > 0, 'the priced call still sums');
    const dan = (await api(`/api/traces/${ids.dan}`)).trace;
    assert.equal(dan.unpriced_count, 1);
    assert.equal(dan.cost_usd, null);
    // every list path: newest first (projection, then versions by key), by session (key
    // projection, rows by key), sorted by cost (rows by key)
    for (const query of ['', `&session_id=${SESSION}`, '&sort=cost']) {
      const rows = (await api(`/api/traces?limit=10${query}`)).data;
      assert.deepEqual(
        rows.map((r: { trace_id: string; unpriced_count: number }) => [r.trace_id, r.unpriced_count]).sort(),
        [[ids.cat, 1], [ids.dan, 1]].sort(),
        query,
      );
    }
  });

  test('sessions and users count unpriced calls, in day totals and in partial days alike', async () => {
    for (const window of windows()) {
      const [session] = (await api(`/api/sessions?${window}`)).data;
      assert.equal(session.session_id, SESSION);
      assert.equal(session.unpriced_count, 2, window);
      assert.ok(session.cost_usd > 0);
      const users = (await api(`/api/users?${window}`)).data;
      const dan = users.find((u: { user_id: string }) => u.user_id === 'dan');
      assert.deepEqual([dan.cost_usd, dan.unpriced_count], [0, 1], 'nothing of dan\'s was priced: 0 with 1 unpriced, not a free $0');
      assert.equal(users.find((u: { user_id: string }) => u.user_id === 'cat').unpriced_count, 1);
    }
  });

  test('metrics by model count unpriced calls in every bucket size (the hourly rollup: collector/src/store/metrics.test.ts)', async () => {
    for (const query of [`bucket=window&${windows()[0]}`, 'bucket=day', 'bucket=hour&since=' + encodeURIComponent(new Date(T0 - 86_400_000).toISOString())]) {
      const points = (await api(`/api/metrics?group_by=model&${query}`)).data as Array<{ group: string; cost_usd: number; unpriced_count: number }>;
      const sum = (model: string, key: 'cost_usd' | 'unpriced_count') => points.filter((p) => p.group === model).reduce((n, p) => n + p[key], 0);
      assert.deepEqual([sum(UNKNOWN, 'unpriced_count'), sum(UNKNOWN, 'cost_usd')], [2, 0], query);
      assert.equal(sum('gpt-4o-mini', 'unpriced_count'), 0);
      assert.ok(sum('gpt-4o-mini', 'cost_usd') > 0);
    }
  });

  test('once a price covers the model, a recompute leaves nothing unpriced anywhere', async () => {
    await restart([{ provider: 'acme', model: UNKNOWN, input_mtok: 1, output_mtok: 5 }]);
    const res = await fetch(`${collector.url}/api/costs/recompute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ since: new Date(T0 - 3_600_000).toISOString() }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    assert.ok((await res.json()).spans_updated >= 2);
    const dan = (await api(`/api/traces/${ids.dan}`)).trace;
    assert.deepEqual([dan.unpriced_count, dan.cost_usd], [0, 0.002]);
    for (const window of windows()) {
      const [session] = (await api(`/api/sessions?${window}`)).data;
      assert.equal(session.unpriced_count, 0, window);
    }
    const points = (await api('/api/metrics?group_by=model&bucket=day')).data as Array<{ group: string; cost_usd: number; unpriced_count: number }>;
    assert.deepEqual(points.filter((p) => p.group === UNKNOWN).map((p) => [p.unpriced_count, Math.round(p.cost_usd * 1e6)]), [[0, 4000]]);
    await restart();
  });
});

describe('a session of several users', () => {
  test('lists every user, and either user finds it', async () => {
    for (const window of windows()) {
      const [session] = (await api(`/api/sessions?${window}`)).data;
      assert.deepEqual(session.user_ids, ['cat', 'dan'], window);
      assert.equal(session.user_id, 'dan', 'user_id stays the largest id');
      for (const user of ['cat', 'dan']) {
        assert.deepEqual((await api(`/api/sessions?user_id=${user}&${window}`)).data.map((s: { session_id: string }) => s.session_id), [SESSION], `${user} ${window}`);
      }
      assert.deepEqual((await api(`/api/sessions?user_id=eve&${window}`)).data, []);
    }
  });
});
