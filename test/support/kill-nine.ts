// kill -9 under load: a collector in a child process (the `spanhouse serve` command) takes
// OTLP/JSON exports from a few concurrent clients; once enough are acknowledged it is killed
// with SIGKILL mid-load, and started again on the same data directory. After the last run,
// every span ever acknowledged must be readable, once. Used by test/e2e/kill-nine.test.ts and
// by `npx tsx scripts/kill-nine.ts` for the figures in docs/reliability.md.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../collector/bin/spanhouse.mjs', import.meta.url));

export interface KillNineOptions {
  dataDir: string;
  runs: number;
  /** Spans acknowledged per run before the kill. */
  ackedBeforeKill: number;
  spansPerRequest: number;
  concurrency: number;
  spool: boolean;
  log?: (message: string) => void;
}

export interface KillNineResult {
  runs: number;
  acknowledgedSpans: number;
  lostSpans: number;
  /** Traces read back with more spans than were sent (a duplicate visible to readers). */
  duplicatedTraces: number;
}

interface Running {
  child: ChildProcess;
  url: string;
  exited: Promise<void>;
}

async function startServe(options: KillNineOptions): Promise<Running> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--grpc-port', 'off', '--data', options.dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SPANHOUSE_SPOOL: options.spool ? 'on' : 'off', SPANHOUSE_BATCH_MAX_DELAY_MS: '5', NODE_TEST_CONTEXT: '' },
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^Spanhouse listening on (http:\/\/\S+)/.exec(line);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`spanhouse serve exited (${code}): ${stderr}`)));
  });
  return { child, url, exited };
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

function exportBody(traceId: string, spanIds: string[]) {
  const now = Date.now();
  return JSON.stringify({
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'kill-nine' } }] },
      scopeSpans: [{
        scope: { name: 'kill-nine' },
        spans: spanIds.map((spanId, i) => ({
          traceId, spanId, parentSpanId: i === 0 ? '' : spanIds[0], name: `chat ${i}`, kind: 3,
          startTimeUnixNano: `${now}000000`, endTimeUnixNano: `${now + 5}000000`,
          attributes: [{ key: 'gen_ai.operation.name', value: { stringValue: 'chat' } }, { key: 'gen_ai.request.model', value: { stringValue: 'kill-nine-model' } }],
        })),
      }],
    }],
  });
}

/** Sends exports until `target` spans are acknowledged, then kills the collector with SIGKILL. */
async function loadAndKill(running: Running, options: KillNineOptions, acked: Map<string, number>): Promise<void> {
  let ackedHere = 0;
  let killed = false;
  const worker = async () => {
    while (!killed) {
      const traceId = hex(16);
      const spanIds = Array.from({ length: options.spansPerRequest }, () => hex(8));
      try {
        const res = await fetch(`${running.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: exportBody(traceId, spanIds) });
        await res.arrayBuffer();
        if (res.status === 200) {
          acked.set(traceId, spanIds.length);
          ackedHere += spanIds.length;
          if (ackedHere >= options.ackedBeforeKill && !killed) {
            killed = true;
            running.child.kill('SIGKILL');
          }
        }
      } catch {
        if (killed) return; // connections die with the process
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  await running.exited;
}

/** Every acknowledged trace read back (waiting for the spool to store what it holds). */
async function verify(url: string, acked: Map<string, number>): Promise<{ lost: number; duplicated: number }> {
  let lost = 0;
  let duplicated = 0;
  for (const [traceId, expected] of acked) {
    let found = 0;
    for (let attempt = 0; attempt < 100; attempt++) {
      const res = await fetch(`${url}/api/traces/${traceId}`);
      found = res.status === 200 ? ((await res.json()) as { spans: unknown[] }).spans.length : (await res.arrayBuffer(), 0);
      if (found >= expected) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (found < expected) lost += expected - found;
    if (found > expected) duplicated++;
  }
  return { lost, duplicated };
}

export async function killNine(options: KillNineOptions): Promise<KillNineResult> {
  const acked = new Map<string, number>();
  for (let run = 1; run <= options.runs; run++) {
    const running = await startServe(options);
    await loadAndKill(running, options, acked);
    options.log?.(`run ${run}: killed with ${[...acked.values()].reduce((a, b) => a + b, 0)} spans acknowledged so far`);
  }
  const last = await startServe(options);
  try {
    const { lost, duplicated } = await verify(last.url, acked);
    return { runs: options.runs, acknowledgedSpans: [...acked.values()].reduce((a, b) => a + b, 0), lostSpans: lost, duplicatedTraces: duplicated };
  } finally {
    last.child.kill('SIGTERM');
    await last.exited;
  }
}
