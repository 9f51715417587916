// Groups spans from many requests into few inserts (ClickHouse likes large, rare
// inserts) and tells each request when the insert holding its spans is stored, so the
// receiver acknowledges only durable data. One insert runs at a time; while it runs
// the next batch fills, so the batch size follows the load. A request is never split
// across inserts: it succeeds or fails as a whole.
import type { SpanhouseSpan } from '@spanhouse/model';

export interface SpanSink {
  insertSpans(spans: SpanhouseSpan[]): Promise<unknown>;
}

export interface BatchWriterOptions {
  /** Flush once this many spans are waiting (one larger request still goes alone). */
  maxSpans: number;
  /** Flush at the latest this long after the first waiting request arrived. */
  maxDelayMs: number;
}

interface Entry {
  spans: SpanhouseSpan[];
  resolve: () => void;
  reject: (error: Error) => void;
}

export class BatchWriter {
  private queue: Entry[] = [];
  private queuedSpans = 0;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly sink: SpanSink,
    private readonly options: BatchWriterOptions,
  ) {}

  /** Resolves once these spans are stored; rejects if the insert holding them failed. */
  write(spans: SpanhouseSpan[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the collector is shutting down'));
    if (spans.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ spans, resolve, reject });
      this.queuedSpans += spans.length;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.flushing || this.queue.length === 0) return; // a running flush drains the queue when it ends
    if (this.queuedSpans >= this.options.maxSpans) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      void this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, this.options.maxDelayMs);
    }
  }

  private flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = (async () => {
      while (this.queue.length > 0) {
        const batch = this.takeBatch();
        const spans = batch.length === 1 ? batch[0].spans : batch.flatMap((e) => e.spans);
        try {
          await this.sink.insertSpans(spans);
          for (const entry of batch) entry.resolve();
        } catch (error) {
          const err = error instanceof Error ? error : new Error(String(error));
          for (const entry of batch) entry.reject(err);
        }
      }
    })().finally(() => {
      this.flushing = null;
      this.schedule();
    });
    return this.flushing;
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
    return batch;
  }

  /** Stores everything still queued, then refuses new writes. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
  }
}
