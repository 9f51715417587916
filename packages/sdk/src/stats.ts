// Counters of what the exporting pipeline did with the spans and log records it was given, so
// an app can see drops (a full queue while the collector is down, failed exports) instead of
// losing data silently. The OTel batch processors bound memory but only log their drops.
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';

export interface SignalStats {
  /** Handed to the exporter and acknowledged by the collector. */
  exported: number;
  /** Waiting in memory (never more than maxQueueSize). */
  queued: number;
  /** Dropped because the queue was full. */
  droppedQueueFull: number;
  /** Dropped because their export failed after the exporter's retries. */
  droppedExportFailed: number;
}

export interface ExportStats {
  spans: SignalStats;
  logs: SignalStats;
}

/** Wraps one signal's batch processor and exporter; sits in front of the batch processor. */
export class SignalCounter {
  private accepted = 0;
  private sent = 0;
  exported = 0;
  droppedQueueFull = 0;
  droppedExportFailed = 0;
  private inFlight = 0;
  private waiters: Array<() => void> = [];

  constructor(private readonly maxQueueSize: number) {}

  /** Whether an item may enter the queue; counts it either way. Mirrors the batch processor's own bound. */
  admit(): boolean {
    if (this.accepted - this.sent >= this.maxQueueSize) {
      this.droppedQueueFull++;
      return false;
    }
    this.accepted++;
    return true;
  }

  /**
   * Items leave the queue when handed over (`count` of them, in one or more parts); each
   * part's answer counts its items as exported or failed. `done` gets the first failure,
   * or success, once all `count` are answered.
   */
  exporting(count: number, done: (result: ExportResult) => void): (partCount: number, result: ExportResult) => void {
    this.sent += count;
    this.inFlight++;
    let unanswered = count;
    let failure: ExportResult | undefined;
    return (partCount, result) => {
      if (result.code === ExportResultCode.SUCCESS) this.exported += partCount;
      else {
        this.droppedExportFailed += partCount;
        failure ??= result;
      }
      unanswered -= partCount;
      if (unanswered > 0) return;
      if (--this.inFlight === 0) for (const wake of this.waiters.splice(0)) wake();
      done(failure ?? { code: ExportResultCode.SUCCESS });
    };
  }

  /** Resolves when every export handed over so far has its answer (success or failure). */
  settled(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }

  snapshot(): SignalStats {
    return { exported: this.exported, queued: this.accepted - this.sent, droppedQueueFull: this.droppedQueueFull, droppedExportFailed: this.droppedExportFailed };
  }
}
