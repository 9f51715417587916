// Per-call overhead of @spanhouse/sdk on an instrumented OpenAI call, and event-loop delay while
// it exports. Run by hand: `npx tsx packages/sdk/bench/overhead.ts [--calls 5000] [--warmup 500]
// [--transports loopback,memory] [--modes baseline,context,no-content,sdk] [--profile]`.
// --profile also samples the timed calls with V8's CPU profiler (it slows them: the timings of
// that run are not the overhead) and prints what the slowest 1% of calls spend their time on.
//
// Each configuration runs in its own process (instrumentation patches the client for the whole
// process): the real `openai` client, without the SDK (baseline) or with init() (OpenAI
// instrumentation, content capture, spans and log records exported in batches to a local OTLP
// sink that answers 200). Two transports: the fake OpenAI server on loopback (what an app sees)
// and an in-memory fetch (no socket noise, so the difference is the SDK's own cost). Also times
// observe() around an empty async function. Next to wall time, each call's wall time less the
// time the thread waited in the run queue meanwhile (Linux /proc/thread-self/schedstat): on a
// shared machine a call's wall time also holds the milliseconds another process had the CPU,
// which rules the wall-time p99 once the load average passes the core count.
import { execFile } from 'node:child_process';
import { openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { serialize } from 'node:v8';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startFakeOpenAI } from '../../../test/support/fake-openai.ts';
import { DEFAULT_BATCH } from '../src/config.ts';
import { startCallProfiler, type Attribution } from './attribution.ts';
import { memoryFetch, quantile, startSink } from './support.ts';

const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '5000' },
    warmup: { type: 'string', default: '500' },
    child: { type: 'string' },
    transport: { type: 'string' },
    'openai-url': { type: 'string' },
    'sink-url': { type: 'string' },
    transports: { type: 'string', default: 'loopback,memory' },
    modes: { type: 'string', default: 'baseline,context,no-content,sdk' },
    profile: { type: 'boolean', default: false },
  },
});

interface Result {
  label: string;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  /** Wall time less the time the thread waited for a CPU (another process had it), ms. */
  runP50: number;
  runP99: number;
  loopP99: number;
  loopMax: number;
  exported?: number;
  dropped?: number;
  attribution?: { slowest: Attribution; all: Attribution };
}

function summarise(label: string, { durations: durationsMs, running }: Timings, loop: ReturnType<typeof monitorEventLoopDelay>): Result {
  const sorted = [...durationsMs].sort((a, b) => a - b);
  const runSorted = [...running].sort((a, b) => a - b);
  return {
    label,
    runP50: quantile(runSorted, 0.5),
    runP99: quantile(runSorted, 0.99),
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    loopP99: loop.percentile(99) / 1e6,
    loopMax: loop.max / 1e6,
  };
}

interface Timings {
  /** Wall time of each call, ms. */
  durations: number[];
  /** Wall time less the run-queue wait, ms. */
  running: number[];
}

/**
 * This thread's total wait in the run queue so far, ns: the second field of
 * /proc/thread-self/schedstat, updated whenever the thread gets a CPU back. 0 where unavailable.
 */
function runQueueWaitClock(): () => number {
  let fd: number;
  try {
    fd = openSync('/proc/thread-self/schedstat', 'r');
  } catch {
    return () => 0;
  }
  const buffer = Buffer.alloc(128);
  return () => Number(buffer.toString('latin1', 0, readSync(fd, buffer, 0, buffer.length, 0)).split(' ')[1]);
}
const runQueueWait = runQueueWaitClock();

async function timed(count: number, fn: () => Promise<unknown>, record?: (start: bigint, end: bigint) => void): Promise<Timings> {
  const durations: number[] = [];
  const running: number[] = [];
  for (let i = 0; i < count; i++) {
    const waitedBefore = runQueueWait();
    const start = process.hrtime.bigint();
    await fn();
    const end = process.hrtime.bigint();
    const waited = (runQueueWait() - waitedBefore) / 1e6;
    durations.push(Number(end - start) / 1e6);
    running.push(Math.max(0, Number(end - start) / 1e6 - waited));
    record?.(start, end);
    // Let timers and I/O run between calls (the exporter's among them), as in an app doing I/O;
    // a loop of only resolved promises would starve them.
    await new Promise(setImmediate);
  }
  return { durations, running };
}

