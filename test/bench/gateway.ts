// npm run bench:gateway [-- --calls 2000 --throughput-calls 1000 --concurrency 8 --modes both|default|durable|proxy --profile --cpu-prof DIR --collector-flags=<node flags>]
//
// The gateway's overhead against a local fake upstream. A collector runs in a child process
// (embedded chDB in a temp dir); the fake OpenAI-compatible upstream and the client run here,
// so one clock times both ends of a stream. For each durability mode (durableResponses=true,
// where the span is stored before the answer completes, and the default, false):
// - added latency per non-streamed call: p50/p99/p99.9 through the gateway minus the same
//   percentile straight to the upstream, and the percentiles of paired differences (sequential
//   calls, keep-alive connections; a direct call and a gateway call take turns, so both see the
//   same moments of a busy machine; 2000 calls by default, so p99 is the 21st slowest);
// - first-chunk forwarding delay: from the upstream writing its first chunk to the client
//   reading it, through the gateway and (for reference) straight, taking turns too;
// - sustained calls/s through the gateway at a given concurrency.
// `--modes proxy` runs the same phases with a bare pass-through proxy (node:http and an undici
// Pool, nothing parsed or stored) in the collector's place: what this machine adds to any
// extra hop, the floor under the gateway's figures.
// With --profile, each phase also reports where the time went inside the collector: its event
// loop's delay (monitorEventLoopDelay), and per sequential call the time from the request's
// arrival to the upstream request, the upstream's part, and from the upstream's answer to the
// response's end (node:diagnostics_channel's http server and undici channels), and what the
// slowest 1% of calls overlapped (a span insert in flight, a GC pause) against all calls.
import { fork, type ChildProcess } from 'node:child_process';
import { subscribe } from 'node:diagnostics_channel';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { tempDataDir } from '../support/collector.ts';
import { percentile } from './percentile.ts';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '2000' },
    'stream-calls': { type: 'string', default: '100' },
    'throughput-calls': { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '8' },
    role: { type: 'string' },
    upstream: { type: 'string' },
    data: { type: 'string' },
    durable: { type: 'string' },
    proxy: { type: 'boolean', default: false },
    modes: { type: 'string', default: 'both' },
    profile: { type: 'boolean', default: false },
    /** A directory: the collector writes a V8 CPU profile there (node --cpu-prof). */
    'cpu-prof': { type: 'string' },
    /** node flags for the collector's process only, space-separated: `--collector-flags=--max-semi-space-size=4` (with `=`, as the value starts with --). */
    'collector-flags': { type: 'string', default: '' },
  },
});
const SELF = fileURLToPath(import.meta.url);
const now = () => performance.timeOrigin + performance.now();

const ANSWER = {
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: 'A short answer from the fake upstream.' }, finish_reason: 'stop', logprobs: null }],
  usage: { prompt_tokens: 40, completion_tokens: 9, total_tokens: 49 },
};
const chunk = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

/** The fake upstream: a fixed answer; streams write one chunk, note when, and wait for release(id). */
async function startUpstream() {
  const firstChunkAt = new Map<string, number>();
  const waiting = new Map<string, ServerResponse>();
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(parts).toString());
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(ANSWER));
        return;
      }
      const id = body.messages[0].content as string;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk({ role: 'assistant', content: 'first' }), () => firstChunkAt.set(id, now()));
      waiting.set(id, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    firstChunkAt,
    release(id: string) {
      const res = waiting.get(id)!;
      waiting.delete(id);
      res.write(chunk({ content: ' and the rest.' }));
      res.write(chunk({}, 'stop'));
      res.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [], usage: ANSWER.usage })}\n\n`);
      res.end('data: [DONE]\n\n');
    },
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

const post = (url: string, body: object) => fetch(`${url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const stats = (xs: number[]) => ({ p50: percentile(xs, 50), p99: percentile(xs, 99), p999: percentile(xs, 99.9), max: percentile(xs, 100) });

/**
 * Sequential non-streamed call times per base URL, the URLs taking turns call by call: the
 * direct path and the gateway see the same moments of a shared machine's load, so their
 * percentiles can be subtracted.
 */
async function latencies(baseUrls: string[], calls: number): Promise<number[][]> {
  const out = baseUrls.map(() => [] as number[]);
  for (let i = 0; i < calls + 20; i++) {
    for (const [u, baseUrl] of baseUrls.entries()) {
      const start = now();
      const res = await post(baseUrl, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `call ${i}` }] });
      await res.json();
      if (i >= 20) out[u].push(now() - start); // the first 20 warm up connections and JIT
    }
  }
  return out;
}

