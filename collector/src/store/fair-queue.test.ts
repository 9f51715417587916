import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FairQueue, QueueFullError } from './fair-queue.ts';

/** A job that runs until released, recording when it started. */
function gate(log: string[], name: string) {
  let release!: () => void;
  let fail!: (error: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    release = resolve;
    fail = reject;
  });
  return { work: () => (log.push(name), done), release: () => release(), fail: (e: Error) => fail(e) };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test("one tenant's backlog does not delay another's query beyond one turn", async () => {
  const queue = new FairQueue({ total: 1, perTenant: 1, maxQueuedPerTenant: 10, queueTimeoutMs: 60_000 });
  const started: string[] = [];
  const a = [1, 2, 3, 4].map((i) => gate(started, `a${i}`));
  const b = gate(started, 'b1');
  const runs = a.map((g) => queue.run('a', g.work));
  runs.push(queue.run('b', b.work)); // arrives after a's four
  await settle();
  assert.deepEqual(started, ['a1']);
  a[0].release();
  await settle();
  assert.deepEqual(started, ['a1', 'b1'], 'b goes before the rest of a');
  b.release();
  for (const g of a.slice(1)) {
    await settle();
    g.release();
  }
  await Promise.all(runs);
  assert.deepEqual(started, ['a1', 'b1', 'a2', 'a3', 'a4']);
});

test('per-tenant and total concurrency are both bounded', async () => {
  const queue = new FairQueue({ total: 2, perTenant: 1, maxQueuedPerTenant: 10, queueTimeoutMs: 60_000 });
  const started: string[] = [];
  const jobs = ['a1', 'a2', 'b1', 'c1'].map((name) => ({ name, g: gate(started, name) }));
  const runs = jobs.map(({ name, g }) => queue.run(name[0], g.work));
  await settle();
  assert.deepEqual(started, ['a1', 'b1'], 'a2 waits for a1 (per tenant), c1 for a slot (total)');
  assert.equal(queue.active, 2);
  jobs[0].g.fail(new Error('query failed')); // a failing query frees its slot too
  await assert.rejects(runs[0], /query failed/);
  await settle();
  assert.deepEqual(started, ['a1', 'b1', 'c1'], 'c1 had waited longer than a2 for its turn');
  for (const { g } of jobs.slice(1)) g.release();
  await settle();
  jobs[1].g.release();
  await Promise.all(runs.slice(1));
  assert.equal(queue.active, 0);
});

test("a tenant's full queue answers 429 at once; a wait past the timeout answers 503, and the query never runs", async () => {
  const queue = new FairQueue({ total: 1, perTenant: 1, maxQueuedPerTenant: 1, queueTimeoutMs: 20 });
  const started: string[] = [];
  const hog = gate(started, 'hog');
  const running = queue.run('a', hog.work);
  const waiting = queue.run('a', gate(started, 'late').work);
  const refused = await queue.run('a', gate(started, 'third').work).then(() => null, (e: unknown) => e);
  assert.ok(refused instanceof QueueFullError);
  assert.equal(refused.status, 429);
  assert.ok(refused.retryAfterSeconds >= 1);
  const timedOut = await waiting.then(() => null, (e: unknown) => e);
  assert.ok(timedOut instanceof QueueFullError);
  assert.equal(timedOut.status, 503);
  assert.ok(timedOut.retryAfterSeconds >= 1);
  hog.release();
  await running;
  await settle();
  assert.deepEqual(started, ['hog'], 'a query that timed out is not run later');
  assert.equal(queue.active, 0);
});
