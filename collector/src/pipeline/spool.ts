// The optional durable spool (SPANHOUSE_SPOOL=on): a write-ahead log on local disk between
// the pipeline and storage. A request's spans are acknowledged once they are in the log
// (appended and fsync'd, many requests per fsync: group commit); a background loop inserts
// them through the BatchWriter in log order, retrying while storage is down, and records
// how far it got in a checkpoint. After a crash or an outage the log is read again from
// the checkpoint: at least once, and the store's dedup drops spans stored before.
//
// On disk (the spool directory): segments `<n>.wal` of records [length u32][crc32 u32][JSON
// array of spans], and `checkpoint` ({segment, offset}: the first record not yet stored).
// A record cut short by a crash (never acknowledged: its fsync had not returned) fails its
// length or checksum and is cut off at start-up.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { SpanhouseSpan } from '@spanhouse/model';
import type { WriteOptions, WriteOutcome } from './batch-writer.ts';

export interface SpoolOptions {
  dir: string;
  /** Bytes of the log not yet stored at most; a write past it is refused (SpoolFullError). */
  maxBytes: number;
  /** A new segment starts past this size (drained segments are deleted whole). */
  segmentBytes?: number;
  /** Spans per insert at most, when draining. */
  maxSpans: number;
  log?: (message: string) => void;
}

/** Where drained spans go: the BatchWriter. */
export interface SpanWriter {
  /** `maxDelayMs`: how long these spans may wait for their insert (the spool ignores it: its log is the wait). */
  write(spans: SpanhouseSpan[], options?: WriteOptions): Promise<WriteOutcome>;
}

/** The spool holds as much as it may: the answer is 503 + Retry-After until storage catches up. */
export class SpoolFullError extends Error {}

const HEADER = 8;
const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
/** Longest wait between attempts while storage is down. */
const MAX_BACKOFF_MS = 5_000;

interface Position {
  segment: number;
  offset: number;
}

const segmentFile = (dir: string, n: number) => join(dir, `${String(n).padStart(10, '0')}.wal`);

function segmentsIn(dir: string): number[] {
  return readdirSync(dir)
    .filter((name) => /^\d{10}\.wal$/.test(name))
    .map((name) => Number(name.slice(0, 10)))
    .sort((a, b) => a - b);
}

/** Reads the record at `offset` of an open segment; null at the end or at a torn record. */
function readRecord(fd: number, offset: number, size: number): { spans: SpanhouseSpan[]; next: number } | null {
  if (offset + HEADER > size) return null;
  const header = Buffer.alloc(HEADER);
  readSync(fd, header, 0, HEADER, offset);
  const length = header.readUInt32LE(0);
  if (offset + HEADER + length > size) return null;
  const payload = Buffer.alloc(length);
  readSync(fd, payload, 0, length, offset + HEADER);
  if (crc32(payload) !== header.readUInt32LE(4)) return null;
  return { spans: JSON.parse(payload.toString('utf8')) as SpanhouseSpan[], next: offset + HEADER + length };
}

export class Spool implements SpanWriter {
  private readonly segmentBytes: number;
  private writeSegment: number;
  private writeFd: number;
  private writeOffset: number;
  /** Where draining resumes (the checkpoint, in memory). */
  private readPos: Position;
  private pendingBytes = 0;
  /** Records waiting for the next group commit. */
  private group: Array<{ record: Buffer; resolve: () => void; reject: (e: Error) => void }> = [];
  private committing = false;
  private closed = false;
  private wake: (() => void) | null = null;
  private draining: Promise<void> | null = null;
  /** Spans stored from the spool, and spans ClickHouse refused (after they were acknowledged). */
  readonly stats = { stored: 0, refused: 0, replayedBytes: 0, commits: 0 };

