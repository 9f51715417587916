// Groups spans from many requests into few inserts (ClickHouse likes large, rare
// inserts) and tells each request when the insert holding its spans is stored, so the
// receiver acknowledges only durable data. One insert runs at a time; while it runs
// the next batch fills, so the batch size follows the load. When storage is down every
// request of the batch fails (and is retried by its client). When ClickHouse refuses the
// data itself, the insert is split in halves until the spans it refuses are found: they
// are rejected (the request's partial_success says so), everything else is stored.
import type { SpanhouseSpan } from '@spanhouse/model';

export interface SpanSink {
  insertSpans(spans: SpanhouseSpan[]): Promise<unknown>;
  /**
   * Spans queued for a later insertSpans: the sink may prepare for them meanwhile.
   * `soon`: they wait only for the insert in flight (patient ones wait for a timer, and an
   * idle writer stores at once).
   */
  readAhead?(spans: SpanhouseSpan[], wait: { soon: boolean }): void;
}

export interface BatchWriterOptions {
  /** Flush once this many spans are waiting (one larger request still goes alone). */
  maxSpans: number;
  /** Flush at the latest this long after the first waiting request arrived. */
  maxDelayMs: number;
}

/** Spans of one request that ClickHouse itself refused (after validation let them through). */
export interface WriteOutcome {
  refused: number;
  reasons: string[];
}

/** Per write: how long its spans may wait for the insert (default: the writer's maxDelayMs). */
export interface WriteOptions {
  maxDelayMs?: number;
}

interface Entry {
  spans: SpanhouseSpan[];
  /** When the insert holding these spans must start at the latest (Date.now() ms). */
  due: number;
  /** Allowed to wait longer than the writer's maxDelayMs (an answered gateway call's spans). */
  patient: boolean;
  resolve: (outcome: WriteOutcome) => void;
  reject: (error: Error) => void;
}

/**
 * True when ClickHouse refused an insert for what is in it (a value it cannot parse or
 * store), not because storage is unavailable (disk full, read-only, gone): only then does
 * splitting the insert help.
 */
export function isDataError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /\(at row \d+\)|while reading the value of|cannot parse|surrogate pair|CANNOT_PARSE|INCORRECT_DATA|VALUE_IS_OUT_OF_RANGE|TOO_DEEP|ARGUMENT_OUT_OF_BOUND|TYPE_MISMATCH/i.test(message);
}

const MAX_REASONS = 3;
const firstLine = (error: Error) => error.message.split('\n')[0].slice(0, 200);

export class BatchWriter {
  private queue: Entry[] = [];
  private queuedSpans = 0;
  private timer: NodeJS.Timeout | null = null;
  private timerDue = Infinity;
  /** The earliest `due` of the queued entries. */
  private due = Infinity;
  private flushing: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly sink: SpanSink,
    private readonly options: BatchWriterOptions,
  ) {}

  /**
   * Resolves once these spans are stored (with the few ClickHouse refused, if any); rejects
   * if storage failed.
   */
  write(spans: SpanhouseSpan[], options: WriteOptions = {}): Promise<WriteOutcome> {
    if (this.closed) return Promise.reject(new Error('the collector is shutting down'));
    if (spans.length === 0) return Promise.resolve({ refused: 0, reasons: [] });
    return new Promise<WriteOutcome>((resolve, reject) => {
      const maxDelayMs = options.maxDelayMs ?? this.options.maxDelayMs;
      const patient = maxDelayMs > this.options.maxDelayMs;
      const due = Date.now() + maxDelayMs;
      this.queue.push({ spans, due, patient, resolve, reject });
      this.sink.readAhead?.(spans, { soon: this.flushing !== null && !patient });
      this.due = Math.min(this.due, due);
      this.queuedSpans += spans.length;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.flushing || this.queue.length === 0) return; // a running flush takes what is due when it ends
    if (this.queuedSpans >= this.options.maxSpans) {
      this.clearTimer();
      void this.flush();
    } else if (this.due < this.timerDue) {
      // the first write, or one in more of a hurry than those queued (which then ride along)
      this.clearTimer();
      this.timerDue = this.due;
      this.timer = setTimeout(() => {
        this.timer = null;
        this.timerDue = Infinity;
        void this.flush();
      }, Math.max(0, this.due - Date.now()));
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerDue = Infinity;
  }

  private flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = (async () => {
      // When an insert ends, the next starts at once if a write that is not patient waits (as
      // before: OTLP and durable writes are stored as soon as the store is free); patient spans
      // alone wait for their due time or a full batch, so their inserts stay few and large.
      while (this.queue.length > 0 && (this.closed || this.queue.some((entry) => !entry.patient) || this.queuedSpans >= this.options.maxSpans || this.due <= Date.now())) {
        const batch = this.takeBatch();
        const spans = batch.length === 1 ? batch[0].spans : batch.flatMap((e) => e.spans);
        try {
          await this.sink.insertSpans(spans);
          for (const entry of batch) entry.resolve({ refused: 0, reasons: [] });
        } catch (error) {
          const err = error instanceof Error ? error : new Error(String(error));
          if (isDataError(err)) await this.isolate(batch);
          else for (const entry of batch) entry.reject(err);
        }
      }
    })().finally(() => {
      this.flushing = null;
      this.schedule();
    });
    return this.flushing;
  }

  /**
   * After ClickHouse refused a batch's data: each request alone, and a request it refuses
   * split in halves down to the spans it refuses. A storage failure on the way fails
   * the requests not yet settled, as a failed batch does.
   */
  private async isolate(batch: Entry[]): Promise<void> {
    for (let i = 0; i < batch.length; i++) {
      const entry = batch[i];
      const outcome: WriteOutcome = { refused: 0, reasons: [] };
      try {
        await this.insertSplitting(entry.spans, outcome);
        entry.resolve(outcome);
      } catch (error) {
        const err = error instanceof Error ? error : new Error(String(error));
        for (const rest of batch.slice(i)) rest.reject(err);
        return;
      }
    }
  }

  private async insertSplitting(spans: SpanhouseSpan[], outcome: WriteOutcome): Promise<void> {
    try {
      await this.sink.insertSpans(spans);
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      if (!isDataError(err)) throw err;
      if (spans.length === 1) {
        outcome.refused++;
        if (outcome.reasons.length < MAX_REASONS) outcome.reasons.push(`span "${spans[0].name.slice(0, 100)}" was refused by storage: ${firstLine(err)}`);
        return;
      }
      const half = Math.ceil(spans.length / 2);
      await this.insertSplitting(spans.slice(0, half), outcome);
      await this.insertSplitting(spans.slice(half), outcome);
    }
  }

  private takeBatch(): Entry[] {
    const batch: Entry[] = [];
    let size = 0;
    while (this.queue.length > 0 && (batch.length === 0 || size + this.queue[0].spans.length <= this.options.maxSpans)) {
      const entry = this.queue.shift()!;
      size += entry.spans.length;
      batch.push(entry);
    }
    this.queuedSpans -= size;
    this.due = this.queue.reduce((due, entry) => Math.min(due, entry.due), Infinity);
    return batch;
  }

  /** Stores everything still queued, then refuses new writes. */
  async close(): Promise<void> {
    this.closed = true;
    this.clearTimer();
    await this.flush();
  }
}
