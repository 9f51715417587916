// Where the SDK's time inside one instrumented OpenAI call goes, timed in place rather than
// sampled: the real `openai` client (in-memory fetch, so a call is one event-loop turn) with
// init() exporting to a local sink, and a timer around each function the call runs through:
// the OpenAI instrumentation's span start (span, prompt log record, base-URL attributes) and
// result handling (attributes, choice log record, span end), the trace SDK's startSpan, the
// logs SDK's emit, and the SDK's own span and log-record processors. Per function, in µs:
// p50 / p99 / p99.9 / max, and how many calls of it took over 10 µs (a batch hand-over inside
// span.end() or emit() shows there). Nested timers overlap: startSpan is part of the span start.
// Run by hand: `npx tsx --conditions=source packages/sdk/bench/call-path.ts [--calls 10000]`.
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { ExportingLogProcessor, ExportingSpanProcessor } from '../src/pipeline.ts';
import { TraceContextProcessor } from '../src/context.ts';
import { init } from '../src/index.ts';
import { memoryFetch, quantile, startSink } from './support.ts';

const { values: args } = parseArgs({ options: { calls: { type: 'string', default: '10000' }, warmup: { type: 'string', default: '1000' } } });
const requireHere = createRequire(import.meta.url);
const requireFrom = (pkg: string) => createRequire(requireHere.resolve(pkg));

const timings = new Map<string, number[]>();
/** Replaces `owner[method]` with a timed copy; the times go under `label`. */
function time(label: string, owner: Record<string, any>, method: string): void {
  const original = owner[method];
  const times: number[] = [];
  timings.set(label, times);
  owner[method] = function (this: unknown, ...rest: unknown[]) {
    const start = process.hrtime.bigint();
    try {
      return original.apply(this, rest);
    } finally {
      times.push(Number(process.hrtime.bigint() - start) / 1e3);
    }
  };
}

const instrumentation = requireHere('@opentelemetry/instrumentation-openai').OpenAIInstrumentation.prototype;
time('instrumentation: span start, prompt log record', instrumentation, '_startChatCompletionsSpan');
time('instrumentation: result, choice log record, span end', instrumentation, '_onChatCompletionsCreateResult');
time('trace SDK: Tracer.startSpan', requireFrom('@opentelemetry/sdk-trace-base')('@opentelemetry/sdk-trace/build/src/Tracer.js').Tracer.prototype, 'startSpan');
time('logs SDK: Logger.emit', requireHere('@opentelemetry/sdk-logs/build/src/Logger.js').Logger.prototype, 'emit');
time('Spanhouse: withContext stamping (onStart)', TraceContextProcessor.prototype, 'onStart');
time('Spanhouse: span processor (onEnd)', ExportingSpanProcessor.prototype, 'onEnd');
time('Spanhouse: log-record processor (onEmit)', ExportingLogProcessor.prototype, 'onEmit');

const sink = await startSink();
const sdk = init({ endpoint: sink.url, serviceName: 'bench', flushOnExit: false });
const { OpenAI } = requireHere('openai') as typeof import('openai');
const client = new OpenAI({ baseURL: 'http://127.0.0.1:9/v1', apiKey: 'sk-bench', maxRetries: 0, fetch: memoryFetch as typeof fetch });
const call = () => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'How far is the moon?' }] });
for (let i = 0; i < Number(args.warmup); i++) await call();
for (const times of timings.values()) times.length = 0;
for (let i = 0; i < Number(args.calls); i++) {
  await call();
  await new Promise(setImmediate); // the exporter's turns run between calls, as in an app doing I/O
}
await sdk.shutdown();
await sink.close();

console.log(`Node ${process.version}, ${args.calls} in-memory calls with init(), µs per run of each function\n`);
console.log('| Function | Runs | p50 | p99 | p99.9 | Max | Runs over 10 µs |\n|---|---|---|---|---|---|---|');
for (const [label, times] of timings) {
  const sorted = [...times].sort((a, b) => a - b);
  const f = (q: number) => quantile(sorted, q).toFixed(1);
  console.log(`| ${label} | ${sorted.length} | ${f(0.5)} | ${f(0.99)} | ${f(0.999)} | ${sorted.at(-1)!.toFixed(1)} | ${sorted.filter((t) => t > 10).length} |`);
}
