// npm run bench:scale [-- --spans 10000000 --sample 200000 --runs 20 --keep --data <dir>]
//
// Does the trace explorer stay fast at scale? Four steps, each role in its own child
// process (chDB binds one data directory per process):
//  1. load: a collector receives --sample realistic agent traces (real OTel SDK spans,
//     OTLP/HTTP protobuf) plus scores through the REST API; load throughput is reported.
//  2. grow: with the collector stopped, the data directory is opened directly and every
//     trace table is grown by time-shifted copies of the loaded traces until `spans`
//     holds --spans rows (the insert ceiling of the schema). The OpenTelemetry Collector
//     ClickHouse exporter's `otel_traces` table is then built from the same spans and
//     timed with raw SQL: the comparison column.
//  3. query: the collector starts again on the grown data and every explorer query is
//     timed over HTTP (warm-up, then --runs runs; p50/p95), with the collector's RSS.
//  4. report: one table, plus bench-results/scale-<spans>.json.
// Options: --spans N (rows of `spans` to reach, default 10M), --sample N (spans loaded
// through the collector, default 200k), --runs N (timed runs per query, default 20),
// --keep (keep the temp data dir), --data <dir> (reuse a grown dir: skips load and grow,
// never deleted), --otel-from <json> (with --data: the otel_traces timings of an earlier
// run on that data instead of timing them again), --grow-batch N (rows per growth INSERT, default 1M), --insert-threads N
// (max_insert_threads of the growth, default 2: fastest on 2 cores), --merge-wait S
// (longest wait for merges after growing, default 600).
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import type { ClickHouseSettings } from '@clickhouse/client';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GENERATION_TABLE_FIELDS, TRACE_VIEW_FIELDS } from '../../packages/ui/src/api/fields.ts';
import { tempDataDir } from '../support/collector.ts';
import { percentile } from './percentile.ts';

const { values } = parseArgs({
  options: {
    spans: { type: 'string', default: '10000000' },
    sample: { type: 'string', default: '200000' },
    runs: { type: 'string', default: '20' },
    // rows per growth INSERT (copies of the sample per statement = grow-batch / sample)
    'grow-batch': { type: 'string', default: '1000000' },
    'insert-threads': { type: 'string', default: '2' },
    // longest wait for background merges after growing, in seconds
    'merge-wait': { type: 'string', default: '600' },
    data: { type: 'string' },
    // with --data: the otel_traces timings of an earlier run on the same data (its JSON), not timed again
    'otel-from': { type: 'string' },
    keep: { type: 'boolean', default: false },
    role: { type: 'string' },
    url: { type: 'string' },
  },
});
const TARGET_SPANS = Number(values.spans);
const SAMPLE_SPANS = Number(values.sample);
const RUNS = Number(values.runs);
const SELF = fileURLToPath(import.meta.url);

const SPANS_PER_TRACE = 5;
const SPANS_PER_REQUEST = 1000;
const CONCURRENCY = 8;
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** The fields the UI's Generations table and trace page ask for. */
const TABLE_FIELDS = GENERATION_TABLE_FIELDS.join(',');
const VIEW_FIELDS = TRACE_VIEW_FIELDS.join(',');
/** Trace ids fetched one by one (one more warms up). */
const TRACE_LOOKUPS = 20;
/** A query whose warm-up takes longer than this is timed 3 times, not --runs times. */
const SLOW_QUERY_MS = 30_000;

// ---- random but reproducible ----------------------------------------------------------

/** mulberry32: the same --sample always builds the same traces, so runs compare. */
function makeRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)],
    weighted<T extends { weight: number }>(items: readonly T[]): T {
      let x = next() * items.reduce((sum, i) => sum + i.weight, 0);
      for (const item of items) if ((x -= item.weight) < 0) return item;
      return items[items.length - 1];
    },
    /** Long-tailed: half the draws below `median`, a few far above. */
    lognormal: (median: number, sigma: number) => median * Math.exp(sigma * normal()),
  };
}
type Random = ReturnType<typeof makeRandom>;

// ---- the workload ---------------------------------------------------------------------

const SERVICES = [
  { name: 'support-bot', agent: 'support_agent', weight: 35 },
  { name: 'shop-search', agent: 'search_agent', weight: 25 },
  { name: 'checkout-assistant', agent: 'checkout_agent', weight: 15 },
  { name: 'docs-qa', agent: 'docs_agent', weight: 15 },
  { name: 'sales-copilot', agent: 'sales_agent', weight: 10 },
];
// Models genai-prices knows (so cost is computed), with ms per output token for latency.
const CHAT_MODELS = [
  { model: 'gpt-4o-mini', provider: 'openai', msPerToken: 9, weight: 28 },
  { model: 'gpt-4o', provider: 'openai', msPerToken: 14, weight: 15 },
  { model: 'gpt-4.1-mini', provider: 'openai', msPerToken: 10, weight: 10 },
  { model: 'claude-sonnet-4', provider: 'anthropic', msPerToken: 16, weight: 15 },
  { model: 'claude-3-5-haiku', provider: 'anthropic', msPerToken: 8, weight: 10 },
  { model: 'gemini-2.0-flash', provider: 'gcp.gemini', msPerToken: 5, weight: 14 },
  { model: 'mistral-large-latest', provider: 'mistral_ai', msPerToken: 12, weight: 8 },
];
const EMBEDDING_MODELS = [
  { model: 'text-embedding-3-small', provider: 'openai', weight: 80 },
  { model: 'mistral-embed', provider: 'mistral_ai', weight: 20 },
];
const TOOLS = ['search_orders', 'lookup_customer', 'check_inventory', 'query_docs', 'create_ticket', 'get_shipping_status'];
const ROUTING_ALIASES = ['fast-lane', 'smart-tier', 'cheap-fallback'];
const TIERS = [
  { tier: 'free', weight: 70 },
  { tier: 'pro', weight: 25 },
  { tier: 'enterprise', weight: 5 },
];
const REGIONS = ['us-east', 'us-west', 'eu-west', 'ap-south'];
const USERS = 2_000;
const SESSIONS = 20_000;
const ERROR_TRACE_SHARE = 0.05;
const ROUTED_GENERATION_SHARE = 0.1;
const SCORED_TRACE_SHARE = 0.01;
/** In ~20% of traces; searched as the common word. */
const COMMON_WORD = 'invoice';
/** In ~0.1% of traces; searched as the rare word. */
const RARE_WORD = 'quokkafrisbee';
const VOCABULARY = `account address after again answer any archive available back balance basket before
  billing blue board box brand budget cable call cancel card care cart case change charge check choice city
  claim clear code color compare confirm contact copy cost coupon credit customer damage date deal delay
  delivery deposit describe detail device discount document done download early email error estimate event
  exchange expect express fast fee field file filter final find first fix form free full gift green guide
  help history home hour inside install issue item jacket join keep kitchen label large last late later
  leave light limit link list local login long lost mail manual match member message method mobile model
  month move need network next note number offer office online open option order other outside package page
  paid part password payment phone photo plan please point policy portal price print problem product profile
  promo purchase quality question quick receipt refund region reply report request reset return review room
  safe sale save schedule screen search season second secure select send service setting ship shipping shoe
  short size small smart sort speed standard status step stock store street subscription summary support
  sure table team thanks ticket time today track transfer update upgrade user valid value voucher wait
  warranty week weight white window wireless work year yellow zone`.split(/\s+/).filter(Boolean);

interface TracePlan {
  startMs: number;
  service: (typeof SERVICES)[number];
  chat: (typeof CHAT_MODELS)[number];
  embedding: (typeof EMBEDDING_MODELS)[number];
  tool: string;
  userId: string;
  sessionId: string;
  tier: string;
  region: string;
  tags: string[];
  words: string[];
  /** Which span fails, if any. */
  failing: 'none' | 'tool' | 'chat';
}

/** Traffic follows a daily rhythm: busiest mid-afternoon UTC, quietest at night. */
function traceStartMs(r: Random, endMs: number): number {
  for (;;) {
    const t = endMs - r.next() * WEEK_MS;
    const hour = (t % DAY_MS) / 3_600_000;
    const load = 0.25 + 0.75 * (0.5 + 0.5 * Math.sin(((hour - 9) / 24) * 2 * Math.PI));
    if (r.chance(load)) return t;
  }
}

function planTraces(count: number, endMs: number): TracePlan[] {
  const r = makeRandom(42);
  const plans: TracePlan[] = [];
  for (let i = 0; i < count; i++) {
    // mildly skewed sessions; each session belongs to one user (10 sessions per user)
    const session = Math.floor(SESSIONS * r.next() ** 1.3);
    const user = (session * 7919) % USERS;
    const userRandom = makeRandom(user + 1);
    const tier = userRandom.weighted(TIERS).tier;
    const words: string[] = [];
    if (r.chance(0.2)) words.push(COMMON_WORD);
    if (r.chance(0.001)) words.push(RARE_WORD);
    const tags = ['prod', r.chance(0.6) ? 'web' : 'mobile'];
    if (tier === 'enterprise') tags.push('vip');
    if (r.chance(0.1)) tags.push('experiment-b');
    plans.push({
      startMs: traceStartMs(r, endMs),
      service: r.weighted(SERVICES),
      chat: r.weighted(CHAT_MODELS),
      embedding: r.weighted(EMBEDDING_MODELS),
      tool: r.pick(TOOLS),
      userId: `user-${String(user).padStart(5, '0')}`,
      sessionId: `sess-${String(session).padStart(6, '0')}`,
      tier,
      region: userRandom.pick(REGIONS),
      tags,
      words,
      failing: r.chance(ERROR_TRACE_SHARE) ? (r.chance(0.6) ? 'tool' : 'chat') : 'none',
    });
  }
  // sent in the order they happened, as a live app would
  return plans.sort((a, b) => a.startMs - b.startMs);
}