  constructor(
    private readonly target: SpanWriter,
    private readonly options: SpoolOptions,
  ) {
    this.segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    mkdirSync(options.dir, { recursive: true });
    this.readPos = this.readCheckpoint();
    const segments = segmentsIn(options.dir);
    // Cut a torn tail off the last segment (a crash mid-append); count what is left to store.
    for (const n of segments) {
      if (n < this.readPos.segment) {
        rmSync(segmentFile(options.dir, n), { force: true });
        continue;
      }
      const file = segmentFile(options.dir, n);
      const fd = openSync(file, 'r+');
      const size = statSync(file).size;
      let offset = n === this.readPos.segment ? this.readPos.offset : 0;
      const start = offset;
      for (let r = readRecord(fd, offset, size); r; r = readRecord(fd, offset, size)) offset = r.next;
      if (offset < size) {
        ftruncateSync(fd, offset);
        fsyncSync(fd);
        options.log?.(`spool: cut ${size - offset} bytes of an unfinished record off ${file}`);
      }
      closeSync(fd);
      this.pendingBytes += offset - start;
    }
    this.stats.replayedBytes = this.pendingBytes;
    this.writeSegment = segments.length > 0 ? Math.max(segments[segments.length - 1], this.readPos.segment) : this.readPos.segment;
    this.writeFd = openSync(segmentFile(options.dir, this.writeSegment), 'a');
    this.writeOffset = statSync(segmentFile(options.dir, this.writeSegment)).size;
    if (this.pendingBytes > 0) options.log?.(`spool: ${this.pendingBytes} bytes of acknowledged spans to store from the last run`);
    this.draining = this.drainLoop();
  }

  /** Bytes acknowledged and not yet stored. */
  get backlogBytes(): number {
    return this.pendingBytes;
  }

  /** Resolves once the spans are in the log on disk (fsync'd): they will be stored. */
  write(spans: SpanhouseSpan[]): Promise<WriteOutcome> {
    if (this.closed) return Promise.reject(new Error('the collector is shutting down'));
    if (spans.length === 0) return Promise.resolve({ refused: 0, reasons: [] });
    const payload = Buffer.from(JSON.stringify(spans), 'utf8');
    const queued = this.group.reduce((n, g) => n + g.record.length, 0);
    if (this.pendingBytes + queued + payload.length + HEADER > this.options.maxBytes) {
      return Promise.reject(new SpoolFullError(`the spool is full (${this.options.maxBytes} bytes waiting for storage, SPANHOUSE_SPOOL_MAX_BYTES): retry later`));
    }
    const header = Buffer.alloc(HEADER);
    header.writeUInt32LE(payload.length, 0);
    header.writeUInt32LE(crc32(payload), 4);
    return new Promise<WriteOutcome>((resolve, reject) => {
      this.group.push({ record: Buffer.concat([header, payload]), resolve: () => resolve({ refused: 0, reasons: [] }), reject });
      if (!this.committing) setImmediate(() => this.commit());
    });
  }

  /** Group commit: every record that arrived since the last fsync, in one write and one fsync. */
  private commit(): void {
    if (this.committing || this.group.length === 0) return;
    this.committing = true;
    const group = this.group;
    this.group = [];
    try {
      if (this.writeOffset >= this.segmentBytes) this.startSegment();
      const data = Buffer.concat(group.map((g) => g.record));
      writeSync(this.writeFd, data, 0, data.length);
      fsyncSync(this.writeFd);
      this.stats.commits++;
      this.writeOffset += data.length;
      this.pendingBytes += data.length;
      for (const g of group) g.resolve();
      this.wake?.();
    } catch (error) {
      // e.g. ENOSPC: nothing of this group is acknowledged; drop what may be half-written
      try {
        ftruncateSync(this.writeFd, this.writeOffset);
      } catch {
        // the next start cuts a torn record off anyway
      }
      const err = new Error(`the spool could not be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): retry later`);
      for (const g of group) g.reject(err);
    } finally {
      this.committing = false;
      if (this.group.length > 0) setImmediate(() => this.commit());
    }
  }

