// The export path of each signal: admit (bounded, counted) → OTel batch processor → redact →
// OTLP exporter (counted). Memory stays bounded whatever the collector does: at most
// maxQueueSize items wait, plus the batch being sent.
import { TraceFlags, type Context } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import { BatchLogRecordProcessor, type LogRecordExporter, type LogRecordProcessor, type ReadableLogRecord, type SdkLogRecord } from '@opentelemetry/sdk-logs';
import { BatchSpanProcessor, type ReadableSpan, type Span, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { BatchOptions } from './config.ts';
import { redactLogRecord, redactSpan, type Redactor } from './redact.ts';
import { SignalCounter } from './stats.ts';

function countingSpanExporter(inner: SpanExporter, counter: SignalCounter, redact: Redactor | undefined): SpanExporter {
  return {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void) {
      inner.export(redact ? spans.map((s) => redactSpan(s, redact)) : spans, counter.exporting(spans.length, done));
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
}

function countingLogExporter(inner: LogRecordExporter, counter: SignalCounter, redact: Redactor | undefined): LogRecordExporter {
  return {
    export(records: ReadableLogRecord[], done: (result: ExportResult) => void) {
      inner.export(redact ? records.map((r) => redactLogRecord(r, redact)) : records, counter.exporting(records.length, done));
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
}

export class ExportingSpanProcessor implements SpanProcessor {
  readonly counter: SignalCounter;
  private readonly batch: BatchSpanProcessor;
  private closed = false;

  constructor(exporter: SpanExporter, batch: Required<BatchOptions>, redact?: Redactor) {
    this.counter = new SignalCounter(batch.maxQueueSize);
    this.batch = new BatchSpanProcessor(countingSpanExporter(exporter, this.counter, redact), batch);
  }

  onStart(_span: Span, _context: Context): void {}

  onEnd(span: ReadableSpan): void {
    // The batch processor skips unsampled spans too; they must not count as queued.
    if (this.closed || (span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.counter.admit()) this.batch.onEnd(span);
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

export class ExportingLogProcessor implements LogRecordProcessor {
  readonly counter: SignalCounter;
  private readonly batch: BatchLogRecordProcessor;
  private closed = false;

  constructor(exporter: LogRecordExporter, batch: Required<BatchOptions>, redact?: Redactor) {
    this.counter = new SignalCounter(batch.maxQueueSize);
    this.batch = new BatchLogRecordProcessor({ exporter: countingLogExporter(exporter, this.counter, redact), ...batch });
  }

  onEmit(record: SdkLogRecord): void {
    if (this.closed) return;
    if (this.counter.admit()) this.batch.onEmit(record);
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
