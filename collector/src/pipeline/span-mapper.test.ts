import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { OtlpTraceRequest } from '@spanhouse/model';
import { mapJob, type MapJob } from './ingest.ts';
import { SpanMapper, startWorker } from './span-mapper.ts';

const NOW_US = Date.UTC(2026, 0, 2) * 1000;

/** A chat span with messages and usage, and one older than the retention window (refused). */
function job(name: string): MapJob {
  const request: OtlpTraceRequest = {
    resourceSpans: [
      {
        resource: { 'service.name': 'svc' },
        scopeSpans: [
          {
            scope: { name: 'scope', version: '1' },
            spans: [
              {
                traceId: 'a'.repeat(32),
                spanId: 'b'.repeat(16),
                parentSpanId: '',
                name,
                kind: 3,
                startTimeUs: NOW_US - 2_000_000,
                endTimeUs: NOW_US - 1_000_000,
                attributes: {
                  'gen_ai.operation.name': 'chat',
                  'gen_ai.request.model': 'gpt-4o-mini',
                  'gen_ai.provider.name': 'openai',
                  'gen_ai.input.messages': JSON.stringify([{ role: 'user', content: `question of ${name}` }]),
                  'gen_ai.usage.input_tokens': 40,
                  'gen_ai.usage.output_tokens': 9,
                },
                events: [],
                links: [],
                status: { code: 1, message: '' },
              },
              { traceId: 'a'.repeat(32), spanId: 'c'.repeat(16), parentSpanId: '', name: 'too old', kind: 1, startTimeUs: NOW_US - 40 * 86_400_000_000, endTimeUs: NOW_US - 40 * 86_400_000_000 + 5, attributes: {}, events: [], links: [], status: { code: 0, message: '' } },
            ],
          },
        ],
      },
    ],
  };
  return { request, tenantId: 'acme', nowUs: NOW_US, retentionDays: 30 };
}

test('spans mapped on the worker thread are the ones the main thread maps, refusals included; jobs cross together', async () => {
  const sent: number[][] = [];
  const answered: number[] = [];
  const mapper = new SpanMapper(undefined, () => {
    const worker = startWorker();
    const post = worker.postMessage.bind(worker);
    worker.postMessage = (batch: Array<{ id: number }>) => (sent.push(batch.map((b) => b.id)), post(batch));
    worker.on('message', (results: Array<{ id: number }>) => answered.push(...results.map((r) => r.id)));
    return worker;
  });
  const jobs = ['one', 'two', 'three'].map(job);
  const mapped = await Promise.all(jobs.map((j) => mapper.map(j)));
  const later = await mapper.map(job('later'));
  await mapper.close();
  assert.deepEqual(sent, [[0, 1, 2], [3]], 'the jobs of one moment crossed in one message');
  assert.deepEqual(answered, [0, 1, 2, 3], 'every job was answered by the worker');
  for (const [i, j] of jobs.entries()) assert.deepEqual(mapped[i], mapJob(j));
  assert.deepEqual(later, mapJob(job('later')));
  assert.equal(mapped[0].spans.length, 1);
  assert.equal(mapped[0].spans[0].tenant_id, 'acme');
  assert.equal(mapped[0].spans[0].input_tokens, 40);
  assert.equal(mapped[0].rejected, 1);
  assert.match(mapped[0].reasons[0], /older than the retention window of 30 days/);
});

test('answers come back one per event-loop turn, not all in the turn the batch arrives', async () => {
  let turn = 0;
  let ticking = true;
  const tick = () => {
    turn++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const mapper = new SpanMapper();
  const turns = await Promise.all(['a', 'b', 'c'].map((name) => mapper.map(job(name)).then(() => turn)));
  ticking = false;
  await mapper.close();
  assert.equal(new Set(turns).size, 3, `answered in turns ${turns.join(', ')}`);
});

test('a worker that dies loses no span: its jobs are mapped on the main thread; one that never answered is not started again', async () => {
  const logs: string[] = [];
  let starts = 0;
  // answers its first batch with a failure, then exits: a worker that ran, so a new one starts
  const flaky = new SpanMapper((m) => logs.push(m), () => {
    starts++;
    return new Worker(
      `const { parentPort } = require('node:worker_threads');
       parentPort.once('message', (batch) => { parentPort.postMessage(batch.map(({ id }) => ({ id, error: 'boom' }))); setTimeout(() => process.exit(3), 20); });`,
      { eval: true },
    );
  });
  assert.deepEqual(await flaky.map(job('first')), mapJob(job('first')));
  assert.match(logs.join('\n'), /a job failed on the worker \(boom\); mapped on the main thread/);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.match(logs.join('\n'), /the worker stopped \(exit code 3\); its 0 job\(s\) are mapped on the main thread; a new one starts with the next batch/);
  assert.deepEqual(await flaky.map(job('second')), mapJob(job('second')));
  assert.equal(starts, 2);
  await flaky.close();

  logs.length = 0;
  starts = 0;
  const dying = new SpanMapper((m) => logs.push(m), () => (starts++, new Worker('setTimeout(() => process.exit(4), 20)', { eval: true }))); // never answers
  assert.deepEqual(await dying.map(job('third')), mapJob(job('third')));
  assert.deepEqual(await dying.map(job('fourth')), mapJob(job('fourth')));
  assert.equal(starts, 1, 'not started again');
  assert.match(logs.join('\n'), /the worker stopped \(exit code 4\); its 1 job\(s\) are mapped on the main thread; from now on, spans are mapped on the main thread/);
  await dying.close();

  const none = new SpanMapper((m) => logs.push(m), () => {
    throw new Error('no threads here');
  });
  assert.deepEqual(await none.map(job('fifth')), mapJob(job('fifth')));
  assert.match(logs.join('\n'), /no worker thread \(no threads here\)/);
});

test('after close, jobs are mapped on the main thread', async () => {
  let starts = 0;
  const mapper = new SpanMapper(undefined, () => (starts++, startWorker()));
  await mapper.map(job('before'));
  await mapper.close();
  assert.deepEqual(await mapper.map(job('after')), mapJob(job('after')));
  assert.equal(starts, 1);
});