/** Prose of about `bytes` bytes: frequent words more often, `extra` words mixed in. */
function prose(r: Random, bytes: number, extra: string[] = []): string {
  const words: string[] = [];
  let length = 0;
  while (length < bytes) {
    const word = VOCABULARY[Math.floor(VOCABULARY.length * r.next() ** 2)];
    words.push(word);
    length += word.length + 1;
  }
  for (const word of extra) words.splice(r.int(words.length + 1), 0, word);
  return words.join(' ');
}

const textMessage = (role: string, content: string, finishReason?: string) => ({
  role,
  parts: [{ type: 'text', content }],
  ...(finishReason ? { finish_reason: finishReason } : {}),
});

/** Real OTel SDK spans (ReadableSpan) for these traces: agent → embeddings, chat, tool, chat. */
async function buildTraceSpans(plans: TracePlan[], seed: number) {
  const api = await import('@opentelemetry/api');
  const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const exporter = new InMemorySpanExporter();
  // one provider per service: spans are grouped by resource in the OTLP request
  const tracers = new Map(
    SERVICES.map((service) => {
      const provider = new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': service.name, 'service.version': '1.4.2', 'deployment.environment': 'production' }),
        spanProcessors: [new SimpleSpanProcessor(exporter)],
      });
      return [service.name, provider.getTracer('scale-bench', '1.0.0')];
    }),
  );
  const r = makeRandom(seed);
  const scored: Array<{ traceId: string; value: number }> = [];
  for (const plan of plans) {
    const tracer = tracers.get(plan.service.name)!;
    const common = {
      'user.id': plan.userId,
      'session.id': plan.sessionId,
      'spanhouse.tags': plan.tags,
      'spanhouse.metadata.tier': plan.tier,
      'spanhouse.metadata.region': plan.region,
    };
    const question = prose(r, 300 + r.int(500), plan.words);
    const answer = prose(r, 300 + r.int(500));
    const systemPrompt = `You are the ${plan.service.agent.replace('_', ' ')} of an online shop. Answer briefly, use the tools when a fact is needed, never invent order numbers.`;
    const inputMessages = JSON.stringify([textMessage('system', systemPrompt), textMessage('user', question)]);

    let t = plan.startMs;
    const root = tracer.startSpan(
      `invoke_agent ${plan.service.agent}`,
      {
        kind: api.SpanKind.SERVER,
        startTime: t,
        attributes: {
          ...common,
          'gen_ai.operation.name': 'invoke_agent',
          'gen_ai.agent.name': plan.service.agent,
          'gen_ai.input.messages': JSON.stringify([textMessage('user', question)]),
        },
      },
      api.ROOT_CONTEXT,
    );
    const parent = api.trace.setSpan(api.ROOT_CONTEXT, root);
    const child = (name: string, kind: number, startMs: number, durationMs: number, attributes: Record<string, any>, error?: { type: string; message: string }) => {
      const span = tracer.startSpan(name, { kind, startTime: startMs, attributes: { ...common, ...attributes } }, parent);
      if (error) {
        span.setAttribute('error.type', error.type);
        span.setStatus({ code: api.SpanStatusCode.ERROR, message: error.message });
      }
      span.end(startMs + durationMs);
      return startMs + durationMs;
    };

    // 1. embed the question
    t += r.lognormal(4, 0.5);
    t = child(`embeddings ${plan.embedding.model}`, api.SpanKind.CLIENT, t, r.lognormal(60, 0.6), {
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.provider.name': plan.embedding.provider,
      'gen_ai.request.model': plan.embedding.model,
      'gen_ai.usage.input_tokens': Math.round(question.length / 4),
    });
    // 2. the model picks a tool (long-tailed prompt sizes: cost spans orders of magnitude)
    const chatAttributes = (inputTokens: number, outputTokens: number) => ({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': plan.chat.provider,
      'gen_ai.request.model': plan.chat.model,
      'gen_ai.response.model': plan.chat.model,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.usage.input_tokens': inputTokens,
      'gen_ai.usage.output_tokens': outputTokens,
      ...(r.chance(ROUTED_GENERATION_SHARE) ? { 'spanhouse.routing_alias': r.pick(ROUTING_ALIASES) } : {}),
    });
    const chatMs = (outputTokens: number) => r.lognormal(350, 0.5) + outputTokens * plan.chat.msPerToken * r.lognormal(1, 0.3);
    const input1 = Math.min(150_000, Math.round(r.lognormal(1200, 1.1)));
    const output1 = Math.min(2_000, Math.round(r.lognormal(40, 0.5)));
    const callId = `call_${r.int(1e9).toString(36)}`;
    const toolArguments = JSON.stringify({ query: prose(r, 40), customer: plan.userId });
    t = child(`chat ${plan.chat.model}`, api.SpanKind.CLIENT, t + 2, chatMs(output1), {
      ...chatAttributes(input1, output1),
      'gen_ai.response.finish_reasons': ['tool_calls'],
      'gen_ai.input.messages': inputMessages,
      'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'tool_call', id: callId, name: plan.tool, arguments: toolArguments }], finish_reason: 'tool_calls' }]),
    });
    // 3. the tool runs (occasionally it fails)
    const toolFails = plan.failing === 'tool';
    t = child(
      `execute_tool ${plan.tool}`,
      api.SpanKind.INTERNAL,
      t + 1,
      toolFails ? r.lognormal(3000, 0.8) : r.lognormal(150, 1.0),
      {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': plan.tool,
        'gen_ai.tool.call.id': callId,
        'gen_ai.tool.call.arguments': toolArguments,
        ...(toolFails ? {} : { 'gen_ai.tool.call.result': JSON.stringify({ ok: true, summary: prose(r, 120) }) }),
      },
      toolFails ? { type: 'ToolTimeoutError', message: `${plan.tool} did not answer within the deadline` } : undefined,
    );
    // 4. the final answer (or a rate limit)
    const chatFails = plan.failing === 'chat';
    const input2 = input1 + Math.round(r.lognormal(300, 1.0));
    const output2 = chatFails ? 0 : Math.min(8_000, Math.round(r.lognormal(280, 0.9)));
    t = child(
      `chat ${plan.chat.model}`,
      api.SpanKind.CLIENT,
      t + 1,
      chatFails ? r.lognormal(200, 0.4) : chatMs(output2),
      {
        ...chatAttributes(input2, output2),
        'gen_ai.input.messages': inputMessages,
        ...(chatFails ? {} : { 'gen_ai.response.finish_reasons': ['stop'], 'gen_ai.output.messages': JSON.stringify([textMessage('assistant', answer, 'stop')]) }),
      },
      chatFails ? { type: 'RateLimitError', message: '429 Too Many Requests: rate limit reached for requests' } : undefined,
    );
    if (!chatFails) root.setAttribute('gen_ai.output.messages', JSON.stringify([textMessage('assistant', answer, 'stop')]));
    root.end(t + r.lognormal(8, 0.5));
    if (r.chance(SCORED_TRACE_SHARE)) scored.push({ traceId: root.spanContext().traceId, value: Math.round(r.next() * 100) / 100 });
  }
  const spans = exporter.getFinishedSpans();
  exporter.reset();
  return { spans, scored };
}

// ---- small helpers --------------------------------------------------------------------

/** A role's result: to the driver over IPC, or printed when the role runs by hand. */
function report(result: object): void {
  if (process.send) process.send(result);
  else console.log(JSON.stringify(result, null, 2));
}

/** The driver's message to a role that needs input (the query plan). */
function input<T>(): Promise<T> {
  return new Promise((resolve) => process.once('message', (m) => resolve(m as T)));
}

/** Runs `work` over `items` with `concurrency` in flight. */
async function inFlight<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

const mib = (bytes: number) => bytes / 1024 / 1024;
const fmt = (n: number | undefined | null, digits = 1) => (n === undefined || n === null || Number.isNaN(n) ? '—' : n.toFixed(digits));

// ---- role: collector ------------------------------------------------------------------

async function collectorRole() {
  const { startCollector } = await import('@spanhouse/collector');
  // SPANHOUSE_UNCOMPRESSED_CACHE_MB as `spanhouse serve` reads it (to compare cache sizes)
  const cache = process.env.SPANHOUSE_UNCOMPRESSED_CACHE_MB;
  const collector = await startCollector({
    host: '127.0.0.1', port: 0, grpcPort: 0, dataDir: values.data!, log: (m) => process.stderr.write(`[collector] ${m}\n`),
    ...(cache ? { uncompressedCacheMiB: Number(cache) } : {}),
  });
  report({ url: collector.url });
  process.on('message', async (message) => {
    if (message === 'stop') {
      await collector.close();
      process.exit(0);
    }
  });
}

// ---- role: load -----------------------------------------------------------------------

interface LoadResult {
  spans: number;
  traces: number;
  requests: number;
  failedRequests: number;
  bytesPerSpan: number;
  seconds: number;
  spansPerSecond: number;
  requestP50Ms: number;
  requestP99Ms: number;
  scores: { posted: number; failed: number; seconds: number; perSecond: number };
  dataEndMs: number;
}

