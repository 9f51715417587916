// The longest event-loop stall while the SDK exports: `npx tsx packages/sdk/bench/export-stall.ts
// [--spans 1024] [--payload 2000] [--rounds 5]`. Spans carrying `payload` characters of input
// and of output go through the SDK's exporting span processor (default batch limits) and the
// real OTLP/HTTP protobuf exporter to a sink on loopback; perf_hooks.monitorEventLoopDelay
// (1 ms resolution) records the loop's delays during each flush, and each synchronous call
// of the exporter's export() (where it serialises) is timed: on a busy machine the loop delay
// also holds the time other processes took the CPU, the export() calls only the SDK's work. Compared: the SDK's chunked
// export (one chunk of at most 32 spans / 32 KiB of text per loop turn) and whole batches
// (what a plain BatchSpanProcessor does).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { DEFAULT_BATCH } from '../src/config.ts';
import { CHUNK_LIMITS, ExportingSpanProcessor, type ChunkLimits } from '../src/pipeline.ts';

const { values: args } = parseArgs({ options: { spans: { type: 'string', default: '1024' }, payload: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '5' } } });
const spans = Number(args.spans);
const rounds = Number(args.rounds);

// a sink that reads each request and answers an empty ExportTraceServiceResponse
const sink = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
});
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/v1/traces`;

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
// one exporter for every round (warmed up first): its first call loads its serialiser
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

async function stall(limits: ChunkLimits): Promise<{ maxMs: number; p99Ms: number; longestCallMs: number; medianCallMs: number; calls: number }> {
  const calls: number[] = [];
  const processor = new ExportingSpanProcessor(timedExporter(calls), { ...DEFAULT_BATCH, maxQueueSize: spans, scheduledDelayMillis: 60_000 }, undefined, limits);
  const tracer = new BasicTracerProvider({ spanProcessors: [processor] }).getTracer('bench');
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
  return { maxMs: loop.max / 1e6, p99Ms: loop.percentile(99) / 1e6, longestCallMs: calls[calls.length - 1], medianCallMs: calls[Math.floor(calls.length / 2)], calls: calls.length };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const setups: [string, ChunkLimits][] = [
  [`chunked (${CHUNK_LIMITS.maxItems} spans / ${CHUNK_LIMITS.maxChars / 1024} KiB per loop turn)`, CHUNK_LIMITS],
  [`whole batches of ${DEFAULT_BATCH.maxExportBatchSize}`, { maxItems: Infinity, maxChars: Infinity }],
];
await stall(CHUNK_LIMITS); // warm-up
await stall({ maxItems: Infinity, maxChars: Infinity });
console.log(`${spans} spans with ${args.payload} characters of input and output each, ${rounds} rounds, Node ${process.version}; event-loop delay during the flush (ms, median of rounds):\n`);
console.log('| Export | export() calls | Median call (serialising) | Longest call | Event-loop delay max | p99 |');
console.log('|---|---|---|---|---|---|');
for (const [label, limits] of setups) {
  const results = [];
  for (let r = 0; r < rounds; r++) results.push(await stall(limits));
  console.log(`| ${label} | ${results[0].calls} | ${median(results.map((x) => x.medianCallMs)).toFixed(1)} | ${median(results.map((x) => x.longestCallMs)).toFixed(1)} | ${median(results.map((x) => x.maxMs)).toFixed(1)} | ${median(results.map((x) => x.p99Ms)).toFixed(1)} |`);
}
sink.close();