/** Delay from the upstream writing its first chunk to the client reading it, per base URL (taking turns). */
async function firstChunkDelays(baseUrls: string[], upstream: Awaited<ReturnType<typeof startUpstream>>, calls: number, label: string): Promise<number[][]> {
  const out = baseUrls.map(() => [] as number[]);
  for (let i = 0; i < calls; i++) {
    for (const [u, baseUrl] of baseUrls.entries()) {
      const id = `${label}-${u}-${i}`;
      const res = await post(baseUrl, { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: id }] });
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      while (!text.includes('first')) text += decoder.decode((await reader.read()).value);
      const received = now();
      upstream.release(id);
      while (!(await reader.read()).done);
      const written = upstream.firstChunkAt.get(id);
      if (written !== undefined && i >= 5) out[u].push(received - written);
    }
  }
  return out;
}

async function throughput(baseUrl: string, calls: number, concurrency: number): Promise<number> {
  let next = 0;
  const start = now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) {
        const i = next++;
        await (await post(baseUrl, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `load ${i}` }] })).json();
      }
    }),
  );
  return calls / ((now() - start) / 1000);
}

const ms = (ns: number) => ns / 1e6;
const fmt = (xs: number[]) => {
  const s = stats(xs);
  return `p50 ${s.p50.toFixed(2)} / p99 ${s.p99.toFixed(2)} ms`;
};
const fmtLong = (xs: number[]) => {
  const s = stats(xs);
  return `p50 ${s.p50.toFixed(2)} / p99 ${s.p99.toFixed(2)} / p99.9 ${s.p999.toFixed(2)} / max ${s.max.toFixed(2)} ms`;
};
const share = (part: number, all: number) => `${all ? Math.round((100 * part) / all) : 0}%`;

interface CallTimes {
  arrived: number;
  upstreamStart?: number;
  upstreamEnd?: number;
  finished?: number;
}

/** CPU milliseconds per thread of this process so far, by thread id (Linux: /proc/self/task; empty elsewhere). */
function threadCpuById(): Map<string, { name: string; ms: number }> {
  const byId = new Map<string, { name: string; ms: number }>();
  let tasks: string[] = [];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return byId;
  }
  for (const task of tasks) {
    try {
      const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/[0-9]+$/, '') || '?';
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime, in USER_HZ (100/s)
      byId.set(task, { name, ms: ticks * 10 });
    } catch {
      // the thread ended meanwhile
    }
  }
  return byId;
}

/** CPU milliseconds per thread name of this process so far. */
function threadCpu(): Map<string, number> {
  const byName = new Map<string, number>();
  for (const { name, ms } of threadCpuById().values()) byName.set(name, (byName.get(name) ?? 0) + ms);
  return byName;
}

/** CPU milliseconds of the event loop's own thread (its id is the process id) and of the whole process. */
function loopAndProcessCpu(): { loop: number; all: number } {
  const byId = threadCpuById();
  return { loop: byId.get(String(process.pid))?.ms ?? 0, all: [...byId.values()].reduce((sum, t) => sum + t.ms, 0) };
}

