// npm run bench:gateway [-- --calls 300 --throughput-calls 1000 --concurrency 8]
//
// The gateway's overhead against a local fake upstream. A collector runs in a child process
// (embedded chDB in a temp dir); the fake OpenAI-compatible upstream and the client run here,
// so one clock times both ends of a stream. For each durability mode (the default, where the
// span is stored before the answer completes, and gateway.durableResponses=false):
// - added latency per non-streamed call: p50/p99 through the gateway minus p50/p99 straight
//   to the upstream (sequential calls, keep-alive connections);
// - first-chunk forwarding delay: from the upstream writing its first chunk to the client
//   reading it, through the gateway and (for reference) straight;
// - sustained calls/s through the gateway at a given concurrency.
import { fork } from 'node:child_process';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { tempDataDir } from '../support/collector.ts';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '300' },
    'stream-calls': { type: 'string', default: '100' },
    'throughput-calls': { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '8' },
    role: { type: 'string' },
    upstream: { type: 'string' },
    data: { type: 'string' },
    durable: { type: 'string' },
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

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99) };
};

async function latencies(baseUrl: string, calls: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < calls + 20; i++) {
    const start = now();
    const res = await post(baseUrl, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `call ${i}` }] });
    await res.json();
    if (i >= 20) out.push(now() - start); // the first 20 warm up connections and JIT
  }
  return out;
}

/** Delay from the upstream writing its first chunk to the client reading it. */
async function firstChunkDelays(baseUrl: string, upstream: Awaited<ReturnType<typeof startUpstream>>, calls: number, label: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < calls; i++) {
    const id = `${label}-${i}`;
    const res = await post(baseUrl, { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: id }] });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('first')) text += decoder.decode((await reader.read()).value);
    const received = now();
    upstream.release(id);
    while (!(await reader.read()).done);
    const written = upstream.firstChunkAt.get(id);
    if (written !== undefined && i >= 5) out.push(received - written);
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

/** Child process: a collector whose gateway's default provider is the fake upstream. */
async function runCollector(): Promise<void> {
  const { startCollector } = await import('@spanhouse/collector');
  const { loadGatewaySettings } = await import('../../collector/src/gateway/settings.ts');
  const gateway = loadGatewaySettings({ providers: { fake: { baseUrl: values.upstream!, apiKey: 'sk-bench' } }, defaultProvider: 'fake', durableResponses: values.durable === 'true' }, {});
  const collector = await startCollector({ host: '127.0.0.1', port: 0, grpcPort: null, dataDir: values.data!, log: () => {}, gateway });
  process.send!({ url: collector.url });
  process.on('message', async () => {
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
  const direct = await latencies(upstream.url, calls);
  const directStream = await firstChunkDelays(upstream.url, upstream, streamCalls, 'direct');
  const d = stats(direct);
  const ds = stats(directStream);
  console.log(`upstream alone: p50 ${d.p50.toFixed(2)} ms, p99 ${d.p99.toFixed(2)} ms per call; first chunk to client p50 ${ds.p50.toFixed(2)} ms, p99 ${ds.p99.toFixed(2)} ms`);
  for (const durable of [true, false]) {
    const data = tempDataDir('bench-gateway');
    const child = fork(SELF, ['--role', 'collector', '--upstream', upstream.url, '--data', data.dir, '--durable', String(durable)], { execArgv: ['--import', 'tsx'] });
    const url = await new Promise<string>((resolve) => child.once('message', (m: { url: string }) => resolve(m.url)));
    const base = `${url}/v1`;
    const via = stats(await latencies(base, calls));
    const stream = stats(await firstChunkDelays(base, upstream, streamCalls, `gw-${durable}`));
    const rate = await throughput(base, throughputCalls, concurrency);
    console.log(
      `gateway, durableResponses=${durable}: added latency p50 ${(via.p50 - d.p50).toFixed(2)} ms, p99 ${(via.p99 - d.p99).toFixed(2)} ms ` +
        `(through the gateway p50 ${via.p50.toFixed(2)}, p99 ${via.p99.toFixed(2)} ms); ` +
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

if (values.role === 'collector') await runCollector();
else await main();