async function loadRole() {
  const { ProtobufTraceSerializer } = await import('@opentelemetry/otlp-transformer');
  const traces = Math.ceil(SAMPLE_SPANS / SPANS_PER_TRACE);
  const endMs = Date.now() - 60_000;
  const plans = planTraces(traces, endMs);
  // Built and encoded before the clock starts: only receiving and storing is timed.
  const bodies: Uint8Array<ArrayBuffer>[] = [];
  const scored: Array<{ traceId: string; value: number }> = [];
  const tracesPerRequest = SPANS_PER_REQUEST / SPANS_PER_TRACE;
  let spanCount = 0;
  for (let i = 0; i < plans.length; i += tracesPerRequest) {
    const built = await buildTraceSpans(plans.slice(i, i + tracesPerRequest), i + 1);
    bodies.push(new Uint8Array(ProtobufTraceSerializer.serializeRequest(built.spans)!));
    scored.push(...built.scored);
    spanCount += built.spans.length;
  }
  const bytes = bodies.reduce((n, b) => n + b.length, 0);
  console.log(`load: ${spanCount} spans in ${traces} traces built (${bodies.length} requests, ${mib(bytes).toFixed(0)} MiB protobuf); sending`);

  const latencies: number[] = [];
  let failedRequests = 0;
  const started = performance.now();
  await inFlight(bodies, CONCURRENCY, async (body) => {
    const t = performance.now();
    try {
      const res = await fetch(`${values.url}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } });
      await res.arrayBuffer();
      if (res.status !== 200) failedRequests++;
    } catch {
      failedRequests++;
    }
    latencies.push(performance.now() - t);
  });
  const seconds = (performance.now() - started) / 1000;

  // Scores on ~1% of traces, as an evaluator would post them.
  let failedScores = 0;
  const scoresStarted = performance.now();
  await inFlight(scored, CONCURRENCY, async ({ traceId, value }) => {
    try {
      const res = await fetch(`${values.url}/api/traces/${traceId}/scores`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'helpfulness', value, comment: value < 0.3 ? 'missed the question' : 'ok' }),
      });
      await res.arrayBuffer();
      if (res.status !== 201) failedScores++;
    } catch {
      failedScores++;
    }
  });
  const scoreSeconds = (performance.now() - scoresStarted) / 1000;
  const result: LoadResult = {
    spans: spanCount,
    traces,
    requests: bodies.length,
    failedRequests,
    bytesPerSpan: bytes / spanCount,
    seconds,
    spansPerSecond: spanCount / seconds,
    requestP50Ms: percentile(latencies, 50),
    requestP99Ms: percentile(latencies, 99),
    scores: { posted: scored.length, failed: failedScores, seconds: scoreSeconds, perSecond: scored.length / scoreSeconds },
    dataEndMs: endMs,
  };
  report(result);
}

// ---- the queries ----------------------------------------------------------------------

/** Filter values picked from the grown data, so every filter selects something real. */
interface Picks {
  /** Newest span start (µs): "last 24 h" and "7 days" are relative to it. */
  dataEndUs: number;
  model: string;
  modelTraceShare: number;
  provider: string;
  service: string;
  name: string;
  userId: string;
  sessionId: string;
  minCost: number;
  maxCost: number;
  minLatencyMs: number;
  maxLatencyMs: number;
  tag: string;
  metadata: [string, string];
  clusterId: string | null;
  routingAlias: string | null;
  scoreName: string;
  minScore: number;
  rareWord: string;
  commonWord: string;
  traceIds: string[];
}

/** What a timed query needs besides the picks (from a first page, per side). */
interface PageContext {
  /** API: next_cursor of the first page. */
  cursor?: string;
  /** otel_traces: Timestamp (ns string) of the first page's last row. */
  lastTimestamp?: string;
}

interface QuerySpec {
  label: string;
  /** GET path on the collector; `run` varies the trace id where one is needed. */
  api: (run: number, context: PageContext) => string;
  /** The nearest raw SQL over otel_traces, or null when the exporter has no such data. */
  otel: ((run: number, context: PageContext) => string) | null;
}

const sqlString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const iso = (us: number) => new Date(us / 1000).toISOString();
const OTEL_LIST_COLUMNS = `Timestamp, TraceId, SpanId, ParentSpanId, SpanName, ServiceName, Duration, StatusCode,
  SpanAttributes['gen_ai.request.model'] AS model, SpanAttributes['gen_ai.usage.cost'] AS cost`;
const OTEL_COST = `toFloat64OrZero(SpanAttributes['gen_ai.usage.cost'])`;

/** Newest 50 rows of otel_traces matching `where`, as an explorer list would read them. */
function otelList(where: string[], order = 'Timestamp DESC'): string {
  return `SELECT ${OTEL_LIST_COLUMNS} FROM otel.otel_traces ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT 50`;
}

/** Every timed query: the explorer's API call and its otel_traces equivalent. */
function querySpecs(p: Picks): QuerySpec[] {
  const day = iso(p.dataEndUs - 86_400_000_000);
  const week = iso(p.dataEndUs - 7 * 86_400_000_000);
  const until = iso(p.dataEndUs + 60_000_000);
  const dayNs = `toDateTime64(${sqlString(day.replace('T', ' ').replace('Z', ''))}, 9, 'UTC')`;
  const weekNs = `toDateTime64(${sqlString(week.replace('T', ' ').replace('Z', ''))}, 9, 'UTC')`;
  const untilNs = `toDateTime64(${sqlString(until.replace('T', ' ').replace('Z', ''))}, 9, 'UTC')`;
  const traces = (query: Record<string, string | number>) => `/api/traces?${new URLSearchParams({ limit: '50', ...Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])) })}`;
  const spans = (query: Record<string, string>) => `/api/spans?${new URLSearchParams({ limit: '50', ...query })}`;
  const attr = (key: string) => `SpanAttributes[${sqlString(key)}]`;
  const root = `ParentSpanId = ''`;
  /** The trace ids of a lookup row: `set` 0 or 1, TRACE_LOOKUPS + 1 each (one warms up). */
  const lookupId = (run: number, set: 0 | 1) => p.traceIds[set * (TRACE_LOOKUPS + 1) + (run % (TRACE_LOOKUPS + 1))];
  const modelIs = `${attr('gen_ai.request.model')} = ${sqlString(p.model)}`;
  /** The span explorer's pages: a query of GET /api/spans and its `otel_traces` equivalent. */
  const spanPages: Array<{ label: string; query: Record<string, string>; otel: () => string }> = [
    { label: 'spans newest 50', query: {}, otel: () => otelList([]) },
    { label: `spans model=${p.model}`, query: { model: p.model }, otel: () => otelList([modelIs]) },
    { label: 'spans status=error', query: { status: 'error' }, otel: () => otelList([`StatusCode = 'Error'`]) },
    { label: 'spans model + status=error', query: { model: p.model, status: 'error' }, otel: () => otelList([modelIs, `StatusCode = 'Error'`]) },
    { label: 'spans sort=cost, 7 d', query: { sort: 'cost' }, otel: () => otelList([`mapContains(SpanAttributes, 'gen_ai.usage.cost')`], `${OTEL_COST} DESC`) },
  ];
  // the exporter's documented lookup: the side table narrows the time range first
  const otelTraceById = (traceId: string) => `WITH ${sqlString(traceId)} AS trace_id,
          (SELECT min(Start) FROM otel.otel_traces_trace_id_ts WHERE TraceId = trace_id) AS start,
          (SELECT max(End) + 1 FROM otel.otel_traces_trace_id_ts WHERE TraceId = trace_id) AS end
        SELECT Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, Duration, StatusCode, StatusMessage,
          toString(SpanAttributes), toString(ResourceAttributes), toString(Events.Name), toString(Links.TraceId)
        FROM otel.otel_traces WHERE TraceId = trace_id AND Timestamp >= start AND Timestamp <= end LIMIT 100`;
  const specs: QuerySpec[] = [
    { label: 'traces newest 50', api: () => traces({}), otel: () => otelList([root]) },
    { label: 'traces status=error', api: () => traces({ status: 'error' }), otel: () => otelList([`StatusCode = 'Error'`]) },
    { label: `traces min_cost=${p.minCost.toPrecision(3)} (p99)`, api: () => traces({ min_cost: p.minCost }), otel: () => otelList([`${OTEL_COST} >= ${p.minCost}`]) },
    { label: `traces max_cost=${p.maxCost.toPrecision(3)} (p10)`, api: () => traces({ max_cost: p.maxCost }), otel: () => otelList([`mapContains(SpanAttributes, 'gen_ai.usage.cost')`, `${OTEL_COST} <= ${p.maxCost}`]) },
    { label: `traces min_latency_ms=${Math.round(p.minLatencyMs)} (p95)`, api: () => traces({ min_latency_ms: p.minLatencyMs }), otel: () => otelList([root, `Duration >= ${Math.round(p.minLatencyMs * 1e6)}`]) },
    { label: `traces max_latency_ms=${Math.round(p.maxLatencyMs)} (p10)`, api: () => traces({ max_latency_ms: p.maxLatencyMs }), otel: () => otelList([root, `Duration <= ${Math.round(p.maxLatencyMs * 1e6)}`]) },
    { label: `traces model=${p.model}`, api: () => traces({ model: p.model }), otel: () => otelList([`${attr('gen_ai.request.model')} = ${sqlString(p.model)}`]) },
    { label: `traces provider=${p.provider}`, api: () => traces({ provider: p.provider }), otel: () => otelList([`${attr('gen_ai.provider.name')} = ${sqlString(p.provider)}`]) },
    { label: `traces service=${p.service}`, api: () => traces({ service: p.service }), otel: () => otelList([root, `ServiceName = ${sqlString(p.service)}`]) },
    { label: `traces name=${p.name}`, api: () => traces({ name: p.name }), otel: () => otelList([root, `positionCaseInsensitive(SpanName, ${sqlString(p.name)}) > 0`]) },
    { label: 'traces user_id', api: () => traces({ user_id: p.userId }), otel: () => otelList([root, `${attr('user.id')} = ${sqlString(p.userId)}`]) },
    { label: 'traces session_id', api: () => traces({ session_id: p.sessionId }), otel: () => otelList([root, `${attr('session.id')} = ${sqlString(p.sessionId)}`]) },
    { label: `traces tag=${p.tag}`, api: () => traces({ tag: p.tag }), otel: () => otelList([root, `has(JSONExtract(${attr('spanhouse.tags')}, 'Array(String)'), ${sqlString(p.tag)})`]) },
    {
      label: `traces metadata.${p.metadata[0]}=${p.metadata[1]}`,
      api: () => traces({ [`metadata.${p.metadata[0]}`]: p.metadata[1] }),
      otel: () => otelList([root, `${attr(`spanhouse.metadata.${p.metadata[0]}`)} = ${sqlString(p.metadata[1])}`]),
    },
    ...(p.clusterId ? [{ label: 'traces cluster_id', api: () => traces({ cluster_id: p.clusterId! }), otel: null }] : []),
    ...(p.routingAlias
      ? [{ label: `traces routing_alias=${p.routingAlias}`, api: () => traces({ routing_alias: p.routingAlias! }), otel: () => otelList([`${attr('spanhouse.routing_alias')} = ${sqlString(p.routingAlias!)}`]) }]
      : []),
    { label: `traces score ${p.scoreName}>=${p.minScore}`, api: () => traces({ score_name: p.scoreName, min_score: p.minScore }), otel: null },
    // sessions and users views (7-day window by default): day totals per session and user
    { label: 'sessions newest 50', api: () => '/api/sessions?limit=50', otel: null },
    { label: 'sessions sort=cost, 7 d', api: () => '/api/sessions?limit=50&sort=cost', otel: null },
    { label: 'sessions user_id', api: () => `/api/sessions?${new URLSearchParams({ limit: '50', user_id: p.userId })}`, otel: null },
    { label: 'users newest 50', api: () => '/api/users?limit=50', otel: null },
    { label: 'users sort=cost, 7 d', api: () => '/api/users?limit=50&sort=cost', otel: null },
    { label: 'traces count, 7 d', api: () => '/api/traces/count', otel: null },
    {
      label: '24 h + model + status=error',
      api: () => traces({ since: day, until, model: p.model, status: 'error' }),
      otel: () => otelList([`Timestamp >= ${dayNs}`, `Timestamp <= ${untilNs}`, `${attr('gen_ai.request.model')} = ${sqlString(p.model)}`, `StatusCode = 'Error'`]),
    },
    { label: 'sort=cost, 24 h', api: () => traces({ sort: 'cost', since: day }), otel: () => otelList([`Timestamp >= ${dayNs}`, `mapContains(SpanAttributes, 'gen_ai.usage.cost')`], `${OTEL_COST} DESC`) },
    { label: 'sort=latency, 24 h', api: () => traces({ sort: 'latency', since: day }), otel: () => otelList([root, `Timestamp >= ${dayNs}`], 'Duration DESC') },
    { label: 'traces page 2 (cursor)', api: (_, c) => traces({ cursor: c.cursor ?? '' }), otel: (_, c) => otelList([root, `Timestamp < fromUnixTimestamp64Nano(toInt64(${sqlString(c.lastTimestamp ?? '0')}), 'UTC')`]) },
    { label: 'sort=cost, 7 d', api: () => traces({ sort: 'cost' }), otel: () => otelList([`mapContains(SpanAttributes, 'gen_ai.usage.cost')`], `${OTEL_COST} DESC`) },
    { label: 'sort=latency, 7 d', api: () => traces({ sort: 'latency' }), otel: () => otelList([root], 'Duration DESC') },
    {
      label: `q=${p.rareWord} (rare)`,
      api: () => traces({ q: p.rareWord }),
      otel: () => otelList([`(positionCaseInsensitive(${attr('gen_ai.input.messages')}, ${sqlString(p.rareWord)}) > 0 OR positionCaseInsensitive(${attr('gen_ai.output.messages')}, ${sqlString(p.rareWord)}) > 0)`]),
    },
    {
      label: `q=${p.commonWord} (common)`,
      api: () => traces({ q: p.commonWord }),
      otel: () => otelList([`(positionCaseInsensitive(${attr('gen_ai.input.messages')}, ${sqlString(p.commonWord)}) > 0 OR positionCaseInsensitive(${attr('gen_ai.output.messages')}, ${sqlString(p.commonWord)}) > 0)`]),
    },
    {
      label: 'metrics hour × model, 7 d',
      api: () => `/api/metrics?${new URLSearchParams({ bucket: 'hour', group_by: 'model', since: week, until })}`,
      otel: () => `SELECT toStartOfHour(Timestamp) AS bucket, ${attr('gen_ai.request.model')} AS model, count() AS count,
          countIf(StatusCode = 'Error') AS errors, sum(${OTEL_COST}) AS cost,
          sum(toUInt64OrZero(${attr('gen_ai.usage.input_tokens')})) AS input_tokens, sum(toUInt64OrZero(${attr('gen_ai.usage.output_tokens')})) AS output_tokens,
          quantiles(0.5, 0.9, 0.99)(Duration / 1e6) AS latency
        FROM otel.otel_traces
        WHERE Timestamp >= ${weekNs} AND Timestamp <= ${untilNs} AND ${attr('gen_ai.operation.name')} IN ('chat', 'embeddings')
        GROUP BY bucket, model ORDER BY bucket, model`,
    },
    // the Overview's "Top clusters" panel: its range (24 hours by default), and all time
    { label: 'clusters, 24 h', api: () => `/api/clusters?${new URLSearchParams({ limit: '15', since: day })}`, otel: null },
    { label: 'clusters, all time', api: () => '/api/clusters?limit=15', otel: null },
    // the Ingest health page's report (a day by default)
    { label: 'ingest health, 24 h', api: () => `/api/ingest-health?${new URLSearchParams({ since: day, until })}`, otel: null },
    {
      label: `trace by id (${TRACE_LOOKUPS} ids)`,
      api: (run) => `/api/traces/${lookupId(run, 0)}`,
      otel: (run) => otelTraceById(lookupId(run, 0)),
    },
    {
      // the UI's trace page asks for the fields it draws (the API's `fields`); ids of its own, as cold as the row above's
      label: `trace by id, view fields (${TRACE_LOOKUPS} ids)`,
      api: (run) => `/api/traces/${lookupId(run, 1)}?fields=${VIEW_FIELDS}`,
      otel: (run) => otelTraceById(lookupId(run, 1)),
    },
    // each span page twice: every field, and the fields the UI's Generations table shows (the API's `fields`)
    ...spanPages.map(({ label, query, otel }) => ({ label, api: () => spans(query), otel })),
    ...spanPages.map(({ label, query, otel }) => ({ label: `${label}, table fields`, api: () => spans({ ...query, fields: TABLE_FIELDS }), otel })),
  ];
  return specs;
}

interface Timing {
  label: string;
  p50Ms: number | null;
  p95Ms: number | null;
  runs: number;
  rows: number | null;
  errors: number;
  error?: string;
}

/** Warm-up, then `runs` timed runs (3 when the warm-up alone is slow). */
async function timeQuery(label: string, runs: number, once: (run: number) => Promise<number>): Promise<Timing> {
  const samples: number[] = [];
  let rows: number | null = null;
  let errors = 0;
  let error: string | undefined;
  const attempt = async (run: number): Promise<number | null> => {
    const t = performance.now();
    try {
      rows = await once(run);
      return performance.now() - t;
    } catch (e) {
      errors++;
      error ??= (e as Error).message.slice(0, 200);
      return null;
    }
  };
  const warm = await attempt(runs);
  if (warm === null) return { label, p50Ms: null, p95Ms: null, runs: 0, rows: null, errors, error };
  const n = warm > SLOW_QUERY_MS ? Math.min(3, runs) : runs;
  for (let run = 0; run < n; run++) {
    const ms = await attempt(run);
    if (ms !== null) samples.push(ms);
  }
  return { label, p50Ms: samples.length ? percentile(samples, 50) : null, p95Ms: samples.length ? percentile(samples, 95) : null, runs: samples.length, rows, errors, error };
}

// ---- role: query (HTTP against the collector) -----------------------------------------

async function queryRole() {
  const { picks } = await input<{ picks: Picks }>();
  const url = values.url!;
  const getJson = async (path: string) => {
    const res = await fetch(`${url}${path}`);
    const text = await res.text();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text.slice(0, 150)}`);
    return JSON.parse(text);
  };
  const countRows = (body: any): number => (Array.isArray(body?.data) ? body.data.length : Array.isArray(body?.spans) ? body.spans.length : 0);
  const context: PageContext = {};
  try {
    context.cursor = (await getJson('/api/traces?limit=50')).next_cursor ?? undefined;
  } catch {
    // the page-2 query then reports the error
  }
  const timings: Timing[] = [];
  for (const spec of querySpecs(picks)) {
    const timing = await timeQuery(spec.label, RUNS, async (run) => countRows(await getJson(spec.api(run, context))));
    console.log(`query: ${spec.label.padEnd(44)} ${timing.error ? `error: ${timing.error}` : `p50 ${fmt(timing.p50Ms)} ms, p95 ${fmt(timing.p95Ms)} ms, ${timing.rows} rows`}`);
    timings.push(timing);
  }
  report({ timings });
}

