// The day rows of sessions and users: what each trace version adds, and how a window is
// cut into whole days (day rows) and partial ends (traces).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TraceRollup } from '@spanhouse/model';
import { splitWindow } from './sessions.ts';
import { SpanStore } from './span-store.ts';
import { TRACE_GROUP_COLUMNS, traceGroupRows, writeTraceGroups } from './trace-groups.ts';
import { testStorage } from '../../../test/support/storage.ts';

const DAY_US = 86_400_000_000;
const noon = Date.UTC(2026, 10, 20, 12) * 1000;

function trace(over: Partial<TraceRollup>): TraceRollup {
  return {
    tenant_id: 't', trace_id: 'a'.repeat(32), name: 'chat', status: 'success', start_time_us: noon, end_time_us: noon + 1_000_000,
    span_count: 1, llm_count: 1, tool_count: 0, error_count: 0, input_tokens: 0, output_tokens: 0, total_tokens: 0, cost_usd: null, unpriced_count: 0,
    models: [], providers: [], services: [], tags: [], routing_aliases: [], span_types: [], cluster_ids: [], metadata: {},
    input: '', output: '', user_id: '', session_id: '', span_ids: [], llm_calls: [], name_key: '', input_key: '', output_key: '',
    ...over,
  };
}

/** Rows as objects, numbers summed per (kind, day, key) as the table's merges would. */
function folded(rows: unknown[][]): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const values of rows) {
    const row = Object.fromEntries(TRACE_GROUP_COLUMNS.map((c, i) => [c, values[i]]));
    const id = `${row.kind}/${row.day}/${row.key}`;
    const seen = out.get(id);
    if (!seen) out.set(id, row);
    else for (const c of ['traces', 'error_traces', 'cost_usd', 'total_tokens'] as const) seen[c] = Number(seen[c]) + Number(row[c]);
  }
  return out;
}

test('a new trace adds one trace to its session and its user, on the day it started', () => {
  const rows = folded(traceGroupRows([{ rollup: trace({ session_id: 's1', user_id: 'u1', cost_usd: 0.5, total_tokens: 30, error_count: 1, models: ['m'] }), previous: null }]));
  assert.deepEqual([...rows.keys()].sort(), ['session/2026-11-20/s1', 'user/2026-11-20/u1']);
  const session = rows.get('session/2026-11-20/s1')!;
  assert.deepEqual([session.traces, session.error_traces, session.cost_usd, session.total_tokens, session.user_id], [1, 1, 0.5, 30, 'u1']);
  assert.deepEqual(rows.get('user/2026-11-20/u1')!.sessions, ['s1']);
  assert.deepEqual(traceGroupRows([{ rollup: trace({}), previous: null }]), [], 'no session and no user: no rows');
});

test('a new version adds only its change; versions of one trace add up to the newest', () => {
  const v1 = trace({ session_id: 's1', user_id: 'u1', cost_usd: 0.5, total_tokens: 30 });
  const v2 = trace({ session_id: 's1', user_id: 'u1', cost_usd: 0.75, total_tokens: 50, error_count: 1 });
  const all = folded([...traceGroupRows([{ rollup: v1, previous: null }]), ...traceGroupRows([{ rollup: v2, previous: v1 }])]);
  const session = all.get('session/2026-11-20/s1')!;
  assert.deepEqual([session.traces, session.error_traces, session.cost_usd, session.total_tokens], [1, 1, 0.75, 50]);
});

test('a trace that moves to another day or session takes its old contribution out', () => {
  const v1 = trace({ session_id: 's1', user_id: 'u1', cost_usd: 0.5 });
  const v2 = trace({ session_id: 's2', user_id: 'u1', cost_usd: 0.5, start_time_us: noon - DAY_US });
  const all = folded([...traceGroupRows([{ rollup: v1, previous: null }]), ...traceGroupRows([{ rollup: v2, previous: v1 }])]);
  assert.equal(all.get('session/2026-11-20/s1')!.traces, 0);
  assert.equal(all.get('session/2026-11-19/s2')!.traces, 1);
  assert.equal(all.get('user/2026-11-20/u1')!.traces, 0);
  assert.equal(all.get('user/2026-11-19/u1')!.traces, 1);
});

test('the same batch written twice (a retry after a failed trace write) counts once', async () => {
  const change = { rollup: trace({ session_id: 's1', user_id: 'u1', cost_usd: 0.5 }), previous: null };
  assert.deepEqual(traceGroupRows([change]), traceGroupRows([change]));
  const storage = await testStorage('trace-groups');
  const store = await SpanStore.open(storage.options);
  try {
    await writeTraceGroups(store.client, [change]);
    await writeTraceGroups(store.client, [change]);
    const other = { rollup: trace({ trace_id: 'b'.repeat(32), session_id: 's1', user_id: 'u1', cost_usd: 0.25 }), previous: null };
    await writeTraceGroups(store.client, [other]);
    const result = await store.client.query({
      query: "SELECT sum(traces) AS traces, sum(cost_usd) AS cost FROM trace_groups_daily WHERE kind = 'session' AND key = 's1'",
      format: 'JSONEachRow',
    });
    const [row] = await result.json<{ traces: string | number; cost: number }>();
    assert.deepEqual([Number(row.traces), row.cost], [2, 0.75]);
  } finally {
    await store.close();
    await storage.remove();
  }
});

test('a window is cut into whole UTC days and its partial ends', () => {
  const at = (iso: string) => new Date(iso);
  const us = (iso: string) => Date.parse(iso) * 1000;
  assert.deepEqual(splitWindow(at('2026-11-20T06:00:00Z')), {
    days: { from: '2026-11-21', to: null },
    exact: [[us('2026-11-20T06:00:00Z'), us('2026-11-21T00:00:00Z')]],
  });
  assert.deepEqual(splitWindow(at('2026-11-20T00:00:00Z')), { days: { from: '2026-11-20', to: null }, exact: [] });
  assert.deepEqual(splitWindow(at('2026-11-20T06:00:00Z'), at('2026-11-23T03:00:00Z')), {
    days: { from: '2026-11-21', to: '2026-11-22' },
    exact: [
      [us('2026-11-20T06:00:00Z'), us('2026-11-21T00:00:00Z')],
      [us('2026-11-23T00:00:00Z'), us('2026-11-23T03:00:00Z') + 1],
    ],
  });
  // `until` is inclusive to the microsecond: a day that ends after it is read from traces
  assert.deepEqual(splitWindow(at('2026-11-20T00:00:00Z'), at('2026-11-21T23:59:59.999Z')), {
    days: { from: '2026-11-20', to: '2026-11-20' },
    exact: [[us('2026-11-21T00:00:00Z'), us('2026-11-21T23:59:59.999Z') + 1]],
  });
  // within one day: traces only
  assert.deepEqual(splitWindow(at('2026-11-20T06:00:00Z'), at('2026-11-20T07:00:00Z')), {
    days: null,
    exact: [[us('2026-11-20T06:00:00Z'), us('2026-11-20T07:00:00Z') + 1]],
  });
});
