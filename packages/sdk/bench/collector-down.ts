// Memory of an app whose collector is down, under a steady burst of spans. Run by hand:
// `npx tsx packages/sdk/bench/collector-down.ts [--minutes 10] [--rate 2000] [--payload 2000]`.
//
// init() points at a loopback port nothing listens on, with the default limits (2048 spans
// queued, 10 s per export attempt with retries). Every 100 ms the app records rate/10 observed
// steps carrying `payload` characters of input and output. Each 30 s it prints the process's
// memory (heap after a full GC: what is retained) and the SDK's counters; memory must level off,
// not grow with the spans produced.
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { init, observe } from '../src/index.ts';

const { values: args } = parseArgs({
  options: { minutes: { type: 'string', default: '10' }, rate: { type: 'string', default: '2000' }, payload: { type: 'string', default: '2000' } },
});
const minutes = Number(args.minutes);
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const perTick = Number(args.rate) / 10;

const probe = createServer();
await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
const port = (probe.address() as { port: number }).port;
await new Promise((resolve) => probe.close(resolve));

const sdk = init({ endpoint: `http://127.0.0.1:${port}`, serviceName: 'collector-down-bench', flushOnExit: false });
const payload = 'x'.repeat(Number(args.payload));
const step = observe('step', (input: string) => `${input.length}:${payload}`, { type: 'tool' });

const mib = (bytes: number) => (bytes / 1048576).toFixed(0);
console.log(`Node ${process.version}; ${args.rate} spans/s with ${args.payload} characters of input and output each, collector down, ${minutes} min\n`);
console.log('| Time | Spans produced | RSS MiB | Heap retained MiB | Queued | Dropped (queue full) | Dropped (export failed) |');
console.log('|---|---|---|---|---|---|---|');
let produced = 0;
const started = Date.now();
function report() {
  gc();
  const { rss, heapUsed } = process.memoryUsage();
  const s = sdk.stats().spans;
  const elapsed = Math.round((Date.now() - started) / 1000);
  console.log(`| ${Math.floor(elapsed / 60)}:${String(elapsed % 60).padStart(2, '0')} | ${produced} | ${mib(rss)} | ${mib(heapUsed)} | ${s.queued} | ${s.droppedQueueFull} | ${s.droppedExportFailed} |`);
}

const burst = setInterval(() => {
  for (let i = 0; i < perTick; i++) step(payload + produced++);
}, 100);
const reporter = setInterval(report, 30_000);
await new Promise((resolve) => setTimeout(resolve, minutes * 60_000));
clearInterval(burst);
clearInterval(reporter);
report();
await sdk.shutdown();
