// Where the slowest calls' time goes. V8's sampling CPU profiler (node:inspector) runs during the
// timed calls and a PerformanceObserver records garbage collections; each sample is assigned to
// the call it fell in (profile timestamps and process.hrtime are both CLOCK_MONOTONIC) and to
// the code that owns it: the innermost stack frame that belongs to a known package, or GC.
// Comparing the slowest 1% of calls with all calls shows what the tail is made of.
import { Session } from 'node:inspector/promises';
import { PerformanceObserver, constants } from 'node:perf_hooks';

/** Owners of a stack frame, by its script URL: the first match from the innermost frame out. */
const OWNERS: [string, RegExp][] = [
  ['export: OTLP serialisation', /otlp-transformer/],
  ['export: OTLP exporter, HTTP', /otlp-exporter-base|exporter-(trace|logs)-otlp/],
  ['export: batch processors, chunks', /sdk-trace\/build\/src\/export\/Batch|sdk-logs\/build\/src\/export\/Batch|sdk\/src\/pipeline|sdk\/src\/stats/],
  ['log records (logs SDK)', /sdk-logs|api-logs/],
  ['OpenAI instrumentation', /instrumentation-openai|@opentelemetry\/instrumentation\//],
  ['spans (trace SDK)', /sdk-trace|@opentelemetry\/core|@opentelemetry\/resources/],
  ['context manager', /context-async-hooks|@opentelemetry\/api\//],
  ['Spanhouse SDK (other)', /packages\/sdk\/src/],
  ['openai client', /node_modules\/openai\//],
  ['benchmark loop, fetch', /bench\/overhead/],
];
const GC = 'garbage collection';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The owner of a sample, and the frame that decided it (`function file:line`). */
function ownerOf(leaf: number, nodes: Map<number, ProfileNode>, parents: Map<number, number>): [string, string] {
  const name = nodes.get(leaf)!.callFrame.functionName;
  if (name === '(garbage collector)') return [GC, name];
  if (name === '(program)' || name === '(idle)') return [`V8 ${name}`, name];
  for (let id: number | undefined = leaf; id !== undefined; id = parents.get(id)) {
    const { url, functionName, lineNumber } = nodes.get(id)!.callFrame;
    if (!url) continue;
    for (const [owner, pattern] of OWNERS) if (pattern.test(url)) return [owner, `${functionName || '(anonymous)'} ${url.split('/').pop()}:${lineNumber + 1}`];
  }
  const { url, functionName } = nodes.get(leaf)!.callFrame;
  return ['node internals, other', `${functionName || '(anonymous)'} ${url.split('/').pop()}`];
}

export interface Attribution {
  calls: number;
  /** Mean duration of the calls, ms. */
  meanMs: number;
  /** Per owner: mean ms of samples per call, and the share of calls with at least one sample. */
  owners: Record<string, { msPerCall: number; callsTouched: number }>;
  /** The frames that took the most time, ms per call. */
  frames: [string, number][];
  /** Share of the calls during which a scavenge (minor GC), or other GC work (marking, compaction, weak callbacks), ran. */
  minorGcCalls: number;
  otherGcCalls: number;
}

export interface CallProfiler {
  /** Call boundaries, in ns of process.hrtime.bigint(). */
  record(startNs: bigint, endNs: bigint): void;
  /** Stops profiling; attribution of the slowest `tail` share of calls and of all calls. */
  stop(tail?: number): Promise<{ slowest: Attribution; all: Attribution }>;
}

export async function startCallProfiler(intervalMicros = 100): Promise<CallProfiler> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: intervalMicros });
  const gcs: { startUs: number; endUs: number; minor: boolean }[] = [];
  // performance.now() is hrtime since timeOrigin: the offset turns it into hrtime microseconds
  const offsetUs = Number(process.hrtime.bigint() / 1000n) - performance.now() * 1000;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      const startUs = entry.startTime * 1000 + offsetUs;
      gcs.push({ startUs, endUs: startUs + entry.duration * 1000, minor: kind === constants.NODE_PERFORMANCE_GC_MINOR });
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  await session.post('Profiler.start');
  const calls: { startUs: number; endUs: number }[] = [];

  return {
    record(startNs, endNs) {
      calls.push({ startUs: Number(startNs / 1000n), endUs: Number(endNs / 1000n) });
    },
    async stop(tail = 0.01) {
      const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile };
      observer.disconnect();
      session.disconnect();
      const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
      const parents = new Map<number, number>();
      for (const n of profile.nodes) for (const child of n.children ?? []) parents.set(child, n.id);

      // each call's samples: owner → microseconds (a sample lasts until the next one)
      const perCall = calls.map(() => new Map<string, number>());
      const framesPerCall = calls.map(() => new Map<string, number>());
      let time = profile.startTime;
      let call = 0;
      for (let i = 0; i < profile.samples.length; i++) {
        time += profile.timeDeltas[i];
        const lastsUs = profile.timeDeltas[i + 1] ?? 0;
        while (call < calls.length && calls[call].endUs < time) call++;
        if (call >= calls.length) break;
        if (time < calls[call].startUs) continue;
        const [owner, frame] = ownerOf(profile.samples[i], nodes, parents);
        perCall[call].set(owner, (perCall[call].get(owner) ?? 0) + lastsUs);
        const key = `${owner}: ${frame}`;
        framesPerCall[call].set(key, (framesPerCall[call].get(key) ?? 0) + lastsUs);
      }
      const overlaps = (c: { startUs: number; endUs: number }, minor: boolean) => gcs.some((g) => g.minor === minor && g.startUs < c.endUs && g.endUs > c.startUs);

      const summarise = (indices: number[]): Attribution => {
        const owners: Attribution['owners'] = {};
        const frames = new Map<string, number>();
        for (const i of indices) for (const [frame, us] of framesPerCall[i]) frames.set(frame, (frames.get(frame) ?? 0) + us / 1000 / indices.length);
        for (const i of indices) {
          for (const [owner, us] of perCall[i]) {
            owners[owner] ??= { msPerCall: 0, callsTouched: 0 };
            owners[owner].msPerCall += us / 1000 / indices.length;
            owners[owner].callsTouched += 1 / indices.length;
          }
        }
        return {
          calls: indices.length,
          meanMs: indices.reduce((n, i) => n + (calls[i].endUs - calls[i].startUs) / 1000, 0) / indices.length,
          owners,
          frames: [...frames].sort((a, b) => b[1] - a[1]).slice(0, 12),
          minorGcCalls: indices.filter((i) => overlaps(calls[i], true)).length / indices.length,
          otherGcCalls: indices.filter((i) => overlaps(calls[i], false)).length / indices.length,
        };
      };
      const byDuration = calls.map((_, i) => i).sort((a, b) => calls[b].endUs - calls[b].startUs - (calls[a].endUs - calls[a].startUs));
      return { slowest: summarise(byDuration.slice(0, Math.max(1, Math.round(calls.length * tail)))), all: summarise(byDuration) };
    },
  };
}
