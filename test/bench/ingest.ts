// npm run bench [-- --spans 30000 --batch 512 --concurrency 8 --spool on --collector-flags=<node flags>]
//
// End to end: a collector (child process, embedded chDB in a temp dir) receives N GenAI
// spans (~1.3 KB each with content) as OTLP/HTTP protobuf from a load generator (another
// child process). Reports acked spans/s, p50/p99 request latency and the collector's
// peak RSS, and the CPU time it used during the load (all its threads, and its JavaScript
// thread alone: the rest is chDB's). Then, in a fresh process, the raw ceiling: the same
// rows inserted straight into chDB with the store's insert path and no HTTP, decoding or
// mapping, three passes (the ratio uses their median).
import { fork } from "node:child_process";
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { tempDataDir } from '../support/collector.ts';
import { percentile } from './percentile.ts';

const { values } = parseArgs({
  options: {
    spans: { type: 'string', default: '30000' },
    batch: { type: 'string', default: '512' },
    concurrency: { type: 'string', default: '8' },
    role: { type: 'string' },
    url: { type: 'string' },
    data: { type: 'string' },
    /** on: the durable spool (SPANHOUSE_SPOOL) acknowledges, storage follows. */
    spool: { type: 'string', default: 'off' },
    /** on: while the load runs, a user pages the trace list (one request at a time, 100 ms apart) and its latency is reported. */
    browse: { type: 'string', default: 'off' },
    /** node flags for the collector's process only, space-separated: `--collector-flags=--max-semi-space-size=4` (with `=`, as the value starts with --). */
    'collector-flags': { type: 'string', default: '' },
  },
});
const SPOOL = values.spool === 'on';
const SPANS = Number(values.spans);
const BATCH = Number(values.batch);
const CONCURRENCY = Number(values.concurrency);
const SELF = fileURLToPath(import.meta.url);
/** Passes of the plain-insert ceiling; the ratio uses their median. */
const CEILING_PASSES = 3;

// ---- the spans ------------------------------------------------------------------------

const TOPICS = ['refund for a damaged blender', 'SQL to find duplicate orders', 'a 3-day itinerary in Kyoto', 'why my React effect runs twice', 'a vegetarian lasagna recipe'];

/** Spans per trace: an agent span and four LLM calls under it (the root ends last, as in real apps). */
const TRACE_SPANS = 5;

/** Real OTel SDK spans (ReadableSpan) with GenAI attributes, ~1.3 KB each once encoded, in traces of TRACE_SPANS. */
async function buildSpans(count: number) {
  const { trace, context } = await import('@opentelemetry/api');
  const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench-app', 'deployment.environment': 'bench' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('bench');
  let root: ReturnType<typeof tracer.startSpan> | null = null;
  for (let i = 0; i < count; i++) {
    const topic = TOPICS[i % TOPICS.length];
    if (i % TRACE_SPANS === 0) {
      root = tracer.startSpan('invoke_agent shop-assistant', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'shop-assistant', 'user.id': `user-${i % 997}` } });
      if (i + 1 < count) continue; // the root ends after its children
    }
    const span = tracer.startSpan('chat gpt-4o-mini', {
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
        'gen_ai.usage.input_tokens': 180 + (i % 50),
        'gen_ai.usage.output_tokens': 90 + (i % 30),
        'gen_ai.request.temperature': 0.3,
        'gen_ai.input.messages': JSON.stringify([
          { role: 'system', parts: [{ type: 'text', content: 'You are a helpful assistant for an online shop. Answer briefly and politely, in the language of the user. Never invent order numbers, prices or delivery dates; when you are unsure, say so and offer to hand the conversation to a human colleague from the support team.' }] },
          { role: 'user', parts: [{ type: 'text', content: `Request #${i}: please help me with ${topic}. I have tried a few things already and would like a clear, step by step answer.` }] },
        ]),
        'gen_ai.output.messages': JSON.stringify([
          {
            role: 'assistant',
            parts: [{ type: 'text', content: `Of course. Here is how to approach ${topic}: first, gather what you have; second, follow the steps in order; third, check the result and tell me if anything is unclear. (answer ${i})` }],
            finish_reason: 'stop',
          },
        ]),
      },
    }, trace.setSpan(context.active(), root!));
    span.end();
    if (i % TRACE_SPANS === TRACE_SPANS - 1 || i === count - 1) root!.end();
  }
  await provider.forceFlush();
  return exporter.getFinishedSpans();
}

// ---- roles ----------------------------------------------------------------------------

