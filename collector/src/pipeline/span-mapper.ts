// Maps one tenant's OTLP spans on a worker thread (ingest.ts's `offLoop`): mapping and the
// storable checks are pure CPU, a fifth of a millisecond per gateway call, that would
// otherwise run on the event loop between the requests it serves. Jobs go to the worker in
// batches (waking a thread cost as much as mapping one call on a busy 2-core VM), and come
// back one per event-loop turn, so a batch never holds the loop for all of its ingests.
// A worker that cannot start, fails a job or dies is replaced, and its jobs are mapped on this
// thread: no span is lost to it. The worker never keeps the process alive while idle.
import { Worker } from 'node:worker_threads';
import { mapJob, type MapJob, type MappedSpans } from './ingest.ts';
import { TurnQueue } from './turn-queue.ts';

/** How long a job waits for others to cross to the worker with it. */
export const MAP_BATCH_MS = 20;

interface Pending {
  job: MapJob;
  resolve: (mapped: MappedSpans) => void;
}

type WorkerResult = { id: number; mapped?: MappedSpans; error?: string };

/** The worker: the built file in dist/ (flat), or the TypeScript source through tsx (tests, SPANHOUSE_FROM_SOURCE). */
export function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./span-mapper-worker.js', import.meta.url));
  const entry = new URL('./span-mapper-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`, { eval: true });
}

export class SpanMapper {
  private worker: Worker | null = null;
  /** Sent (or about to be) and not yet answered. */
  private readonly pending = new Map<number, Pending>();
  private batch: number[] = [];
  private batchTimer: NodeJS.Timeout | null = null;
  /** Answers waiting for their turn on the event loop. */
  private readonly answers = new TurnQueue();
  private nextId = 0;
  private closed = false;
  /** A worker died before answering anything: it will not start (a missing file, no threads), so none is started again. */
  private gaveUp = false;

  constructor(
    private readonly log: (message: string) => void = () => {},
    private readonly start: () => Worker = startWorker,
    private readonly batchMs = MAP_BATCH_MS,
  ) {}

  /** The job's spans mapped, on the worker when it runs, else here. */
  map(job: MapJob): Promise<MappedSpans> {
    if (this.closed) return Promise.resolve(mapJob(job));
    return new Promise<MappedSpans>((resolve) => {
      const id = this.nextId++;
      this.pending.set(id, { job, resolve });
      this.batch.push(id);
      this.batchTimer ??= setTimeout(() => this.send(), this.batchMs);
    });
  }

  private send(): void {
    this.batchTimer = null;
    const ids = this.batch;
    this.batch = [];
    const worker = this.worker ?? (this.gaveUp ? null : this.spawn());
    if (!worker) return this.here(ids);
    try {
      worker.postMessage(ids.map((id) => ({ id, job: this.pending.get(id)!.job })));
      worker.ref(); // answers are owed
    } catch (error) {
      // not cloneable (a value only this thread can hold): mapped here
      this.log(`span mapper: ${ids.length} job(s) stayed on the main thread: ${(error as Error).message}`);
      this.here(ids);
    }
  }

  /** Maps these jobs on this thread (no worker, or the worker failed them). */
  private here(ids: number[]): void {
    for (const id of ids) this.answer(id, mapJob);
  }

  /** Resolves job `id` on its own event-loop turn, after the turn's I/O. */
  private answer(id: number, result: (job: MapJob) => MappedSpans): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    this.answers.push(() => pending.resolve(result(pending.job)));
  }

  private spawn(): Worker | null {
    let worker: Worker;
    try {
      worker = this.start();
    } catch (error) {
      this.log(`span mapper: no worker thread (${(error as Error).message}); spans are mapped on the main thread`);
      this.gaveUp = true;
      return null;
    }
    let answered = false;
    worker.unref(); // referenced only while it owes answers
    worker.on('message', (results: WorkerResult[]) => {
      answered = true;
      for (const { id, mapped, error } of results) {
        if (mapped) this.answer(id, () => mapped);
        else {
          this.log(`span mapper: a job failed on the worker (${error}); mapped on the main thread`);
          this.answer(id, mapJob);
        }
      }
      if (this.sentAndUnanswered() === 0) worker.unref();
    });
    const lost = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = null;
      const sent = [...this.pending.keys()].filter((id) => !this.batch.includes(id));
      this.gaveUp ||= !answered;
      const next = this.gaveUp ? 'from now on, spans are mapped on the main thread' : 'a new one starts with the next batch';
      if (!this.closed) this.log(`span mapper: the worker stopped (${why}); its ${sent.length} job(s) are mapped on the main thread; ${next}`);
      this.here(sent);
    };
    worker.on('error', (error) => lost(error.message));
    worker.on('exit', (code) => lost(`exit code ${code}`));
    this.worker = worker;
    return worker;
  }

  private sentAndUnanswered(): number {
    return this.pending.size - this.batch.length;
  }

  /** Sends what waits for a batch, then stops the worker: whatever it had not answered is mapped here. */
  async close(): Promise<void> {
    if (this.batchTimer) {
      clearTimeout(this.batchTimer);
      this.here(this.batch);
      this.batch = [];
      this.batchTimer = null;
    }
    this.closed = true;
    await this.worker?.terminate();
  }
}
