// Maps one tenant's OTLP spans on a worker thread (ingest.ts's `offLoop`): mapping and the
// storable checks are pure CPU, a fifth of a millisecond per gateway call, that would
// otherwise run on the event loop between the requests it serves. A worker that cannot
// start, fails a job or dies is replaced, and its jobs are mapped on this thread: no span is
// lost to it. The worker never keeps the process alive while idle.
import { Worker } from 'node:worker_threads';
import { mapJob, type MapJob, type MappedSpans } from './ingest.ts';

interface Pending {
  job: MapJob;
  resolve: (mapped: MappedSpans) => void;
}

/** The worker: the built file in dist/ (flat), or the TypeScript source through tsx (tests, SPANHOUSE_FROM_SOURCE). */
export function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./span-mapper-worker.js', import.meta.url));
  const entry = new URL('./span-mapper-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`, { eval: true });
}

export class SpanMapper {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;

  constructor(
    private readonly log: (message: string) => void = () => {},
    private readonly start: () => Worker = startWorker,
  ) {}

  /** The job's spans mapped, on the worker when it runs, else here. */
  map(job: MapJob): Promise<MappedSpans> {
    if (this.closed) return Promise.resolve(mapJob(job));
    const worker = this.worker ?? this.spawn();
    if (!worker) return Promise.resolve(mapJob(job));
    return new Promise<MappedSpans>((resolve) => {
      const id = this.nextId++;
      this.pending.set(id, { job, resolve });
      if (this.pending.size === 1) worker.ref();
      try {
        worker.postMessage({ id, job });
      } catch (error) {
        // not cloneable (a value only this thread can hold): mapped here
        this.pending.delete(id);
        this.idle();
        this.log(`span mapper: a job stayed on the main thread: ${(error as Error).message}`);
        resolve(mapJob(job));
      }
    });
  }

  private spawn(): Worker | null {
    let worker: Worker;
    try {
      worker = this.start();
    } catch (error) {
      this.log(`span mapper: no worker thread (${(error as Error).message}); spans are mapped on the main thread`);
      return null;
    }
    worker.unref();
    worker.on('message', ({ id, mapped, error }: { id: number; mapped?: MappedSpans; error?: string }) => {
      const pending = this.pending.get(id);
      if (!pending) return;
      this.pending.delete(id);
      this.idle();
      if (mapped) return pending.resolve(mapped);
      this.log(`span mapper: a job failed on the worker (${error}); mapped on the main thread`);
      pending.resolve(mapJob(pending.job));
    });
    const lost = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = null;
      if (!this.closed) this.log(`span mapper: the worker stopped (${why}); its ${this.pending.size} job(s) are mapped on the main thread`);
      const jobs = [...this.pending.values()];
      this.pending.clear();
      for (const { job, resolve } of jobs) resolve(mapJob(job));
    };
    worker.on('error', (error) => lost(error.message));
    worker.on('exit', (code) => lost(`exit code ${code}`));
    this.worker = worker;
    return worker;
  }

  /** Lets the process exit while nothing waits on the worker. */
  private idle(): void {
    if (this.pending.size === 0) this.worker?.unref();
  }

  /** Maps what is still pending here and stops the worker. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    await worker.terminate();
  }
}