  private startSegment(): void {
    closeSync(this.writeFd);
    this.writeSegment++;
    this.writeFd = openSync(segmentFile(this.options.dir, this.writeSegment), 'a');
    this.writeOffset = 0;
  }

  /** The records from the checkpoint on, up to maxSpans spans (at least one record). */
  private readBatch(): { spans: SpanhouseSpan[]; end: Position; bytes: number } | null {
    const spans: SpanhouseSpan[] = [];
    let pos = { ...this.readPos };
    let bytes = 0;
    while (spans.length < this.options.maxSpans) {
      const limit = pos.segment === this.writeSegment ? this.writeOffset : statSync(segmentFile(this.options.dir, pos.segment)).size;
      if (pos.offset >= limit) {
        if (pos.segment >= this.writeSegment) break;
        pos = { segment: pos.segment + 1, offset: 0 };
        continue;
      }
      const fd = openSync(segmentFile(this.options.dir, pos.segment), 'r');
      try {
        const record = readRecord(fd, pos.offset, limit);
        if (!record) throw new Error(`spool: unreadable record in segment ${pos.segment} at ${pos.offset}`);
        if (spans.length > 0 && spans.length + record.spans.length > this.options.maxSpans) break;
        spans.push(...record.spans);
        bytes += record.next - pos.offset;
        pos = { segment: pos.segment, offset: record.next };
      } finally {
        closeSync(fd);
      }
    }
    return spans.length > 0 || bytes > 0 ? { spans, end: pos, bytes } : null;
  }

  private async drainLoop(): Promise<void> {
    let backoff = 100;
    while (!this.closed) {
      const batch = this.readBatch();
      if (!batch) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = null;
        continue;
      }
      try {
        const outcome = await this.target.write(batch.spans);
        this.stats.stored += batch.spans.length - outcome.refused;
        if (outcome.refused > 0) {
          this.stats.refused += outcome.refused;
          this.options.log?.(`spool: storage refused ${outcome.refused} acknowledged span(s): ${outcome.reasons.join('; ')}`);
        }
        this.advance(batch.end, batch.bytes);
        backoff = 100;
      } catch (error) {
        // storage is down: the spans stay in the log; try again later
        this.options.log?.(`spool: storing failed, retrying in ${backoff} ms: ${(error as Error).message.split('\n')[0]}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, backoff);
          this.wake = () => {
            if (this.closed) {
              clearTimeout(timer);
              resolve();
            }
          };
        });
        this.wake = null;
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  /** Records how far the log is stored (atomically), and deletes drained segments. */
  private advance(pos: Position, bytes: number): void {
    const tmp = join(this.options.dir, 'checkpoint.tmp');
    writeFileSync(tmp, JSON.stringify(pos));
    const fd = openSync(tmp, 'r');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, join(this.options.dir, 'checkpoint'));
    for (let n = this.readPos.segment; n < pos.segment; n++) rmSync(segmentFile(this.options.dir, n), { force: true });
    this.readPos = pos;
    this.pendingBytes -= bytes;
  }

  private readCheckpoint(): Position {
    try {
      const pos = JSON.parse(readFileSync(join(this.options.dir, 'checkpoint'), 'utf8')) as Position;
      if (Number.isInteger(pos.segment) && Number.isInteger(pos.offset)) return pos;
    } catch {
      // no checkpoint yet: from the first segment
    }
    const segments = segmentsIn(this.options.dir);
    return { segment: segments[0] ?? 0, offset: 0 };
  }

  /**
   * Stops taking writes, then stores what the log holds for at most `timeoutMs` (what is
   * left is stored at the next start).
   */
  async close(timeoutMs: number): Promise<void> {
    while (this.group.length > 0 || this.committing) await new Promise((resolve) => setImmediate(resolve));
    const deadline = Date.now() + timeoutMs;
    while (this.pendingBytes > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    this.closed = true;
    this.wake?.();
    await this.draining;
    closeSync(this.writeFd);
  }
}