/** A role's result: to the driver over IPC, or printed when the role runs by hand. */
function report(result: object): void {
  if (process.send) process.send(result);
  else console.log(result);
}

async function collectorRole() {
  const { startCollector } = await import('@spanhouse/collector');
  // with the spool, stopping waits until everything acknowledged is stored (timed by the driver)
  const collector = await startCollector({ host: '127.0.0.1', port: 0, grpcPort: 0, dataDir: values.data!, log: () => {}, spool: SPOOL, shutdownTimeoutMs: SPOOL ? 600_000 : 10_000 });
  report({ url: collector.url });
  process.on('message', async (message) => {
    if (message === 'stop') {
      await collector.close();
      process.exit(0);
    }
  });
}

async function loadRole() {
  const { ProtobufTraceSerializer } = await import('@opentelemetry/otlp-transformer');
  const spans = await buildSpans(SPANS);
  const bodies: Uint8Array[] = [];
  for (let i = 0; i < spans.length; i += BATCH) bodies.push(ProtobufTraceSerializer.serializeRequest(spans.slice(i, i + BATCH))!);
  const bytes = bodies.reduce((n, b) => n + b.length, 0);
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  report({ sending: true }); // built: the requests start now
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        const t = performance.now();
        const res = await fetch(`${values.url}/v1/traces`, { method: "POST", body: new Uint8Array(body), headers: { 'content-type': 'application/x-protobuf' } });
        await res.arrayBuffer();
        if (res.status !== 200) failed++;
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  report({ seconds, failed, requests: bodies.length, bytesPerSpan: bytes / spans.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99) });
}

async function rawRole() {
  const { mapSpan } = await import('@spanhouse/model');
  const { SpanStore } = await import('@spanhouse/collector');
  const { toRow, SPAN_INSERT_COLUMNS } = await import('../../collector/src/store/span-columns.ts');
  const { insertRows } = await import('../../collector/src/store/query.ts');
  const { decodeTraceRequest } = await import('../../collector/src/receivers/otlp-codec.ts');
  const { ProtobufTraceSerializer } = await import('@opentelemetry/otlp-transformer');
  const spans = await buildSpans(SPANS);
  // the very rows the collector stores, prepared before the clock starts
  const decoded = decodeTraceRequest(Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!), 'protobuf');
  const { resource, scopeSpans } = decoded.resourceSpans[0];
  const rows = scopeSpans.flatMap(({ scope, spans: s }) => s.map((span) => toRow(mapSpan({ span, resource, scope, tenantId: 'default' }), 1)));
  const store = await SpanStore.open({ dataDir: values.data! });
  // The ceiling: the same rows into a plain MergeTree (same columns; no sorting key,
  // indexes, projection or rollup), in the insert format and batch size the collector uses.
  // Three passes, each into a table of its own: one pass takes 1.5-2 s, and on this VM its
  // rate moved by 25% from run to run while the end-to-end rate moved by 5%.
  const insertBatch = 5_000;
  const timed = async (table: string) => {
    const started = performance.now();
    for (let i = 0; i < rows.length; i += insertBatch) {
      await insertRows(store.client, table, SPAN_INSERT_COLUMNS, rows.slice(i, i + insertBatch));
    }
    return (performance.now() - started) / 1000;
  };
  const passes: number[] = [];
  for (let pass = 0; pass < CEILING_PASSES; pass++) {
    await store.client.command({ query: `CREATE TABLE plain_spans_${pass} AS spans ENGINE = MergeTree ORDER BY tuple()` });
    passes.push(await timed(`plain_spans_${pass}`));
  }
  const spansSeconds = await timed('spans');
  await store.close();
  report({ passes, spansSeconds });
}

// ---- driver ---------------------------------------------------------------------------