/** --profile, in the collector: its event loop's delay, CPU per thread, inserts, and the split of each sequential call's time. */
function collectorProfiler(store: { insertSpans: (spans: unknown[]) => Promise<unknown> }) {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  let cpuBefore = threadCpu();
  let loopCpuBefore = loopAndProcessCpu();
  let inserts: Array<{ spans: number; ms: number; start: number; end: number }> = [];
  const insertSpans = store.insertSpans.bind(store);
  store.insertSpans = async (spans) => {
    const start = performance.now();
    try {
      return await insertSpans(spans);
    } finally {
      const end = performance.now();
      inserts.push({ spans: spans.length, ms: end - start, start, end });
    }
  };
  let gcs: Array<{ start: number; end: number }> = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push({ start: e.startTime, end: e.startTime + e.duration });
  }).observe({ entryTypes: ['gc'] });
  let calls: CallTimes[] = [];
  let current: CallTimes | null = null;
  subscribe('http.server.request.start', () => calls.push((current = { arrived: performance.now() })));
  subscribe('undici:request:create', () => current && (current.upstreamStart ??= performance.now()));
  subscribe('undici:request:trailers', () => current && (current.upstreamEnd ??= performance.now()));
  subscribe('http.server.response.finish', () => current && (current.finished ??= performance.now()));
  return {
    reset() {
      loop.reset();
      calls = [];
      inserts = [];
      gcs = [];
      cpuBefore = threadCpu();
      loopCpuBefore = loopAndProcessCpu();
    },
    report(): string {
      const done = calls.filter((c): c is Required<CallTimes> => c.upstreamStart !== undefined && c.upstreamEnd !== undefined && c.finished !== undefined);
      const split = done.length === 0 ? '' :
        `; per call (${done.length}): arrival to upstream request ${fmt(done.map((c) => c.upstreamStart - c.arrived))}, ` +
        `upstream ${fmt(done.map((c) => c.upstreamEnd - c.upstreamStart))}, upstream answer to response end ${fmt(done.map((c) => c.finished - c.upstreamEnd))}, ` +
        `arrival to response end ${fmt(done.map((c) => c.finished - c.arrived))}`;
      const slow = done.length === 0 ? '' : `; ${slowCalls(done, inserts, gcs)}`;
      const cpu = [...threadCpu()].map(([name, total]) => [name, total - (cpuBefore.get(name) ?? 0)] as const).filter(([, used]) => used > 0);
      const threads = cpu.sort((a, b) => b[1] - a[1]).slice(0, 6).map(([name, used]) => `${name} ${used}`).join(', ');
      const spans = inserts.reduce((n, i) => n + i.spans, 0);
      // CPU per call barely moves with other jobs' load, unlike latency: the figure to compare
      const cpuNow = loopAndProcessCpu();
      const perCall = (ms: number) => (calls.length ? (ms / calls.length).toFixed(2) : '-');
      const cpuPerCall = `CPU per call: event-loop thread ${perCall(cpuNow.loop - loopCpuBefore.loop)} ms, whole process ${perCall(cpuNow.all - loopCpuBefore.all)} ms (${calls.length} calls)`;
      return (
        `${cpuPerCall}; ` +
        `collector event loop delay p50 ${ms(loop.percentile(50)).toFixed(2)} / p99 ${ms(loop.percentile(99)).toFixed(2)} / max ${ms(loop.max).toFixed(2)} ms; ` +
        `CPU ms by thread: ${threads}; ${inserts.length} span inserts (${spans} spans), ${inserts.length ? fmt(inserts.map((i) => i.ms)) : '-'} each${split}${slow}`
      );
    },
  };
}

/**
 * What the slowest 1% of the collector's calls (arrival to response end) overlapped, against
 * all calls: a span insert in flight (chDB's threads on the same cores) or a GC pause of the
 * event loop; and where their time went.
 */