async function child(mode: string): Promise<void> {
  const calls = Number(args.calls);
  const warmup = Number(args.warmup);
  const sdkModule = mode === 'baseline' ? undefined : await import('../src/index.ts');
  const sdk = sdkModule?.init({
    endpoint: args['sink-url'],
    serviceName: 'bench',
    flushOnExit: false,
    instrument: mode !== 'context',
    captureContent: mode !== 'no-content',
  });
  const { OpenAI } = createRequire(import.meta.url)('openai') as typeof import('openai');
  const client = new OpenAI({
    baseURL: args['openai-url'],
    apiKey: 'sk-bench',
    maxRetries: 0,
    ...(args.transport === 'memory' ? { fetch: memoryFetch as typeof fetch } : {}),
  });
  const chat = () => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'How far is the moon?' }] });
  // Without instrumentation nothing enters a context, and Node's AsyncLocalStorage costs nothing
  // until one does: withContext() turns its promise hooks on, as the instrumentation does.
  const call = mode === 'context' ? () => sdkModule!.withContext({ userId: 'bench' }, chat) : chat;

  await timed(warmup, call);
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const profiler = args.profile ? await startCallProfiler() : undefined;
  const durations = await timed(calls, call, profiler?.record);
  const attribution = await profiler?.stop();
  await sdk?.flush(); // the last batch's export counts too
  loop.disable();
  const results: Result[] = [{ ...summarise(`openai chat, ${args.transport}`, durations, loop), exported: sdk?.stats().spans.exported, dropped: sdk?.stats().spans.droppedQueueFull, attribution }];

  const noop = async (x: number) => x;
  const step = sdkModule ? sdkModule.observe('step', noop, { type: 'tool' }) : noop;
  await timed(warmup, () => step(1));
  const stepLoop = monitorEventLoopDelay({ resolution: 1 });
  stepLoop.enable();
  const stepDurations = await timed(calls, () => step(1));
  await sdk?.flush();
  stepLoop.disable();
  results.push(summarise('observe() around an empty async function', stepDurations, stepLoop));
  await sdk?.shutdown();
  console.log(JSON.stringify(results));
}

/**
 * A worker_threads exporter would still cost the event loop this much: a plain copy of each span
 * (the SDK's span objects do not cross threads) and the structured clone postMessage makes of it.
 */
const workerHandOver = {
  serializeRequest: (spans: ReadableSpan[]) =>
    serialize(
      spans.map((s) => ({
        name: s.name,
        kind: s.kind,
        context: s.spanContext(),
        parentSpanId: s.parentSpanContext?.spanId,
        startTime: s.startTime,
        endTime: s.endTime,
        attributes: s.attributes,
        events: s.events,
        links: s.links,
        status: s.status,
        scope: s.instrumentationScope,
        resource: s.resource.attributes,
      })),
    ),
};

/**
 * The export work done on the event loop: serialising one full batch (the default 128 spans)
 * to OTLP; the request itself is asynchronous I/O. Median of 30 runs after 30 warm-up runs, in ms.
 */
function batchSerialisation(attributes: Record<string, string | number | string[]>, serializer: { serializeRequest(spans: ReadableSpan[]): unknown }): number {
  const exporter = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('bench');
  for (let i = 0; i < DEFAULT_BATCH.maxExportBatchSize; i++) tracer.startSpan('chat gpt-4o-mini', { attributes: { ...attributes, 'gen_ai.response.id': `chatcmpl-${i}` } }).end();
  const spans = exporter.getFinishedSpans();
  const times: number[] = [];
  for (let run = 0; run < 60; run++) {
    const start = process.hrtime.bigint();
    serializer.serializeRequest(spans);
    if (run >= 30) times.push(Number(process.hrtime.bigint() - start) / 1e6); // the first 30 warm up the JIT
  }
  return quantile(times.sort((a, b) => a - b), 0.5);
}

const CHAT_SPAN = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.request.model': 'gpt-4o-mini',
  'gen_ai.system': 'openai',
  'server.address': '127.0.0.1',
  'server.port': 4000,
  'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
  'gen_ai.response.finish_reasons': ['stop'],
  'gen_ai.usage.input_tokens': 21,
  'gen_ai.usage.output_tokens': 9,
  'spanhouse.user_id': 'user-42',
  'spanhouse.session_id': 'session-7',
};
const CONTENT = 'x'.repeat(2000);

const MODES: Record<string, string> = {
  baseline: 'no SDK',
  context: 'init({ instrument: false }), each call in withContext(): context manager only',
  'no-content': 'init({ captureContent: false })',
  sdk: 'init() (content captured as log records)',
};

