import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TraceRollup } from '@spanhouse/model';
import { RollupReadAhead } from './read-ahead.ts';
import type { TraceStore } from './traces.ts';

const rollup = (traceId: string, spans: number) => ({ tenant_id: 't', trace_id: traceId, span_count: spans }) as TraceRollup;

/** A TraceStore whose stored rollups the test sets, counting reads. */
function fakeTraces(stored: Map<string, TraceRollup>, fail = false) {
  const reads: string[][] = [];
  const traces = {
    async current(_tenant: string, ids: string[]) {
      reads.push(ids);
      if (fail) throw new Error('storage is down');
      return new Map(ids.flatMap((id) => (stored.has(id) ? [[id, stored.get(id)!] as const] : [])));
    },
  } as unknown as TraceStore;
  return { traces, reads };
}

test('read ahead: what was read is taken once; a trace being read is not read twice', async () => {
  const { traces, reads } = fakeTraces(new Map([['a', rollup('a', 2)]]));
  const ahead = new RollupReadAhead(traces);
  ahead.start([{ tenant_id: 't', trace_id: 'a' }, { tenant_id: 't', trace_id: 'b' }]);
  ahead.start([{ tenant_id: 't', trace_id: 'b' }]);
  const { known, unread } = await ahead.take('t', ['a', 'b', 'c']);
  assert.deepEqual(reads, [['a', 'b']]);
  assert.equal(known.get('a')?.span_count, 2);
  assert.equal(known.get('b'), null); // read: not stored yet
  assert.deepEqual(unread, ['c']); // never read ahead: the fold reads it
  assert.deepEqual((await ahead.take('t', ['a'])).unread, ['a']); // taken already
});

test('read ahead: a write after the read replaces it with what it stored; a write that may have failed drops it', async () => {
  const stored = new Map<string, TraceRollup>();
  const { traces } = fakeTraces(stored);
  const ahead = new RollupReadAhead(traces);
  ahead.start([{ tenant_id: 't', trace_id: 'a' }, { tenant_id: 't', trace_id: 'b' }]);
  ahead.written([rollup('a', 3)], [{ tenant_id: 't', trace_id: 'b' }]);
  ahead.written([rollup('z', 1)]); // nobody read z ahead: nothing kept for it
  const { known, unread } = await ahead.take('t', ['a', 'b', 'z']);
  assert.equal(known.get('a')?.span_count, 3);
  assert.deepEqual(unread, ['b', 'z']);
});

test('read ahead: a failed read is read again by the fold', async () => {
  const { traces } = fakeTraces(new Map(), true);
  const ahead = new RollupReadAhead(traces);
  ahead.start([{ tenant_id: 't', trace_id: 'a' }]);
  assert.deepEqual(await ahead.take('t', ['a']), { known: new Map(), unread: ['a'] });
});

test('read ahead: reads go one round at a time; what is queued meanwhile is read together in the next', async () => {
  const { traces, reads } = fakeTraces(new Map([['c', rollup('c', 1)]]));
  const ahead = new RollupReadAhead(traces);
  ahead.start([{ tenant_id: 't', trace_id: 'a' }]);
  ahead.start([{ tenant_id: 't', trace_id: 'b' }]);
  ahead.start([{ tenant_id: 't', trace_id: 'c' }, { tenant_id: 't', trace_id: 'b' }]);
  const { known } = await ahead.take('t', ['a', 'b', 'c']);
  assert.deepEqual(reads, [['a'], ['b', 'c']]);
  assert.deepEqual([...known], [['a', null], ['b', null], ['c', rollup('c', 1)]]);
});
