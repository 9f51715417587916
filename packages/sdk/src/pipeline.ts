// The export path of each signal: admit (bounded, counted) → OTel batch processor → split
// into small chunks → redact → OTLP exporter (counted). Memory stays bounded whatever the
// collector does: at most maxQueueSize items wait, plus the batch being sent.
//
// Why chunks: the OTLP exporters serialise a whole batch synchronously, on the event loop
// (1.6 ms for 128 chat spans, 14 ms when each carries 4 KB of prompt and response). Each
// chunk holds at most CHUNK_LIMITS of items and text, and the next one is serialised only
// after the previous one's answer and a turn of the event loop (setImmediate), so the app's
// own work runs in between. The first chunk waits for a turn too: the batch processors start
// an export inside span.end() or logger.emit() when a batch fills, which would otherwise put
// a chunk's serialisation and request inside whichever app call ended the batch's last span
// (most of the SDK's p99 overhead per call; README "Overhead").
import { context, TraceFlags, type Context } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BatchLogRecordProcessor, type LogRecordExporter, type LogRecordProcessor, type ReadableLogRecord, type SdkLogRecord } from '@opentelemetry/sdk-logs';
import { BatchSpanProcessor, type ReadableSpan, type Span, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { BatchOptions } from './config.ts';
import { redactLogRecord, redactSpan, type Redactor } from './redact.ts';
import { SignalCounter } from './stats.ts';

export interface ChunkLimits {
  /** Items per exporter call at most. */
  maxItems: number;
  /** Characters of attribute, event and body text per exporter call at most (one larger item goes alone). */
  maxChars: number;
}

/** About 0.5–1 ms of protobuf serialisation per chunk (see the SDK's README figures). */
export const CHUNK_LIMITS: ChunkLimits = { maxItems: 32, maxChars: 32 * 1024 };

/** The text an item carries, which is what serialisation time follows. */
function textSize(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + textSize(v), 0);
  if (value && typeof value === 'object') return Object.values(value).reduce((n: number, v) => n + textSize(v), 0);
  return 8;
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

/**
 * An exporter that hands `inner` one chunk per event-loop turn, redacting each chunk just
 * before, and counts every chunk's items as exported or failed. `done` gets the first
 * failure, or success once every chunk has its answer.
 */
function chunkedCountingExporter<T>(inner: ItemExporter<T>, counter: SignalCounter, sizeOf: (item: T) => number, redact: ((item: T) => T) | undefined, limits: ChunkLimits): Required<ItemExporter<T>> {
  return {
    export(items, done) {
      const settle = counter.exporting(items.length, done);
      // One chunk at a time, the next after the previous one's answer and a turn of the loop
      // (I/O, timers and the app's immediates run in between): a batch is one request in
      // flight, as without chunks. After a failure the rest fail at once (the collector is down).
      // Every chunk runs in the export's context, where the batch processor suppressed tracing
      // (so an HTTP instrumentation does not trace the export's own requests).
      let from = 0;
      const next = context.bind(context.active(), () => {
        const to = chunkEnd(items, from, sizeOf, limits);
        const count = to - from;
        const answered = (result: ExportResult) => {
          settle(count, result);
          if (to >= items.length) return;
          if (result.code !== ExportResultCode.SUCCESS) return settle(items.length - to, result);
          from = to;
          setImmediate(next);
        };
        const chunk = items.slice(from, to);
        try {
          inner.export(redact ? chunk.map(redact) : chunk, answered);
        } catch (error) {
          answered({ code: ExportResultCode.FAILED, error: error as Error });
        }
      });
      setImmediate(next);
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
}

/** What the span and log processors share: the counter in front, the batch processor behind, flush and shutdown. */
abstract class ExportingProcessor {
  protected closed = false;

  constructor(
    readonly counter: SignalCounter,
    private readonly batch: { forceFlush(): Promise<void>; shutdown(): Promise<void> },
  ) {}

  /** Whether an item may be queued (after shutdown nothing is; a full queue drops and counts). */
  protected admit(): boolean {
    return !this.closed && this.counter.admit();
  }

  /** Exports what waits; resolves (or rejects) once every export under way has its answer. */
  async forceFlush(): Promise<void> {
    try {
      await this.batch.forceFlush();
    } finally {
      await this.counter.settled();
    }
  }

  shutdown(): Promise<void> {
    this.closed = true;
    return this.batch.shutdown();
  }
}

export class ExportingSpanProcessor extends ExportingProcessor implements SpanProcessor {
  private readonly spans: BatchSpanProcessor;

  constructor(exporter: SpanExporter, batch: Required<BatchOptions>, redact?: Redactor, limits: ChunkLimits = CHUNK_LIMITS) {
    const counter = new SignalCounter(batch.maxQueueSize);
    const spans = new BatchSpanProcessor(chunkedCountingExporter(exporter, counter, spanSize, redact && ((s) => redactSpan(s, redact)), limits), batch);
    super(counter, spans);
    this.spans = spans;
  }

  onStart(_span: Span, _context: Context): void {}

  onEnd(span: ReadableSpan): void {
    // The batch processor skips unsampled spans too; they must not count as queued.
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.admit()) this.spans.onEnd(span);
  }
}

export class ExportingLogProcessor extends ExportingProcessor implements LogRecordProcessor {
  private readonly records: BatchLogRecordProcessor;

  constructor(exporter: LogRecordExporter, batch: Required<BatchOptions>, redact?: Redactor, limits: ChunkLimits = CHUNK_LIMITS) {
    const counter = new SignalCounter(batch.maxQueueSize);
    const records = new BatchLogRecordProcessor({ exporter: chunkedCountingExporter(exporter, counter, logSize, redact && ((r) => redactLogRecord(r, redact)), limits), ...batch });
    super(counter, records);
    this.records = records;
  }

  onEmit(record: SdkLogRecord): void {
    if (this.admit()) this.records.onEmit(record);
  }
}