function slowCalls(done: Array<Required<CallTimes>>, inserts: Array<{ start: number; end: number }>, gcs: Array<{ start: number; end: number }>): string {
  const overlaps = (c: Required<CallTimes>, w: { start: number; end: number }) => w.start < c.finished && w.end > c.arrived;
  const gcMs = (c: Required<CallTimes>) => gcs.filter((g) => overlaps(c, g)).reduce((sum, g) => sum + Math.min(g.end, c.finished) - Math.max(g.start, c.arrived), 0);
  const describe = (cs: Array<Required<CallTimes>>) => {
    const withInsert = cs.filter((c) => inserts.some((i) => overlaps(c, i))).length;
    const withGc = cs.filter((c) => gcMs(c) > 0).length;
    const mean = (f: (c: Required<CallTimes>) => number) => (cs.reduce((sum, c) => sum + f(c), 0) / cs.length).toFixed(2);
    return (
      `${share(withInsert, cs.length)} during an insert, ${share(withGc, cs.length)} during a GC (mean GC ${mean(gcMs)} ms); mean split ` +
      `${mean((c) => c.upstreamStart - c.arrived)} / ${mean((c) => c.upstreamEnd - c.upstreamStart)} / ${mean((c) => c.finished - c.upstreamEnd)} ms`
    );
  };
  const sorted = [...done].sort((a, b) => b.finished - b.arrived - (a.finished - a.arrived));
  const slowest = sorted.slice(0, Math.max(1, Math.ceil(done.length / 100)));
  return `slowest 1% (${slowest.length}, from ${(slowest[slowest.length - 1].finished - slowest[slowest.length - 1].arrived).toFixed(2)} ms): ${describe(slowest)}; all calls: ${describe(done)}`;
}

/** --profile: runs `phase` and prints the collector's profile of it, and this process's event loop delay. */
async function profiled<T>(child: ChildProcess, label: string, phase: () => Promise<T>): Promise<T> {
  if (!values.profile) return phase();
  const loop = monitorEventLoopDelay({ resolution: 1 });
  child.send({ profile: 'reset' });
  await new Promise((resolve) => child.once('message', resolve));
  loop.enable();
  const result = await phase();
  loop.disable();
  child.send({ profile: 'report' });
  const report = await new Promise<string>((resolve) => child.once('message', (m: { report: string }) => resolve(m.report)));
  console.log(`  ${label}: ${report}; bench process event loop delay p99 ${ms(loop.percentile(99)).toFixed(2)} / max ${ms(loop.max).toFixed(2)} ms`);
  return result;
}

