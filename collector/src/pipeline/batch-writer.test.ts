import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SpanhouseSpan } from '@spanhouse/model';
import { BatchWriter, isDataError, type SpanSink } from './batch-writer.ts';

const span = (name: string) => ({ name, span_id: name }) as unknown as SpanhouseSpan;

/** Refuses any insert holding a span named "poison", as ClickHouse refuses a row it cannot parse. */
class FakeSink implements SpanSink {
  stored: string[] = [];
  inserts = 0;
  down = false;
  async insertSpans(spans: SpanhouseSpan[]) {
    this.inserts++;
    if (this.down) throw new Error('Code: 243. DB::Exception: Cannot reserve 1.00 MiB, not enough space');
    if (spans.some((s) => s.name === 'poison')) throw new Error("Unsigned type must not contain '-' symbol: (while reading the value of key input_tokens): (at row 3)");
    this.stored.push(...spans.map((s) => s.name));
  }
}

test('a span ClickHouse refuses is isolated: the other requests of the batch and its own other spans are stored', async () => {
  const sink = new FakeSink();
  const writer = new BatchWriter(sink, { maxSpans: 1000, maxDelayMs: 20 });
  const [a, b, c] = await Promise.all([
    writer.write([span('a1'), span('a2')]),
    writer.write([span('b1'), span('poison'), span('b2'), span('b3')]),
    writer.write([span('c1')]),
  ]);
  assert.deepEqual(a, { refused: 0, reasons: [] });
  assert.deepEqual(c, { refused: 0, reasons: [] });
  assert.equal(b.refused, 1);
  assert.match(b.reasons[0], /span "poison" was refused by storage: Unsigned type/);
  assert.deepEqual(sink.stored.sort(), ['a1', 'a2', 'b1', 'b2', 'b3', 'c1']);
  await writer.close();
});

test('storage unavailable: every request of the batch fails (to be retried), nothing is split', async () => {
  const sink = new FakeSink();
  sink.down = true;
  const writer = new BatchWriter(sink, { maxSpans: 1000, maxDelayMs: 20 });
  const results = await Promise.allSettled([writer.write([span('a')]), writer.write([span('b'), span('c')])]);
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
  assert.equal(sink.inserts, 1);
  await writer.close();
});

test('isDataError tells refused data from unavailable storage', () => {
  assert.equal(isDataError(new Error('Cannot parse escape sequence: missing second part of surrogate pair. (while reading the value of key name)')), true);
  assert.equal(isDataError(new Error("Cannot parse input: expected ',' before: 'e+297' (at row 1)")), true);
  assert.equal(isDataError(new Error('Code: 243. DB::Exception: Cannot reserve 1.00 MiB, not enough space. (NOT_ENOUGH_SPACE)')), false);
  assert.equal(isDataError(new Error('connect ECONNREFUSED 127.0.0.1:8123')), false);
  assert.equal(isDataError(new Error('Code: 164. DB::Exception: Table is in readonly mode. (TABLE_IS_READ_ONLY)')), false);
});

test('a write that may wait (maxDelayMs) rides along with the next hurried one, in one insert; close stores what still waits', async () => {
  const sink = new FakeSink();
  const writer = new BatchWriter(sink, { maxSpans: 1000, maxDelayMs: 1 });
  const lazy = writer.write([span('lazy')], { maxDelayMs: 60_000 });
  await new Promise((resolve) => setTimeout(resolve, 5)); // past the writer's own delay: nothing hurried, nothing inserted
  assert.equal(sink.inserts, 0);
  await Promise.all([lazy, writer.write([span('hurried')])]);
  assert.equal(sink.inserts, 1);
  assert.deepEqual(sink.stored.sort(), ['hurried', 'lazy']);

  const waiting = writer.write([span('last')], { maxDelayMs: 60_000 });
  await writer.close();
  await waiting;
  assert.deepEqual(sink.stored.sort(), ['hurried', 'last', 'lazy']);
});

/** A sink whose first insert runs until `release()`. */
function slowFirstInsert() {
  const sink = new FakeSink();
  let release!: () => void;
  const slow = new Promise<void>((resolve) => (release = resolve));
  const insertSpans = sink.insertSpans.bind(sink);
  sink.insertSpans = async (spans) => {
    if (sink.inserts === 0) await slow;
    return insertSpans(spans);
  };
  return { sink, release };
}

test('patient spans do not chain onto the insert that was running when they came: they wait for their due time', async () => {
  const { sink, release } = slowFirstInsert();
  const writer = new BatchWriter(sink, { maxSpans: 1000, maxDelayMs: 1 });
  const first = writer.write([span('first')]);
  await new Promise((resolve) => setTimeout(resolve, 5)); // the first insert is running
  const lazy = writer.write([span('lazy')], { maxDelayMs: 40 });
  release();
  await first;
  await new Promise((resolve) => setTimeout(resolve, 10)); // the running insert ended; lazy is not due yet
  assert.deepEqual(sink.stored, ['first']);
  await lazy; // its own due time
  assert.deepEqual(sink.stored, ['first', 'lazy']);
  assert.equal(sink.inserts, 2);
  await writer.close();
});

test('a write that is not patient, queued during an insert, is inserted as soon as that insert ends, before its due time', async () => {
  const { sink, release } = slowFirstInsert();
  const writer = new BatchWriter(sink, { maxSpans: 3, maxDelayMs: 60_000 });
  const first = writer.write([span('a'), span('b'), span('c')]); // a full batch: inserted at once
  await new Promise((resolve) => setTimeout(resolve, 5));
  const patient = writer.write([span('patient')], { maxDelayMs: 120_000 });
  const next = writer.write([span('next')]); // due in a minute, but not patient
  release();
  await Promise.all([first, next, patient]);
  assert.deepEqual(sink.stored, ['a', 'b', 'c', 'patient', 'next']); // the patient spans rode along
  assert.equal(sink.inserts, 2);
  await writer.close();
});

test('queued spans are handed to the sink to prepare, marked soon when they wait only for the insert in flight', async () => {
  let release!: () => void;
  const prepared: string[] = [];
  const sink: SpanSink = {
    insertSpans: (spans) => (spans.some((s) => s.name === 'slow') ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve()),
    readAhead: (spans, wait) => prepared.push(...spans.map((s) => `${s.name}${wait.soon ? ' soon' : ''}`)),
  };
  const writer = new BatchWriter(sink, { maxSpans: 1000, maxDelayMs: 1 });
  const slow = writer.write([span('slow')]);
  await new Promise((resolve) => setTimeout(resolve, 10)); // its insert is in flight
  const queued = writer.write([span('queued')]);
  const patient = writer.write([span('patient')], { maxDelayMs: 60_000 });
  assert.deepEqual(prepared, ['slow', 'queued soon', 'patient']);
  release();
  await Promise.all([slow, queued]);
  await writer.close();
  await patient;
});