// ---- role: grow (chDB opened directly; the collector is stopped) ----------------------

type Client = ReturnType<(typeof import('../../collector/src/store/client.ts'))['createClickHouseClient']>['client'];
type Settings = { clickhouse_settings?: ClickHouseSettings };

/**
 * Bulk statements (growth, otel fill) run without the store's per-query bounds (memory,
 * time); they are named per statement because chDB's one session would keep a SET.
 */
const BULK: Settings = { clickhouse_settings: { max_memory_usage: '12000000000', max_execution_time: 0 } as ClickHouseSettings };

/** Runs a bulk statement. */
async function bulk(client: Client, query: string): Promise<void> {
  await client.command({ query, ...BULK });
}

/** Rows of a SELECT; with the store's bounds unless `settings` says otherwise. */
async function rowsOf<T>(client: Client, query: string, settings: Settings = {}): Promise<T[]> {
  const result = await client.query({ query, format: 'JSONEachRow', ...settings });
  return result.json<T>();
}

async function one<T>(client: Client, query: string, settings: Settings = {}): Promise<T> {
  return (await rowsOf<T>(client, query, settings))[0];
}

interface Column {
  name: string;
  type: string;
}

/** Stored columns of a table (MATERIALIZED and ALIAS ones are computed on insert). */
async function storedColumns(client: Client, database: string, table: string): Promise<Column[]> {
  return rowsOf<Column>(
    client,
    `SELECT name, type FROM system.columns WHERE database = ${sqlString(database)} AND table = ${sqlString(table)} AND default_kind IN ('', 'DEFAULT') ORDER BY position`,
  );
}

