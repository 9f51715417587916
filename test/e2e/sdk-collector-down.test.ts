// @spanhouse/sdk with the collector down: the app keeps running, memory stays bounded (a full
// queue drops spans and counts them), failed exports are counted; once a collector listens on
// the endpoint, export resumes.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { RunningCollector } from '@spanhouse/collector';
import { currentTraceId, init, observe } from '../../packages/sdk/src/index.ts';
import { startTestCollector, tempDataDir } from '../support/collector.ts';
import { readTrace } from '../support/library.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A loopback port nothing listens on (yet). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const MAX_QUEUE = 200;
const data = tempDataDir('sdk-down');
let collector: RunningCollector | undefined;
const port = await freePort();
const sdk = init({
  endpoint: `http://127.0.0.1:${port}`,
  serviceName: 'sdk-down-app',
  flushOnExit: false,
  // A batch leaves when 50 spans wait; a failing export gives up after 1 s of retries.
  batch: { maxQueueSize: MAX_QUEUE, maxExportBatchSize: 50, scheduledDelayMillis: 60_000, exportTimeoutMillis: 1000 },
});

after(async () => {
  await sdk.shutdown();
  await collector?.close();
  data.remove();
});

const step = observe('step', (payload: string) => payload.length, { type: 'tool' });

test('collector down: spans beyond the queue are dropped and counted, memory stays bounded', async () => {
  const SPANS = 20_000;
  const payload = 'x'.repeat(10_000); // each span holds ~10 KB of input and output: 200 MB if all were kept
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  for (let i = 0; i < SPANS; i++) step(payload + i);
  gc();
  const heapGrowth = process.memoryUsage().heapUsed - heapBefore;

  const during = sdk.stats().spans;
  assert.ok(during.queued <= MAX_QUEUE, `queued ${during.queued}`);
  assert.ok(during.droppedQueueFull >= SPANS - MAX_QUEUE - 50 * 4, `dropped ${during.droppedQueueFull}`);
  assert.ok(heapGrowth < 40 * 1024 * 1024, `heap grew by ${(heapGrowth / 1048576).toFixed(1)} MiB`);

  // Flushing with nothing listening fails (the spans are counted as lost), it does not hang or crash.
  await assert.rejects(sdk.flush());
  const after = sdk.stats().spans;
  assert.equal(after.queued, 0);
  assert.equal(after.exported, 0);
  assert.ok(after.droppedExportFailed > 0, `export failures ${after.droppedExportFailed}`);
  assert.equal(after.droppedQueueFull + after.droppedExportFailed, SPANS, 'every span is accounted for');
});

test('collector started on the endpoint: export resumes', async () => {
  collector = await startTestCollector(data.dir, { port });
  const traceId = await observe('after-restart', () => {
    step('child');
    return currentTraceId()!;
  }, { type: 'chain' })();
  await sdk.flush();
  const { spans } = await readTrace(collector.url, traceId);
  assert.deepEqual(spans.map((s) => s.name).sort(), ['after-restart', 'step']);
  assert.equal(sdk.stats().spans.exported, 2);
});