/** Child process (--modes proxy): a bare pass-through proxy to the fake upstream, in the collector's place. */
async function runBareProxy(): Promise<void> {
  const { Pool } = await import('undici');
  const upstream = new URL(values.upstream!);
  const pool = new Pool(upstream.origin);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const path = upstream.pathname.replace(/\/$/, '') + req.url!.replace(/^\/v1/, '');
      const answer = await pool.request({ path, method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) });
      res.writeHead(answer.statusCode, { 'content-type': String(answer.headers['content-type']) });
      answer.body.pipe(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.send!({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  process.on('message', (message) => {
    if (message === 'stop') process.exit(0);
    else process.send!({ report: 'no profile: a bare proxy' });
  });
}

/** Child process: a collector whose gateway's default provider is the fake upstream. */
async function runCollector(): Promise<void> {
  const { startCollector } = await import('@spanhouse/collector');
  const { loadGatewaySettings } = await import('../../collector/src/gateway/settings.ts');
  const gateway = loadGatewaySettings({ providers: { fake: { baseUrl: values.upstream!, apiKey: 'sk-bench' } }, defaultProvider: 'fake', durableResponses: values.durable === 'true' }, {});
  const collector = await startCollector({ host: '127.0.0.1', port: 0, grpcPort: null, dataDir: values.data!, log: () => {}, gateway });
  const profile = values.profile ? collectorProfiler(collector.store as unknown as Parameters<typeof collectorProfiler>[0]) : null;
  process.send!({ url: collector.url });
  process.on('message', async (message: 'stop' | { profile: 'reset' | 'report' }) => {
    if (message !== 'stop') {
      if (message.profile === 'reset') profile?.reset();
      process.send!({ report: message.profile === 'report' ? (profile?.report() ?? '') : '' });
      return;
    }
    await collector.close();
    process.exit(0);
  });
}

async function main(): Promise<void> {
  const calls = Number(values.calls);
  const streamCalls = Number(values['stream-calls']);
  const throughputCalls = Number(values['throughput-calls']);
  const concurrency = Number(values.concurrency);
  const upstream = await startUpstream();
  const modes = { both: ['durable', 'default'], durable: ['durable'], default: ['default'], proxy: ['proxy'] }[values.modes as 'both' | 'durable' | 'default' | 'proxy'];
  if (!modes) throw new Error('--modes: both, durable, default or proxy');
  for (const mode of modes) {
    const durable = mode === 'durable';
    const data = tempDataDir('bench-gateway');
    const role = mode === 'proxy' ? ['--role', 'collector', '--proxy'] : ['--role', 'collector', '--durable', String(durable)];
    const args = [...role, '--upstream', upstream.url, '--data', data.dir, ...(values.profile ? ['--profile'] : [])];
    const cpuProf = values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] : [];
    const flags = values['collector-flags']!.split(' ').filter(Boolean);
    const child = fork(SELF, args, { execArgv: ['--import', 'tsx', '--conditions=source', ...cpuProf, ...flags] });
    const url = await new Promise<string>((resolve) => child.once('message', (m: { url: string }) => resolve(m.url)));
    const base = `${url}/v1`;
    const [direct, through] = await profiled(child, 'sequential calls', () => latencies([upstream.url, base], calls));
    const [directStream, throughStream] = await profiled(child, 'streams', () => firstChunkDelays([upstream.url, base], upstream, streamCalls, `gw-${mode}`));
    const d = stats(direct);
    const ds = stats(directStream);
    const via = stats(through);
    const stream = stats(throughStream);
    // call i's gateway time minus the direct call just before it: both met the same moment of the machine
    const paired = stats(through.map((t, i) => t - direct[i]));
    const bothSlow = through.filter((t, i) => t >= via.p99 && direct[i] >= d.p99).length;
    const slowCount = through.filter((t) => t >= via.p99).length;
    console.log(`upstream alone (in turn with the gateway's calls, ${direct.length} calls): ${fmtLong(direct)}; first chunk to client p50 ${ds.p50.toFixed(2)} ms, p99 ${ds.p99.toFixed(2)} ms`);
    console.log(`through ${mode === 'proxy' ? 'the bare proxy' : 'the gateway'}: ${fmtLong(through)}; of its slowest 1% (${slowCount}), ${bothSlow} had a direct call in the same pair in the direct path's slowest 1%`);
    const rate = await profiled(child, 'throughput', () => throughput(base, throughputCalls, concurrency));
    console.log(
      `${mode === 'proxy' ? 'bare proxy' : `gateway, durableResponses=${durable}`}: added latency p50 ${(via.p50 - d.p50).toFixed(2)} ms, p99 ${(via.p99 - d.p99).toFixed(2)} ms, p99.9 ${(via.p999 - d.p999).toFixed(2)} ms ` +
        `(percentile of gateway calls minus the same percentile of direct calls); ` +
        `paired (gateway call minus the direct call before it) p50 ${paired.p50.toFixed(2)} / p99 ${paired.p99.toFixed(2)} / p99.9 ${paired.p999.toFixed(2)} ms; ` +
        `first chunk forwarded p50 ${(stream.p50 - ds.p50).toFixed(2)} ms, p99 ${(stream.p99 - ds.p99).toFixed(2)} ms after the direct path ` +
        `(upstream write to client read p50 ${stream.p50.toFixed(2)}, p99 ${stream.p99.toFixed(2)} ms); ` +
        `${rate.toFixed(0)} calls/s at concurrency ${concurrency}`,
    );
    child.send('stop');
    await new Promise((resolve) => child.once('exit', resolve));
    data.remove();
  }
  await upstream.close();
}

if (values.role === 'collector') await (values.proxy ? runBareProxy() : runCollector());
else await main();