/**
 * The trace tables to copy: every MergeTree table with a trace_id column, except those a
 * materialized view fills from another copied table (copying them too would double them).
 */
async function tablesToGrow(client: Client, database: string): Promise<{ copy: string[]; fedByViews: string[] }> {
  const tables = await rowsOf<{ name: string; engine: string; dependencies_table: string[] }>(
    client,
    `SELECT name, engine, dependencies_table FROM system.tables WHERE database = ${sqlString(database)}`,
  );
  const views = await rowsOf<{ name: string; create_table_query: string }>(
    client,
    `SELECT name, create_table_query FROM system.tables WHERE database = ${sqlString(database)} AND engine = 'MaterializedView'`,
  );
  const targetOf = new Map(views.map((v) => [v.name, /\bTO\s+(?:[`"]?\w+[`"]?\.)?[`"]?([\w.]+?)[`"]?[\s(]/.exec(v.create_table_query)?.[1] ?? '']));
  const withTraceId = new Set(
    (
      await rowsOf<{ table: string }>(client, `SELECT DISTINCT table FROM system.columns WHERE database = ${sqlString(database)} AND name = 'trace_id'`)
    ).map((r) => r.table),
  );
  const candidates = tables.filter((t) => t.engine.endsWith('MergeTree') && withTraceId.has(t.name) && !t.name.startsWith('.'));
  // fed = closure of view targets reachable from a copied table
  const fed = new Set<string>();
  const frontier = candidates.map((t) => t.name);
  while (frontier.length > 0) {
    const source = frontier.pop()!;
    for (const view of tables.find((t) => t.name === source)?.dependencies_table ?? []) {
      const target = targetOf.get(view);
      if (target && !fed.has(target)) {
        fed.add(target);
        frontier.push(target);
      }
    }
  }
  return { copy: candidates.map((t) => t.name).filter((name) => !fed.has(name)).sort((a, b) => (a === 'spans' ? -1 : b === 'spans' ? 1 : a.localeCompare(b))), fedByViews: [...fed] };
}

/** Strips the wrappers that do not change how a time shifts. */
const baseType = (type: string) => type.replace(/^(?:SimpleAggregateFunction\(\w+,\s*|Nullable\(|LowCardinality\()/, '').replace(/\)$/, '');

/**
 * INSERT … SELECT of `copies` time-shifted copies of the loaded traces of `table`, read
 * from its staging snapshot. Copy n of a trace gets a new id md5(trace_id, n), its spans
 * new ids md5(span_id, n) (parents, scores, events, logs and the rollup's lists alike), and moves
 * by whole days plus up to ±1 h (keeping the daily rhythm), wrapped into the 7-day window
 * from the trace's start (_t0), so every span of a trace moves alike.
 */
function copyStatement(table: string, columns: Column[], firstCopy: number, copies: number, window: { startUs: number; lengthUs: number }, insertThreads: number): string {
  const n = `_copy`;
  const hash = `cityHash64(s.trace_id, ${n})`;
  const offset = `(toInt64(${hash} % 7) * ${DAY_MS * 1000} + toInt64(intHash64(${hash}) % ${2 * 3_600_000_000}) - 3600000000)`;
  const t0 = `toUnixTimestamp64Micro(s._t0)`;
  const delta = `(positiveModulo(${t0} - ${window.startUs} + ${offset}, ${window.lengthUs}) + ${window.startUs} - ${t0})`;
  const hasStart = columns.some((c) => c.name === 'start_time' && /DateTime/.test(c.type));
  const shifted = (c: Column): string => {
    const type = baseType(c.type);
    if (/^DateTime64/.test(type)) return `s.${c.name} + toIntervalMicrosecond(${delta})`;
    if (/^DateTime/.test(type)) return `s.${c.name} + toIntervalSecond(intDiv(${delta}, 1000000))`;
    if (/^Date(32)?$/.test(type)) return hasStart ? `toDate(s.start_time + toIntervalMicrosecond(${delta}))` : `toDate(toDateTime(s.${c.name}, 'UTC') + toIntervalSecond(intDiv(${delta}, 1000000)))`;
    return `s.${c.name}`;
  };
  // span ids are unique per copy too, as random 64-bit ids are in real data (a copy that kept
  // them left 50 spans per id at 10M, and by-id lookups and the span_id bloom filter with them)
  const spanId = (value: string) => `if(${value} = '', '', substring(lower(hex(MD5(concat(${value}, toString(${n}))))), 1, 16))`;
  // traces.llm_calls: '["<span id>","<parent id>",…]' per call
  const callHead = (x: string) => `concat('[', toJSONString(JSONExtractString(${x}, 1)), ',', toJSONString(JSONExtractString(${x}, 2)))`;
  const call = (x: string) => `concat('[', toJSONString(${spanId(`JSONExtractString(${x}, 1)`)}), ',', toJSONString(${spanId(`JSONExtractString(${x}, 2)`)}), substring(${x}, length(${callHead(x)}) + 1))`;
  const expression = (c: Column): string => {
    if (c.name === 'trace_id') return `lower(hex(MD5(concat(s.trace_id, toString(${n})))))`;
    if (c.name === 'span_id' || c.name === 'parent_span_id') return spanId(`s.${c.name}`);
    if (table === 'traces' && c.name === 'span_ids') return `arrayMap(x -> ${spanId('x')}, s.span_ids)`;
    if (table === 'traces' && c.name === 'llm_calls') return `arrayMap(x -> ${call('x')}, s.llm_calls)`;
    return shifted(c);
  };
  const expressions = columns.map(expression);
  return `INSERT INTO ${table} (${columns.map((c) => `\`${c.name}\``).join(', ')})
    SELECT ${expressions.join(',\n      ')}
    FROM bench_grow.src_${table} AS s
    ARRAY JOIN range(${firstCopy}, ${firstCopy + copies}) AS ${n}
    SETTINGS max_insert_threads = ${insertThreads}`;
}

interface GrowResult {
  skipped: boolean;
  tables: string[];
  fedByViews: string[];
  insertThreads: number;
  copies: number;
  statements: number;
  rowsBefore: Record<string, number>;
  rowsAfter: Record<string, number>;
  seconds: number;
  spanRowsPerSecond: number;
  allRowsPerSecond: number;
}

async function grow(client: Client, database: string, target: number): Promise<GrowResult> {
  const { copy, fedByViews } = await tablesToGrow(client, database);
  const count = async (table: string) => Number((await one<{ n: string }>(client, `SELECT count() AS n FROM ${table}`, BULK)).n);
  const rowsBefore: Record<string, number> = {};
  for (const table of [...copy, ...fedByViews]) rowsBefore[table] = await count(table);
  const insertThreads = Number(values['insert-threads']);
  const base: GrowResult = { skipped: true, tables: copy, fedByViews, insertThreads, copies: 0, statements: 0, rowsBefore, rowsAfter: rowsBefore, seconds: 0, spanRowsPerSecond: 0, allRowsPerSecond: 0 };
  const sample = rowsBefore.spans ?? 0;
  if (sample === 0 || sample >= target) return base;

  // Snapshot the loaded rows once, each with its trace's start: copies read only these.
  await client.command({ query: 'CREATE DATABASE IF NOT EXISTS bench_grow' });
  await bulk(client, `CREATE OR REPLACE TABLE bench_grow.anchor ENGINE = MergeTree ORDER BY trace_id AS SELECT trace_id, min(start_time) AS t0 FROM spans GROUP BY trace_id`);
  const columns: Record<string, Column[]> = {};
  for (const table of copy) {
    columns[table] = await storedColumns(client, database, table);
    const list = columns[table].map((c) => `s.\`${c.name}\` AS \`${c.name}\``).join(', ');
    await bulk(
      client,
      `CREATE OR REPLACE TABLE bench_grow.src_${table} ENGINE = MergeTree ORDER BY tuple() AS
       SELECT ${list}, a.t0 AS _t0 FROM ${table} AS s INNER JOIN bench_grow.anchor AS a ON s.trace_id = a.trace_id`,
    );
  }
  const window = await one<{ end: string }>(client, `SELECT toUnixTimestamp64Micro(max(t0)) AS end FROM bench_grow.anchor`);
  const lengthUs = WEEK_MS * 1000;
  const startUs = Number(window.end) - lengthUs;

  const copies = Math.ceil((target - sample) / sample);
  const perStatement = Math.max(1, Math.round(Number(values['grow-batch']) / sample));
  console.log(`grow: ${copy.join(', ')} (${fedByViews.join(', ') || 'nothing'} filled by views): ${copies} copies of ${sample} spans, ${perStatement} per INSERT, max_insert_threads=${insertThreads}`);
  const started = performance.now();
  let statements = 0;
  for (let first = 1; first <= copies; first += perStatement) {
    const n = Math.min(perStatement, copies - first + 1);
    const t = performance.now();
    for (const table of copy) await bulk(client, copyStatement(table, columns[table], first, n, { startUs, lengthUs }, insertThreads));
    statements++;
    const done = sample * (first + n);
    console.log(`grow: ${done} spans (${((n * sample) / ((performance.now() - t) / 1000)).toFixed(0)} span rows/s this step)`);
  }
  const seconds = (performance.now() - started) / 1000;
  await client.command({ query: 'DROP DATABASE bench_grow' });
  const rowsAfter: Record<string, number> = {};
  for (const table of [...copy, ...fedByViews]) rowsAfter[table] = await count(table);
  const grown = (t: string) => rowsAfter[t] - rowsBefore[t];
  return {
    ...base,
    skipped: false,
    copies,
    statements,
    rowsAfter,
    seconds,
    spanRowsPerSecond: grown('spans') / seconds,
    allRowsPerSecond: Object.keys(rowsAfter).reduce((sum, t) => sum + grown(t), 0) / seconds,
  };
}

/**
 * Waits (capped) until no merge runs in `database`: five quiet polls a second apart, as
 * the merge scheduler may not have picked parts yet right after an insert.
 */
async function waitForMerges(client: Client, database: string, capSeconds: number): Promise<{ seconds: number; remaining: number; parts: number }> {
  const started = performance.now();
  let quiet = 0;
  for (;;) {
    const { n } = await one<{ n: string }>(client, `SELECT count() AS n FROM system.merges WHERE database = ${sqlString(database)}`);
    quiet = Number(n) === 0 ? quiet + 1 : 0;
    const seconds = (performance.now() - started) / 1000;
    if (quiet >= 5 || seconds > capSeconds) {
      const { parts } = await one<{ parts: string }>(client, `SELECT count() AS parts FROM system.parts WHERE active AND database = ${sqlString(database)}`);
      return { seconds: quiet >= 5 ? Math.max(0, seconds - 4) : seconds, remaining: Number(n), parts: Number(parts) };
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

// The OpenTelemetry Collector contrib ClickHouse exporter's trace tables, as it creates them
// on ClickHouse >= 26.2 (text indexes): exporter/clickhouseexporter/internal/sqltemplates/
// traces_table.sql, traces_id_ts_lookup_table.sql and traces_id_ts_lookup_mv.sql, rendered
// with database `otel`, table `otel_traces`, engine MergeTree and no TTL.
const OTEL_DDL = [
  'CREATE DATABASE IF NOT EXISTS otel',
  `CREATE TABLE IF NOT EXISTS otel.otel_traces (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    TraceState String CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Duration UInt64 CODEC(T64, ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    StatusMessage String CODEC(ZSTD(1)),
    Events Nested (Timestamp DateTime64(9), Name LowCardinality(String), Attributes Map(LowCardinality(String), String)) CODEC(ZSTD(1)),
    Links Nested (TraceId String, SpanId String, TraceState String, Attributes Map(LowCardinality(String), String)) CODEC(ZSTD(1)),
    ResourceAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(ResourceAttributes, 'Array(Tuple(String, String))')),
    SpanAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(SpanAttributes, 'Array(Tuple(String, String))')),
    INDEX idx_trace_id TraceId TYPE text(tokenizer = 'array'),
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE text(tokenizer = 'array'),
    INDEX idx_res_attr_items ResourceAttributeItems TYPE text(tokenizer = 'array'),
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE text(tokenizer = 'array'),
    INDEX idx_span_attr_items SpanAttributeItems TYPE text(tokenizer = 'array'),
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1,
    INDEX idx_lower_span_name lower(SpanName) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
  ) ENGINE = MergeTree
  PARTITION BY toDate(Timestamp)
  PRIMARY KEY (ServiceName, SpanName, toDateTime(Timestamp))
  ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp)
  SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`,
  `CREATE TABLE IF NOT EXISTS otel.otel_traces_trace_id_ts (
    TraceId String CODEC(ZSTD(1)),
    Start SimpleAggregateFunction(min, DateTime) CODEC(ZSTD(1)),
    End SimpleAggregateFunction(max, DateTime) CODEC(ZSTD(1))
  ) ENGINE = MergeTree
  PARTITION BY toStartOfWeek(Start)
  ORDER BY (TraceId)
  SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`,
  `CREATE MATERIALIZED VIEW IF NOT EXISTS otel.otel_traces_trace_id_ts_mv TO otel.otel_traces_trace_id_ts AS
    SELECT TraceId, min(Timestamp) AS Start, max(Timestamp) AS End FROM otel.otel_traces WHERE TraceId != '' GROUP BY TraceId`,
];

/**
 * otel_traces filled from our spans (newest version of each), as the exporter would have
 * stored the same OTLP data: the GenAI figures an OTel user has are span attributes
 * (the model, token counts and a cost attribute as text), and so is the content that
 * Spanhouse moved out of span_attributes into its message columns (gen_ai.input.messages
 * and gen_ai.output.messages, put back from them; tool spans keep their own arguments and
 * result attributes). No events or links.
 */
const OTEL_FILL = `INSERT INTO otel.otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName,
    ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, Duration, StatusCode, StatusMessage)
  SELECT start_time, trace_id, span_id, parent_span_id, '', name,
    concat(upper(substring(kind, 1, 1)), substring(kind, 2)),
    service_name, resource_attributes, scope_name, '',
    mapUpdate(span_attributes, mapFilter((k, v) -> v != '' AND NOT mapContains(span_attributes, k), map(
      'gen_ai.request.model', request_model,
      'gen_ai.response.model', model,
      'gen_ai.usage.input_tokens', if(model = '', '', toString(input_tokens)),
      'gen_ai.usage.output_tokens', if(model = '', '', toString(output_tokens)),
      'gen_ai.usage.cost', ifNull(toString(cost_usd), ''),
      'gen_ai.input.messages', if(type = 'tool' OR input_messages = '[]', '', input_messages),
      'gen_ai.output.messages', if(type = 'tool' OR output_messages = '[]', '', output_messages)))::Map(LowCardinality(String), String)),
    toUInt64(greatest(0, dateDiff('nanosecond', start_time, end_time))),
    if(status = 'success', 'Unset', 'Error'),
    error_message
  FROM spans FINAL
  SETTINGS max_insert_threads = 2`;

async function buildOtelTables(client: Client): Promise<{ rebuilt: boolean; seconds: number; rows: number }> {
  const spans = Number((await one<{ n: string }>(client, 'SELECT count() AS n FROM spans')).n);
  const exists = Number((await one<{ n: string }>(client, `SELECT count() AS n FROM system.tables WHERE database = 'otel' AND name = 'otel_traces'`)).n) > 0;
  if (exists) {
    const { rows, content } = await one<{ rows: string; content: string }>(
      client,
      `SELECT count() AS rows, countIf(mapContains(SpanAttributes, 'gen_ai.input.messages')) AS content FROM otel.otel_traces`,
      BULK,
    );
    // filled earlier from the same spans (--data), content included: keep it
    if (Number(rows) >= spans * 0.99 && Number(content) > 0) return { rebuilt: false, seconds: 0, rows: Number(rows) };
    await client.command({ query: 'DROP DATABASE otel SYNC' });
  }
  const started = performance.now();
  for (const statement of OTEL_DDL) await client.command({ query: statement });
  await bulk(client, OTEL_FILL);
  const rows = Number((await one<{ n: string }>(client, 'SELECT count() AS n FROM otel.otel_traces')).n);
  return { rebuilt: true, seconds: (performance.now() - started) / 1000, rows };
}

interface TableSize {
  database: string;
  table: string;
  rows: number;
  bytes: number;
  parts: number;
}

async function diskSizes(client: Client, databases: string[]): Promise<TableSize[]> {
  const rows = await rowsOf<{ database: string; table: string; rows: string; bytes: string; parts: string }>(
    client,
    `SELECT database, table, sum(rows) AS rows, sum(bytes_on_disk) AS bytes, count() AS parts FROM system.parts
     WHERE active AND database IN (${databases.map(sqlString).join(', ')}) GROUP BY database, table ORDER BY database, bytes DESC`,
  );
  return rows.map((r) => ({ database: r.database, table: r.table, rows: Number(r.rows), bytes: Number(r.bytes), parts: Number(r.parts) }));
}

/** Where a table's bytes go: its largest columns, its skip indexes, its projections. */
async function diskBreakdown(client: Client, database: string, tables: string[]) {
  const out: Record<string, { columns: Record<string, number>; skipIndexes: number; projections: number }> = {};
  for (const table of tables) {
    const where = `database = ${sqlString(database)} AND table = ${sqlString(table)}`;
    const columns = await rowsOf<{ name: string; bytes: string }>(
      client,
      `SELECT name, data_compressed_bytes AS bytes FROM system.columns WHERE ${where} ORDER BY data_compressed_bytes DESC LIMIT 8`,
    );
    const { indexes } = await one<{ indexes: string }>(client, `SELECT sum(secondary_indices_compressed_bytes) AS indexes FROM system.parts WHERE active AND ${where}`);
    const { projections } = await one<{ projections: string }>(client, `SELECT sum(bytes_on_disk) AS projections FROM system.projection_parts WHERE active AND ${where}`);
    out[table] = { columns: Object.fromEntries(columns.map((c) => [c.name, Number(c.bytes)])), skipIndexes: Number(indexes), projections: Number(projections) };
  }
  return out;
}

/** Filter values from the data, chosen to be typical (see Picks). */
async function pickFilterValues(client: Client): Promise<Picks> {
  const q = <T>(sql: string) => one<T>(client, sql, BULK);
  const { end } = await q<{ end: string }>('SELECT toUnixTimestamp64Micro(max(start_time)) AS end FROM spans');
  // trace-level figures from a tenth of the traces (exact enough for percentiles, quick at 10M)
  const traceSample = `(SELECT trace_id, sumIf(ifNull(cost_usd, 0), type IN ('generation', 'embedding')) AS cost,
      dateDiff('microsecond', min(start_time), max(end_time)) / 1000 AS duration_ms
    FROM spans WHERE cityHash64(trace_id) % 10 = 0 GROUP BY trace_id)`;
  const costs = await q<{ q: number[] }>(`SELECT quantiles(0.1, 0.99)(cost) AS q FROM ${traceSample}`);
  const durations = await q<{ q: number[] }>(`SELECT quantiles(0.1, 0.95)(duration_ms) AS q FROM ${traceSample}`);
  const models = await rowsOf<{ model: string; share: number }>(
    client,
    `SELECT model, uniq(trace_id) / (SELECT uniq(trace_id) FROM spans) AS share FROM spans WHERE model != '' GROUP BY model ORDER BY abs(share - 0.15) LIMIT 1`,
    BULK,
  );
  const roots = `spans WHERE parent_span_id = ''`;
  const person = await q<{ user_id: string; session_id: string }>(`SELECT user_id, session_id FROM ${roots} AND session_id != '' ORDER BY cityHash64(trace_id) LIMIT 1`);
  const service = await q<{ service_name: string }>(`SELECT service_name FROM ${roots} GROUP BY service_name ORDER BY count() DESC LIMIT 1 OFFSET 1`);
  const name = await q<{ name: string }>(`SELECT name FROM ${roots} GROUP BY name ORDER BY count() ASC LIMIT 1`);
  const tag = await q<{ tag: string }>(
    `SELECT tag FROM (SELECT arrayJoin(tags) AS tag, count() / (SELECT count() FROM ${roots}) AS share FROM ${roots} GROUP BY tag) ORDER BY abs(share - 0.1) LIMIT 1`,
  );
  const clusters = await rowsOf<{ cluster_id: string }>(
    client,
    `SELECT cluster_id FROM spans WHERE cluster_id IS NOT NULL AND cluster_id != '' GROUP BY cluster_id ORDER BY count() DESC`,
    BULK,
  );
  const alias = await rowsOf<{ routing_alias: string }>(client, `SELECT routing_alias FROM spans WHERE routing_alias != '' GROUP BY routing_alias ORDER BY count() DESC LIMIT 1`, BULK);
  const traceIds = await rowsOf<{ trace_id: string }>(client, `SELECT trace_id FROM ${roots} ORDER BY cityHash64(trace_id, 'bench') LIMIT ${2 * (TRACE_LOOKUPS + 1)}`, BULK);
  return {
    dataEndUs: Number(end),
    model: models[0]?.model ?? 'gpt-4o',
    modelTraceShare: Number(models[0]?.share ?? 0),
    provider: 'anthropic',
    service: service?.service_name ?? 'docs-qa',
    name: (name?.name ?? 'invoke_agent').replace(/^invoke_agent\s+/, ''),
    userId: person.user_id,
    sessionId: person.session_id,
    minCost: Number(costs.q[1]),
    maxCost: Number(costs.q[0]),
    minLatencyMs: Number(durations.q[1]),
    maxLatencyMs: Number(durations.q[0]),
    tag: tag?.tag ?? 'vip',
    metadata: ['tier', 'enterprise'],
    // a middling cluster: neither the catch-all nor a singleton
    clusterId: clusters.length > 0 ? clusters[Math.floor(clusters.length / 2)].cluster_id : null,
    routingAlias: alias[0]?.routing_alias ?? null,
    scoreName: 'helpfulness',
    minScore: 0.8,
    rareWord: RARE_WORD,
    commonWord: COMMON_WORD,
    traceIds: traceIds.map((r) => r.trace_id),
  };
}

async function growRole() {
  const { createClickHouseClient } = await import('../../collector/src/store/client.ts');
  const { client } = createClickHouseClient({ dataDir: values.data! });
  const { database } = await one<{ database: string }>(client, 'SELECT currentDatabase() AS database');
  const growth = await grow(client, database, TARGET_SPANS);
  if (!growth.skipped) {
    console.log(`grow: ${growth.rowsAfter.spans} spans; ${fmt(growth.spanRowsPerSecond, 0)} span rows/s (${fmt(growth.allRowsPerSecond, 0)} rows/s over every table) in ${fmt(growth.seconds)} s`);
    // the sessions' and users' day totals have no trace_id to copy by: built again from the grown traces
    const { backfillTraceGroups } = await import('../../collector/src/store/trace-groups.ts');
    const t = performance.now();
    await backfillTraceGroups(client);
    console.log(`grow: trace_groups_daily built from the grown traces in ${fmt((performance.now() - t) / 1000)} s`);
  }
  const mergesAfterGrowth = await waitForMerges(client, database, Number(values['merge-wait']));
  console.log(`grow: merges settled after ${fmt(mergesAfterGrowth.seconds)} s (${mergesAfterGrowth.remaining} still running, ${mergesAfterGrowth.parts} active parts)`);

  const otel = await buildOtelTables(client);
  if (otel.rebuilt) console.log(`otel: otel_traces filled with ${otel.rows} rows in ${fmt(otel.seconds)} s`);
  const mergesAfterOtel = await waitForMerges(client, 'otel', Number(values['merge-wait']));
  const disk = await diskSizes(client, [database, 'otel']);
  const breakdown = { ours: await diskBreakdown(client, database, ['spans', 'traces']), otel: await diskBreakdown(client, 'otel', ['otel_traces']) };

  const picks = await pickFilterValues(client);
  console.log(`picks: ${JSON.stringify({ ...picks, traceIds: `${picks.traceIds.length} ids` })}`);

  // the otel_traces equivalents, timed here (raw SQL through the same embedded engine)
  const context: PageContext = {};
  const firstPage = await rowsOf<{ ts: string }>(client, `SELECT toUnixTimestamp64Nano(Timestamp) AS ts FROM otel.otel_traces WHERE ParentSpanId = '' ORDER BY Timestamp DESC LIMIT 50`);
  context.lastTimestamp = firstPage.length > 0 ? String(firstPage[firstPage.length - 1].ts) : undefined;
  const otelTimings: Timing[] = values['otel-from'] ? (JSON.parse(readFileSync(values['otel-from'], 'utf8')) as { otelTimings: Timing[] }).otelTimings : [];
  if (values['otel-from']) console.log(`otel: timings from ${values['otel-from']} (same data, not timed again)`);
  for (const spec of values['otel-from'] ? [] : querySpecs(picks)) {
    if (!spec.otel) continue;
    const timing = await timeQuery(spec.label, RUNS, async (run) => (await rowsOf(client, spec.otel!(run, context))).length);
    console.log(`otel:  ${spec.label.padEnd(44)} ${timing.error ? `error: ${timing.error}` : `p50 ${fmt(timing.p50Ms)} ms, p95 ${fmt(timing.p95Ms)} ms, ${timing.rows} rows`}`);
    otelTimings.push(timing);
  }
  await client.close();
  report({ database, growth, mergesAfterGrowth, otel: { ...otel, mergesAfterFill: mergesAfterOtel }, disk, diskBreakdown: breakdown, picks, otelTimings });
}

// ---- driver ---------------------------------------------------------------------------

function child(role: string, extra: string[] = []): ChildProcess {
  return fork(SELF, ['--role', role, '--spans', String(TARGET_SPANS), '--sample', String(SAMPLE_SPANS), '--runs', String(RUNS), ...extra], {
    // workspace packages from their TypeScript source: the run measures this checkout, not whatever
    // collector/dist was last built
    execArgv: ['--import', 'tsx', '--conditions=source'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

function nextMessage<T>(proc: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`child exited with ${code}`));
    proc.once('exit', onExit);
    proc.once('message', (m) => {
      proc.off('exit', onExit);
      resolve(m as T);
    });
  });
}

const exited = (proc: ChildProcess) => new Promise((resolve) => (proc.exitCode !== null ? resolve(proc.exitCode) : proc.once('exit', resolve)));

/** The collector's resident set every 100 ms: the peak, and VmHWM read just before it stops. */
function watchRss(pid: number) {
  const field = (name: string) => {
    try {
      return Number(new RegExp(`${name}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    } catch {
      return 0;
    }
  };
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, field('VmRSS'))), 100);
  return {
    stop() {
      clearInterval(timer);
      return { peakRssMiB: Math.max(peak, field('VmRSS')), hwmMiB: field('VmHWM') };
    },
  };
}

type Memory = { peakRssMiB: number; hwmMiB: number };

/** Collector children still running: stopped (by pid) if the run fails half-way. */
const runningCollectors = new Set<ChildProcess>();

/** A collector child on `dir`, with its RSS watched until `stop`. */
async function startCollectorChild(dir: string) {
  const proc = child('collector', ['--data', dir]);
  runningCollectors.add(proc);
  const { url } = await nextMessage<{ url: string }>(proc);
  const rss = watchRss(proc.pid!);
  return {
    url,
    async stop(): Promise<Memory> {
      const memory = rss.stop();
      proc.send('stop');
      await exited(proc);
      runningCollectors.delete(proc);
      return memory;
    },
  };
}

async function runRole<T>(role: string, extra: string[], message?: object): Promise<T> {
  const proc = child(role, extra);
  if (message) proc.send(message);
  const result = await nextMessage<T>(proc);
  await exited(proc);
  return result;
}

/** The commit measured, taken when the run starts; `+dirty` when the store's code has local changes. */
function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'collector', 'packages', 'schemas'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head}+dirty` : head;
  } catch {
    return 'unknown';
  }
}
const GIT_AT_START = values.role ? '' : gitCommit();

interface GrowReport {
  database: string;
  growth: GrowResult;
  mergesAfterGrowth: { seconds: number; remaining: number; parts: number };
  otel: { rebuilt: boolean; seconds: number; rows: number; mergesAfterFill: { seconds: number; remaining: number; parts: number } };
  disk: TableSize[];
  diskBreakdown: Record<'ours' | 'otel', Awaited<ReturnType<typeof diskBreakdown>>>;
  picks: Picks;
  otelTimings: Timing[];
}

type LoadReport = LoadResult & { rss: Memory };

function printReport(load: LoadReport | null, grown: GrowReport, query: { timings: Timing[]; rss: Memory }) {
  const otelByLabel = new Map(grown.otelTimings.map((t) => [t.label, t]));
  const cell = (t: Timing | undefined) => (!t ? '—' : t.error ? 'error' : `${fmt(t.p50Ms)} / ${fmt(t.p95Ms)}`);
  const header = ['query', 'p50 ms', 'p95 ms', 'otel_traces p50/p95 ms', 'rows', 'otel rows'];
  const rowCount = (t: Timing | undefined) => (!t || t.rows === null ? '—' : String(t.rows) + (t.runs < RUNS && !t.error ? ` (${t.runs} runs)` : ''));
  const rows = query.timings.map((t) => [
    t.label,
    t.error ? 'error' : fmt(t.p50Ms),
    t.error ? '' : fmt(t.p95Ms),
    cell(otelByLabel.get(t.label)),
    rowCount(t),
    rowCount(otelByLabel.get(t.label)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(line).join('\n')}`);

  const ours = grown.disk.filter((d) => d.database === grown.database);
  const otel = grown.disk.filter((d) => d.database === 'otel');
  const sum = (ds: TableSize[]) => ds.reduce((n, d) => n + d.bytes, 0);
  const spans = grown.growth.rowsAfter.spans ?? ours.find((d) => d.table === 'spans')?.rows ?? 0;
  const lines = [
    '',
    `data: ${spans} spans (${fmt(grown.picks.modelTraceShare * 100)}% of traces use ${grown.picks.model}), git ${GIT_AT_START}, node ${process.version}`,
    load
      ? `load: ${load.spans} spans / ${load.traces} traces in ${fmt(load.seconds)} s = ${fmt(load.spansPerSecond, 0)} spans/s (${fmt(load.bytesPerSpan, 0)} B/span protobuf, request p50 ${fmt(load.requestP50Ms)} ms, p99 ${fmt(load.requestP99Ms)} ms, ${load.failedRequests} failed); scores: ${load.scores.posted} in ${fmt(load.scores.seconds)} s (${load.scores.failed} failed)`
      : 'load: skipped (--data)',
    grown.growth.skipped
      ? 'grow: skipped (already at --spans)'
      : `grow: ${grown.growth.tables.join(' + ')} (filled by views: ${grown.growth.fedByViews.join(', ') || 'none'}) ${fmt(grown.growth.spanRowsPerSecond, 0)} span rows/s, ${fmt(grown.growth.allRowsPerSecond, 0)} rows/s over all tables (${fmt(grown.growth.seconds)} s, ${grown.growth.statements} INSERTs, max_insert_threads=${grown.growth.insertThreads}); merges settled in ${fmt(grown.mergesAfterGrowth.seconds)} s`,
    `disk: ours ${fmt(mib(sum(ours)))} MiB (${ours.map((d) => `${d.table} ${fmt(mib(d.bytes))}`).join(', ')})`,
    `      otel ${fmt(mib(sum(otel)))} MiB (${otel.map((d) => `${d.table} ${fmt(mib(d.bytes))}`).join(', ')}); ours / otel = ${fmt(sum(ours) / sum(otel), 2)}`,
    ...Object.entries({ ...grown.diskBreakdown.ours, ...grown.diskBreakdown.otel }).map(
      ([table, b]) =>
        `      ${table}: ${Object.entries(b.columns)
          .slice(0, 5)
          .map(([c, bytes]) => `${c} ${fmt(mib(bytes))}`)
          .join(', ')}; skip indexes ${fmt(mib(b.skipIndexes))}; projections ${fmt(mib(b.projections))} MiB`,
    ),
    load ? `collector RSS during load: peak ${fmt(load.rss.peakRssMiB, 0)} MiB (VmHWM ${fmt(load.rss.hwmMiB, 0)} MiB)` : '',
    `collector RSS during queries: peak ${fmt(query.rss.peakRssMiB, 0)} MiB (VmHWM ${fmt(query.rss.hwmMiB, 0)} MiB)`,
  ];
  console.log(lines.filter(Boolean).join('\n'));
}

async function main() {
  const temp = values.data ? null : tempDataDir('bench-scale');
  const dir = values.data ?? temp!.dir;
  try {
    let load: LoadReport | null = null;
    if (!values.data) {
      const collector = await startCollectorChild(dir);
      const result = await runRole<LoadResult>('load', ['--url', collector.url]);
      load = { ...result, rss: await collector.stop() };
      console.log(`load: ${fmt(result.spansPerSecond, 0)} spans/s, ${result.failedRequests} failed requests, ${result.scores.failed} failed scores`);
    }
    const grown = await runRole<GrowReport>('grow', ['--data', dir, '--grow-batch', values['grow-batch']!, '--insert-threads', values['insert-threads']!, '--merge-wait', values['merge-wait']!, ...(values['otel-from'] ? ['--otel-from', values['otel-from']] : [])]);

    const collector = await startCollectorChild(dir);
    const { timings } = await runRole<{ timings: Timing[] }>('query', ['--url', collector.url], { picks: grown.picks });
    const query = { timings, rss: await collector.stop() };

    printReport(load, grown, query);
    const errors = [...query.timings, ...grown.otelTimings].reduce((n, t) => n + t.errors, 0);
    console.log(`errors: ${errors} (queries: ${query.timings.filter((t) => t.error).map((t) => t.label).join(', ') || 'none'})`);
    mkdirSync('bench-results', { recursive: true });
    const file = `bench-results/scale-${grown.growth.rowsAfter.spans ?? TARGET_SPANS}.json`;
    writeFileSync(
      file,
      JSON.stringify({ date: new Date().toISOString(), git: GIT_AT_START, node: process.version, args: { spans: TARGET_SPANS, sample: SAMPLE_SPANS, runs: RUNS, data: values.data ?? null }, load, ...grown, queries: query }, null, 2),
    );
    console.log(`results: ${file}`);
    if (errors > 0 || (load && (load.failedRequests > 0 || load.scores.failed > 0))) process.exitCode = 1;
  } finally {
    for (const proc of runningCollectors) proc.kill();
    if (temp && !values.keep) temp.remove();
    else console.log(`data kept in ${dir}`);
  }
}

const roles: Record<string, () => Promise<void>> = { collector: collectorRole, load: loadRole, grow: growRole, query: queryRole };
if (values.role) await roles[values.role]();
else await main();