function child(role: string, extra: string[] = []) {
  return fork(SELF, ['--role', role, '--spans', String(SPANS), '--batch', String(BATCH), '--concurrency', String(CONCURRENCY), '--spool', SPOOL ? 'on' : 'off', ...extra], {
    // workspace packages from their TypeScript source: the run measures this checkout, not whatever
    // collector/dist was last built
    execArgv: [
      '--import', 'tsx', '--conditions=source',
      ...(process.env.BENCH_PROFILE && role === 'collector' ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []),
      ...(role === 'collector' ? values['collector-flags']!.split(' ').filter(Boolean) : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

function nextMessage<T>(proc: ReturnType<typeof fork>): Promise<T> {
  return new Promise((resolve, reject) => {
    proc.once('message', (m) => resolve(m as T));
    proc.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
  });
}

/** CPU seconds (user + system) a process has used: all its threads, and its main thread (JavaScript). */
function cpuSeconds(pid: number): { all: number; main: number } {
  const ticks = (stat: string) => {
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime (clock ticks of 1/100 s)
  };
  // the process's figures include threads that have ended; task/<pid> is the main thread alone
  return { all: ticks(readFileSync(`/proc/${pid}/stat`, 'utf8')), main: ticks(readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8')) };
}

/** Peak resident set of a process (VmHWM), in MiB. */
function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function main() {
  const e2eData = tempDataDir('bench-e2e');
  const rawData = tempDataDir('bench-raw');
  try {
    const collector = child('collector', ['--data', e2eData.dir]);
    const { url } = await nextMessage<{ url: string }>(collector);
    const load = child('load', ['--url', url]);
    await nextMessage<{ sending: true }>(load);
    const cpuBefore = cpuSeconds(collector.pid!);
    const loaded = nextMessage<{ seconds: number; failed: number; requests: number; bytesPerSpan: number; p50: number; p99: number }>(load);
    const browsing = values.browse === 'on' ? browse(url, loaded) : Promise.resolve([]);
    const result = await loaded;
    const cpuAfter = cpuSeconds(collector.pid!);
    const cpu = { all: cpuAfter.all - cpuBefore.all, main: cpuAfter.main - cpuBefore.main };
    const listMs = await browsing;
    const rss = peakRssMiB(collector.pid!);
    const stopping = performance.now();
    collector.send('stop');
    await new Promise((r) => collector.once('exit', r));
    const drainSeconds = (performance.now() - stopping) / 1000;

    const raw = child('raw', ['--data', rawData.dir]);
    const ceiling = await nextMessage<{ passes: number[]; spansSeconds: number }>(raw);
    await new Promise((r) => raw.once('exit', r));

    const e2eRate = SPANS / result.seconds;
    const rawRates = ceiling.passes.map((seconds) => SPANS / seconds).sort((a, b) => a - b);
    const rawRate = percentile(rawRates, 50); // the median of an odd count
    const lines = [
      `spans: ${SPANS} in ${result.requests} requests of ${BATCH} (${result.bytesPerSpan.toFixed(0)} B/span protobuf), concurrency ${CONCURRENCY}, node ${process.version}`,
      `end to end: ${e2eRate.toFixed(0)} acked spans/s, request p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, failed requests ${result.failed}`,
      ...(SPOOL ? [`spool on: acknowledged once in the spool's log; the rest stored ${drainSeconds.toFixed(1)} s after the last acknowledgement (stored end to end: ${(SPANS / (result.seconds + drainSeconds)).toFixed(0)} spans/s)`] : []),
      ...(listMs.length > 0 ? [`trace list while ingesting (GET /api/traces?limit=50, ${listMs.length} requests): p50 ${percentile(listMs, 50).toFixed(0)} ms, p95 ${percentile(listMs, 95).toFixed(0)} ms`] : []),
      `collector peak RSS: ${rss.toFixed(0)} MiB`,
      `collector CPU during the load: ${cpu.all.toFixed(1)} s over ${result.seconds.toFixed(1)} s (${((1e6 * cpu.all) / SPANS).toFixed(0)} µs a span; its JavaScript thread ${cpu.main.toFixed(1)} s, chDB and the rest ${(cpu.all - cpu.main).toFixed(1)} s)`,
      `ceiling, the same rows into a plain MergeTree (JSONCompactEachRow inserts of 5000, as the store makes them): ${rawRate.toFixed(0)} rows/s, the median of ${rawRates.length} passes (${rawRates.map((r) => r.toFixed(0)).join(', ')}); into the spans table alone: ${(SPANS / ceiling.spansSeconds).toFixed(0)} rows/s`,
      `end to end / ceiling: ${((100 * e2eRate) / rawRate).toFixed(0)}%`,
    ];
    console.log(lines.join('\n'));
    if (result.failed > 0) process.exitCode = 1;
  } finally {
    e2eData.remove();
    rawData.remove();
  }
}

/** A user paging the trace list until `until` settles: each request's milliseconds. */
async function browse(url: string, until: Promise<unknown>): Promise<number[]> {
  let done = false;
  until.then(() => (done = true), () => (done = true));
  const times: number[] = [];
  while (!done) {
    const started = performance.now();
    const response = await fetch(`${url}/api/traces?limit=50`);
    await response.arrayBuffer();
    if (!done) times.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return times;
}

const roles: Record<string, () => Promise<void>> = { collector: collectorRole, load: loadRole, raw: rawRole };
if (values.role) await roles[values.role]();
else await main();
