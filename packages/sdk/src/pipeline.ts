// The export path of each signal: admit (bounded, counted) → hand-over a turn later → OTel
// batch processor → paced export (redact, serialise, send) → counted. Memory stays bounded
// whatever the collector does: at most maxQueueSize items wait, plus the batch being sent.
//
// Why a turn later: span.end() and logger.emit() run inside the app's call, and the batch
// processor's part of a full batch (taking it out of the buffer, its export timer, a context
// switch, promises) costs 15-35 µs, which landed in one call of 128 for spans and one of 64 for
// log records: about 2.3% of calls, so in the p99. Ended items only join a list in the call.
//
// Why paced: OTLP exporters serialise a whole batch synchronously, on the event loop (1.6 ms
// for 128 chat spans, 14 ms when each carries 4 KB of prompt and response), and the batch
// processors start an export inside span.end() or logger.emit() when a batch fills, so that
// work lands inside whichever app call ended the batch's last span (most of the SDK's p99
// overhead per call; docs/sdk-overhead.md, "Where the p99 went"). Here no export work runs
// in the caller's turn, and each later turn does a bounded part of it, so the app's own work
// runs in between:
// - OTLP/HTTP protobuf (the default): a few items are serialised per turn (SLICE_LIMITS) and
//   the batch goes out as one request. Concatenated protobuf requests are one valid request
//   (a repeated field appends), so each slice is serialised as a request of its own.
// - other exporters (JSON, gRPC, an app's own): the batch goes out as chunks (CHUNK_LIMITS),
//   one request per chunk, the next after the previous one's answer and a turn of the loop.
import { context, TraceFlags, type Context } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BatchLogRecordProcessor, type LogRecordExporter, type LogRecordProcessor, type ReadableLogRecord, type SdkLogRecord } from '@opentelemetry/sdk-logs';
import { BatchSpanProcessor, type ReadableSpan, type Span, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { BatchOptions } from './config.ts';
import { redactLogRecord, redactSpan, type Redactor } from './redact.ts';
import { SignalCounter } from './stats.ts';

export interface ChunkLimits {
  /** Items per event-loop turn at most. */
  maxItems: number;
  /** Characters of attribute, event and body text per turn at most (one larger item goes alone). */
  maxChars: number;
}

/** One request per chunk: about 0.5–1 ms of protobuf serialisation each (docs/sdk-overhead.md). */
export const CHUNK_LIMITS: ChunkLimits = { maxItems: 32, maxChars: 32 * 1024 };
/** Serialised per turn into a batch's one request: about 0.1 ms each (docs/sdk-overhead.md). */
export const SLICE_LIMITS: ChunkLimits = { maxItems: 8, maxChars: 8 * 1024 };

/**
 * An exporter whose request can be serialised in slices and sent whole (OTLP/HTTP protobuf:
 * `exporters.ts`): what the pipeline uses instead of export() when the exporter offers it.
 */
export interface SlicedExporter<T> {
  /** Some items as a request of their own. */
  serialize(items: T[]): Uint8Array;
  /** Sends the concatenated slices, `count` items in all, as one request. */
  send(request: Uint8Array, count: number, done: (result: ExportResult) => void): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

const isSliced = <T>(exporter: ItemExporter<T> | SlicedExporter<T>): exporter is SlicedExporter<T> => typeof (exporter as SlicedExporter<T>).serialize === 'function';

/** The text an item carries, which is what serialisation time follows. Plain loops: it runs for every item exported. */
function textSize(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (typeof value !== 'object' || value === null) return 8;
  let size = 0;
  if (Array.isArray(value)) for (const v of value) size += textSize(v);
  else for (const key in value) size += textSize((value as Record<string, unknown>)[key]);
  return size;
}

const spanSize = (span: ReadableSpan) => span.name.length + textSize(span.attributes) + span.events.reduce((n, e) => n + e.name.length + textSize(e.attributes ?? {}), 0);
const logSize = (record: ReadableLogRecord) => textSize(record.body) + textSize(record.attributes);

/** Where the run of items starting at `from` ends (exclusive): within the limits, at least one item. */
export function chunkEnd<T>(items: T[], from: number, sizeOf: (item: T) => number, limits: ChunkLimits): number {
  let end = from;
  let chars = 0;
  while (end < items.length && end - from < limits.maxItems) {
    const size = sizeOf(items[end]);
    if (end > from && chars + size > limits.maxChars) break;
    chars += size;
    end++;
  }
  return end;
}

/** What both OTel exporter interfaces (spans, log records) look like. */
interface ItemExporter<T> {
  export(items: T[], done: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

const failure = (error: unknown): ExportResult => ({ code: ExportResultCode.FAILED, error: error as Error });

/**
 * The exporter the batch processor calls: it only counts the batch as handed over and returns;
 * the export itself runs in later turns of the event loop, a bounded part per turn, each part
 * redacted just before it is serialised. Every part runs in the export's context, where the
 * batch processor suppressed tracing (so an HTTP instrumentation does not trace the export's
 * own requests). `done` gets the first failure, or success once every item has its answer.
 */
function pacedCountingExporter<T>(inner: ItemExporter<T> | SlicedExporter<T>, counter: SignalCounter, sizeOf: (item: T) => number, redact: ((item: T) => T) | undefined, limits?: ChunkLimits): Required<ItemExporter<T>> {
  const part = (items: T[], from: number, to: number) => (redact ? items.slice(from, to).map(redact) : items.slice(from, to));
  return {
    export(items, done) {
      const settle = counter.exporting(items.length, done);
      let from = 0;
      let step: () => void;
      if (isSliced(inner)) {
        const slices: Uint8Array[] = [];
        step = () => {
          try {
            const to = chunkEnd(items, from, sizeOf, limits ?? SLICE_LIMITS);
            slices.push(inner.serialize(part(items, from, to)));
            from = to;
            if (from < items.length) return void setImmediate(next);
            inner.send(slices.length === 1 ? slices[0] : Buffer.concat(slices), items.length, (result) => settle(items.length, result));
          } catch (error) {
            settle(items.length, failure(error));
          }
        };
      } else {
        // One chunk at a time, the next after the previous one's answer (one request in flight
        // per batch). After a failure the rest fail at once (the collector is down).
        step = () => {
          const to = chunkEnd(items, from, sizeOf, limits ?? CHUNK_LIMITS);
          const count = to - from;
          const answered = (result: ExportResult) => {
            settle(count, result);
            if (to >= items.length) return;
            if (result.code !== ExportResultCode.SUCCESS) return settle(items.length - to, result);
            from = to;
            setImmediate(next);
          };
          try {
            inner.export(part(items, from, to), answered);
          } catch (error) {
            answered(failure(error));
          }
        };
      }
      const next = context.bind(context.active(), step);
      setImmediate(next);
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
}

/**
 * What the span and log processors share: the counter in front, the items ended in this turn,
 * the batch processor behind (given them a turn later, or at flush), flush and shutdown.
 */
abstract class ExportingProcessor<T> {
  protected closed = false;
  private ended: T[] = [];

  constructor(
    readonly counter: SignalCounter,
    private readonly batch: { forceFlush(): Promise<void>; shutdown(): Promise<void> },
    private readonly toBatch: (item: T) => void,
  ) {}

  /** Queues an item unless shut down or the queue is full (dropped and counted). */
  protected add(item: T): void {
    if (this.closed || !this.counter.admit()) return;
    if (this.ended.push(item) === 1) setImmediate(this.handOver);
  }

  private readonly handOver = () => {
    const items = this.ended;
    this.ended = [];
    for (const item of items) this.toBatch(item);
  };

  /** Exports what waits; resolves (or rejects) once every export under way has its answer. */
  async forceFlush(): Promise<void> {
    this.handOver();
    try {
      await this.batch.forceFlush();
    } finally {
      await this.counter.settled();
    }
  }

  shutdown(): Promise<void> {
    this.handOver();
    this.closed = true;
    return this.batch.shutdown();
  }
}

export class ExportingSpanProcessor extends ExportingProcessor<ReadableSpan> implements SpanProcessor {
  /** `limits`: per turn; by default SLICE_LIMITS for a SlicedExporter, CHUNK_LIMITS for others. */
  constructor(exporter: SpanExporter | SlicedExporter<ReadableSpan>, batch: Required<BatchOptions>, redact?: Redactor, limits?: ChunkLimits) {
    const counter = new SignalCounter(batch.maxQueueSize);
    const spans = new BatchSpanProcessor(pacedCountingExporter(exporter, counter, spanSize, redact && ((s) => redactSpan(s, redact)), limits), batch);
    super(counter, spans, (span) => spans.onEnd(span));
  }

  onStart(_span: Span, _context: Context): void {}

  onEnd(span: ReadableSpan): void {
    // The batch processor skips unsampled spans too; they must not count as queued.
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0) this.add(span);
  }
}

export class ExportingLogProcessor extends ExportingProcessor<SdkLogRecord> implements LogRecordProcessor {
  constructor(exporter: LogRecordExporter | SlicedExporter<ReadableLogRecord>, batch: Required<BatchOptions>, redact?: Redactor, limits?: ChunkLimits) {
    const counter = new SignalCounter(batch.maxQueueSize);
    const records = new BatchLogRecordProcessor({ exporter: pacedCountingExporter(exporter, counter, logSize, redact && ((r) => redactLogRecord(r, redact)), limits), ...batch });
    super(counter, records, (record) => records.onEmit(record));
  }

  onEmit(record: SdkLogRecord): void {
    this.add(record);
  }
}