/** What the slowest 1% of calls spent their time on, next to all calls (ms of CPU samples per call). */
function attributionTable(label: string, { slowest, all }: { slowest: Attribution; all: Attribution }): string {
  const owners = Object.keys({ ...all.owners, ...slowest.owners }).sort((a, b) => (slowest.owners[b]?.msPerCall ?? 0) - (slowest.owners[a]?.msPerCall ?? 0));
  const pct = (x = 0) => `${Math.round(x * 100)}%`;
  const lines = [
    `\nProfiled: ${label}. Slowest 1% (${slowest.calls} calls, mean ${slowest.meanMs.toFixed(3)} ms) against all ${all.calls} calls (mean ${all.meanMs.toFixed(3)} ms); a scavenge ran during ${pct(slowest.minorGcCalls)} of the slowest and ${pct(all.minorGcCalls)} of all calls, other GC work during ${pct(slowest.otherGcCalls)} and ${pct(all.otherGcCalls)}:\n`,
    '| Code | Slowest 1%: ms per call | Slowest 1%: calls with a sample | All calls: ms per call | All calls: calls with a sample |',
    '|---|---|---|---|---|',
  ];
  for (const o of owners) lines.push(`| ${o} | ${(slowest.owners[o]?.msPerCall ?? 0).toFixed(3)} | ${pct(slowest.owners[o]?.callsTouched)} | ${(all.owners[o]?.msPerCall ?? 0).toFixed(3)} | ${pct(all.owners[o]?.callsTouched)} |`);
  lines.push('\nThe frames the slowest 1% spent most in (ms per call):\n', ...slowest.frames.map(([frame, ms]) => `- ${ms.toFixed(3)} ${frame}`));
  return lines.join('\n');
}

async function main(): Promise<void> {
  const [fake, sink] = await Promise.all([startFakeOpenAI(), startSink()]);
  const run = promisify(execFile);
  const f = (n: number) => n.toFixed(3);
  const rows: string[] = [];
  const profiles: string[] = [];
  let observeRow = '';
  const modes = args.modes!.split(',');
  for (const transport of args.transports!.split(',')) {
    let base: Result | undefined;
    for (const [mode, label] of Object.entries(MODES).filter(([m]) => modes.includes(m))) {
      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', mode, '--transport', transport, '--calls', args.calls!, '--warmup', args.warmup!, '--openai-url', fake.baseURL, '--sink-url', sink.url, ...(args.profile ? ['--profile'] : [])],
        { maxBuffer: 1 << 20 },
      );
      const [chat, step]: Result[] = JSON.parse(stdout.trim().split('\n').pop()!);
      base ??= chat;
      const dropped = chat.dropped ? ` (${chat.dropped} dropped)` : '';
      rows.push(`| ${transport} | ${label} | ${f(chat.p50)} / ${f(chat.p90)} / ${f(chat.p99)} | ${f(chat.mean)} | ${f(chat.p50 - base.p50)} / ${f(chat.mean - base.mean)} | ${f(chat.runP50)} / ${f(chat.runP99)} | ${f(chat.runP50 - base.runP50)} / ${f(chat.runP99 - base.runP99)} | ${chat.loopP99.toFixed(1)} / ${chat.loopMax.toFixed(1)}${dropped} |`);
      if (chat.attribution) profiles.push(attributionTable(`${transport}, ${label}`, chat.attribution));
      if (mode === 'sdk' && transport === 'memory') observeRow = `| observe() around an empty async function | ${f(step.p50)} / ${f(step.p90)} / ${f(step.p99)} | ${f(step.mean)} | ${step.loopP99.toFixed(1)} / ${step.loopMax.toFixed(1)} |`;
    }
  }
  await Promise.all([fake.close(), sink.close()]);
  console.log(`Node ${process.version}, ${args.calls} calls after ${args.warmup} warm-up calls each, times in ms\n`);
  console.log('| Transport | Setup | Call p50 / p90 / p99 | Mean | Added p50 / mean | Less run-queue wait: p50 / p99 | Added to that: p50 / p99 | Event-loop delay p99 / max |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  if (observeRow) console.log(`\n| Helper | p50 / p90 / p99 | Mean | Event-loop delay p99 / max |\n|---|---|---|---|\n${observeRow}`);
  for (const table of profiles) console.log(table);
  const withContent = { ...CHAT_SPAN, 'gen_ai.input.messages': CONTENT, 'gen_ai.output.messages': CONTENT };
  console.log(`\nSerialising one batch of ${DEFAULT_BATCH.maxExportBatchSize} spans on the event loop (median, ms):\n`);
  console.log('| Spans | http/protobuf | http/json | hand-over to a worker thread (copy + structured clone) |\n|---|---|---|---|');
  for (const [label, attributes] of [['chat spans (instrumentation attributes)', CHAT_SPAN], ['with 2 KB of input and 2 KB of output each', withContent]] as const) {
    const ms = [ProtobufTraceSerializer, JsonTraceSerializer, workerHandOver].map((serializer) => batchSerialisation(attributes, serializer).toFixed(2));
    console.log(`| ${label} | ${ms.join(' | ')} |`);
  }
}

if (args.child) await child(args.child);
else await main();
