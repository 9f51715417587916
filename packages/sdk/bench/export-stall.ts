// The longest event-loop stall while the SDK exports: `npx tsx packages/sdk/bench/export-stall.ts
// [--spans 1024] [--payload 2000] [--rounds 5]`. Spans carrying `payload` characters of input
// and of output go through the SDK's exporting span processor (default batch limits) to an
// OTLP/HTTP sink on loopback; perf_hooks.monitorEventLoopDelay (1 ms resolution) records the
// loop's delays during each flush, and each synchronous call into the exporter (where it
// serialises) is timed: on a busy machine the loop delay also holds the time other processes
// took the CPU, the calls only the SDK's work. Compared: the SDK's default (OTLP/HTTP protobuf
// serialised a slice of at most 8 spans / 8 KiB per loop turn, one request per batch), chunks
// (32 spans / 32 KiB per loop turn, one request each: what the JSON and gRPC exporters get) and
// whole batches (what a plain BatchSpanProcessor does).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { DEFAULT_BATCH, resolveConfig } from '../src/config.ts';
import { createSpanExporter } from '../src/exporters.ts';
import { CHUNK_LIMITS, ExportingSpanProcessor, SLICE_LIMITS, type ChunkLimits, type SlicedExporter } from '../src/pipeline.ts';
import { startSink } from './support.ts';

const { values: args } = parseArgs({ options: { spans: { type: 'string', default: '1024' }, payload: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '5' } } });
const spans = Number(args.spans);
const rounds = Number(args.rounds);

const sink = await startSink();
const endpoint = sink.url;
const url = `${endpoint}/v1/traces`;

const text = (n: number) => 'lorem ipsum dolor sit amet '.repeat(Math.ceil(n / 27)).slice(0, n);
const attributes = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.request.model': 'gpt-4o-mini',
  'gen_ai.usage.input_tokens': 812,
  'gen_ai.usage.output_tokens': 96,
  'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: text(Number(args.payload)) }] }]),
  'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: text(Number(args.payload)) }] }]),
};

/** The OTLP exporter, timing each of its synchronous export() calls (serialisation happens there). */
// one exporter of each kind for every round (warmed up first): the first call loads the serialiser
const inner = new OTLPTraceExporter({ url });
function timedExporter(calls: number[]): SpanExporter {
  return {
    export(batch, done) {
      const start = performance.now();
      inner.export(batch, done);
      calls.push(performance.now() - start);
    },
    shutdown: async () => {},
    forceFlush: () => inner.forceFlush(),
  };
}
/** The SDK's own OTLP/HTTP protobuf exporter (what init() uses), timing each slice's serialisation and each send. */
const sliced = createSpanExporter(resolveConfig({ endpoint }, {})) as SlicedExporter<ReadableSpan>;
function timedSlicedExporter(calls: number[]): SlicedExporter<ReadableSpan> {
  const time = <T>(work: () => T): T => {
    const start = performance.now();
    const result = work();
    calls.push(performance.now() - start);
    return result;
  };
  return {
    serialize: (items) => time(() => sliced.serialize(items)),
    send: (request, count, done) => time(() => sliced.send(request, count, done)),
    forceFlush: () => sliced.forceFlush(),
    shutdown: async () => {},
  };
}

interface Setup {
  label: string;
  exporter: (calls: number[]) => SpanExporter | SlicedExporter<ReadableSpan>;
  limits: ChunkLimits;
}

async function stall({ exporter, limits }: Setup): Promise<{ maxMs: number; p99Ms: number; longestCallMs: number; medianCallMs: number; calls: number; requests: number }> {
  const calls: number[] = [];
  const processor = new ExportingSpanProcessor(exporter(calls), { ...DEFAULT_BATCH, maxQueueSize: spans, scheduledDelayMillis: 60_000 }, undefined, limits);
  const tracer = new BasicTracerProvider({ spanProcessors: [processor] }).getTracer('bench');
  const requestsBefore = sink.requests();
  for (let i = 0; i < spans; i++) tracer.startSpan('chat gpt-4o-mini', { attributes }).end();
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  // the monitor's timer must be running before the work starts (its first tick records nothing)
  await new Promise((resolve) => setTimeout(resolve, 20));
  await processor.forceFlush();
  loop.disable();
  await processor.shutdown();
  if (processor.counter.snapshot().exported !== spans) throw new Error(`exported ${JSON.stringify(processor.counter.snapshot())}`);
  calls.sort((a, b) => a - b);
  return { maxMs: loop.max / 1e6, p99Ms: loop.percentile(99) / 1e6, longestCallMs: calls[calls.length - 1], medianCallMs: calls[Math.floor(calls.length / 2)], calls: calls.length, requests: sink.requests() - requestsBefore };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const setups: Setup[] = [
  { label: `sliced (default): ${SLICE_LIMITS.maxItems} spans / ${SLICE_LIMITS.maxChars / 1024} KiB serialised per loop turn, one request per batch`, exporter: timedSlicedExporter, limits: SLICE_LIMITS },
  { label: `chunked (JSON, gRPC): ${CHUNK_LIMITS.maxItems} spans / ${CHUNK_LIMITS.maxChars / 1024} KiB per loop turn, one request each`, exporter: timedExporter, limits: CHUNK_LIMITS },
  { label: `whole batches of ${DEFAULT_BATCH.maxExportBatchSize}`, exporter: timedExporter, limits: { maxItems: Infinity, maxChars: Infinity } },
];
for (const setup of setups) await stall(setup); // warm-up
console.log(`${spans} spans with ${args.payload} characters of input and output each, ${rounds} rounds, Node ${process.version}; event-loop delay during the flush (ms, median of rounds):\n`);
console.log('| Export | Requests | Calls into the exporter | Median call (serialising) | Longest call | Event-loop delay max | p99 |');
console.log('|---|---|---|---|---|---|---|');
for (const setup of setups) {
  const results = [];
  for (let r = 0; r < rounds; r++) results.push(await stall(setup));
  console.log(`| ${setup.label} | ${results[0].requests} | ${results[0].calls} | ${median(results.map((x) => x.medianCallMs)).toFixed(2)} | ${median(results.map((x) => x.longestCallMs)).toFixed(1)} | ${median(results.map((x) => x.maxMs)).toFixed(1)} | ${median(results.map((x) => x.p99Ms)).toFixed(1)} |`);
}
await sliced.shutdown();
await sink.close();
