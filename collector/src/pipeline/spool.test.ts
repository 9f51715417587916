import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { SpanhouseSpan } from '@spanhouse/model';
import { Spool, SpoolFullError, type SpanWriter } from './spool.ts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const newDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'spanhouse-spool-'));
  dirs.push(dir);
  return dir;
};
const span = (id: number) => ({ span_id: id.toString(16).padStart(16, '0'), name: `s${id}`, input_text: 'x'.repeat(100) }) as unknown as SpanhouseSpan;

/** Storage as the spool sees it: may be down; records what it stored, in order. */
function storage() {
  const stored: string[] = [];
  let down = false;
  let waiting: (() => void) | null = null;
  const target: SpanWriter = {
    async write(spans) {
      if (down) throw new Error('connect ECONNREFUSED');
      stored.push(...spans.map((s) => s.span_id));
      waiting?.();
      return { refused: 0, reasons: [] };
    },
  };
  return {
    target,
    stored,
    setDown: (value: boolean) => (down = value),
    /** Resolves once `n` spans are stored. */
    until: (n: number) => new Promise<void>((resolve) => {
      const check = () => (stored.length >= n ? resolve() : (waiting = check));
      check();
    }),
  };
}

test('concurrent writes are acknowledged together (group commit) and stored in order', async () => {
  const store = storage();
  const spool = new Spool(store.target, { dir: newDir(), maxBytes: 10_000_000, maxSpans: 50 });
  await Promise.all(Array.from({ length: 200 }, (_, i) => spool.write([span(i)])));
  assert.ok(spool.stats.commits < 20, `${spool.stats.commits} fsyncs for 200 writes`);
  await store.until(200);
  assert.deepEqual(store.stored, Array.from({ length: 200 }, (_, i) => span(i).span_id));
  await spool.close(1_000);
  assert.equal(spool.backlogBytes, 0);
});

test('a storage outage: writes are still acknowledged, and everything is stored once storage is back', async () => {
  const store = storage();
  store.setDown(true);
  const spool = new Spool(store.target, { dir: newDir(), maxBytes: 10_000_000, maxSpans: 10 });
  for (let i = 0; i < 30; i++) await spool.write([span(i)]);
  assert.equal(store.stored.length, 0);
  assert.ok(spool.backlogBytes > 0);
  store.setDown(false);
  await store.until(30);
  assert.equal(new Set(store.stored).size, 30);
  await spool.close(1_000);
});

test('past the size cap a write is refused with SpoolFullError, not acknowledged', async () => {
  const store = storage();
  store.setDown(true);
  const spool = new Spool(store.target, { dir: newDir(), maxBytes: 2_000, maxSpans: 10 });
  let acked = 0;
  let full: unknown = null;
  for (let i = 0; i < 100 && !full; i++) {
    await spool.write([span(i)]).then(() => acked++, (e) => (full = e));
  }
  assert.ok(full instanceof SpoolFullError, String(full));
  assert.match((full as Error).message, /spool is full/);
  assert.ok(acked > 0 && acked < 100);
  assert.ok(spool.backlogBytes <= 2_000);
  await spool.close(0);
});

test('after a crash: acknowledged records are replayed from the checkpoint, a torn last record is cut off', async () => {
  const dir = newDir();
  const first = storage();
  const spool = new Spool(first.target, { dir, maxBytes: 10_000_000, maxSpans: 5, segmentBytes: 600 });
  for (let i = 0; i < 5; i++) await spool.write([span(i)]);
  await first.until(5);
  first.setDown(true);
  for (let i = 5; i < 20; i++) await spool.write([span(i)]); // acknowledged, not stored
  await spool.close(0); // stands for the crash: nothing more is stored
  // a record whose append was cut short (never acknowledged)
  const segments = readdirSync(dir).filter((f) => f.endsWith('.wal')).sort();
  assert.ok(segments.length > 1, 'small segments: several files');
  appendFileSync(join(dir, segments[segments.length - 1]), Buffer.from([200, 0, 0, 0, 1, 2, 3]));
  const second = storage();
  const again = new Spool(second.target, { dir, maxBytes: 10_000_000, maxSpans: 5, segmentBytes: 600 });
  await second.until(15);
  assert.deepEqual(second.stored, Array.from({ length: 15 }, (_, i) => span(i + 5).span_id), 'the stored ones are not sent again; the rest in order');
  await again.write([span(99)]);
  await second.until(16);
  await again.close(1_000);
  assert.ok(readdirSync(dir).filter((f) => f.endsWith('.wal')).length <= 2, 'drained segments are deleted');
});
