// Stored trace rollups read while their spans wait for an insert. Folding a batch needs the
// rollup stored for each of its traces; read inside the insert chain, that read took a
// quarter of the chain's time. Read when the spans are queued, on a session of its own,
// it overlaps the insert before them. Reads go one round at a time (what is queued during a
// round is read in the next), so they take few turns among the API's parameterised queries,
// which the chdb package runs one at a time. What a write stores after a read started makes that
// read stale: the write hands over what it stored (or, failing, drops the entry, which is
// then read again in the chain), so a fold never starts from a rollup older than the last
// one this process stored.
import type { TraceRollup } from '@spanhouse/model';
import { groupByTrace, type TraceStore } from './traces.ts';

/** One trace's rollup: being read, or known (null: no trace stored yet); `at`: when the read started. */
type Entry = { at: number } & ({ reading: Promise<TraceRollup | null | undefined> } | { known: TraceRollup | null });

/** Entries kept at most (a safety net: a dropped entry is only read again). */
const MAX_ENTRIES = 200_000;
/**
 * Older reads are read again: another collector sharing the ClickHouse server may have
 * stored the trace since (a fold read in the chain has the same window, but shorter).
 */
const MAX_AGE_MS = 10_000;

const keyOf = (tenantId: string, traceId: string) => `${tenantId}/${traceId}`;

/** Trace ids to read in one round, per tenant, and the round's result once read (undefined: it failed). */
interface Round {
  traces: Map<string, string[]>;
  read: Promise<Map<string, Map<string, TraceRollup> | undefined>>;
  run: () => void;
}

export class RollupReadAhead {
  private readonly entries = new Map<string, Entry>();
  private reading = false;
  /** The round that starts when the one being read ends. */
  private next: Round | null = null;

  /** `traces` reads on a session the insert chain does not use. */
  constructor(private readonly traces: TraceStore) {}

  /** Reads the stored rollups of these spans' traces (those not read already) in the next round. */
  start(spans: Array<{ tenant_id: string; trace_id: string }>): void {
    if (this.entries.size > MAX_ENTRIES) this.entries.clear();
    const at = Date.now();
    for (const [tenantId, traces] of groupByTrace(spans)) {
      const wanted = [...traces.keys()].filter((traceId) => !this.entries.has(keyOf(tenantId, traceId)));
      if (wanted.length === 0) continue;
      const round = (this.next ??= this.round());
      const ids = round.traces.get(tenantId) ?? [];
      round.traces.set(tenantId, ids.concat(wanted));
      const rollup = async (traceId: string) => {
        const stored = (await round.read).get(tenantId);
        return stored === undefined ? undefined : (stored.get(traceId) ?? null); // undefined: read again by the fold
      };
      for (const traceId of wanted) this.entries.set(keyOf(tenantId, traceId), { at, reading: rollup(traceId) });
    }
    if (!this.reading && this.next) this.runNext();
  }

  private round(): Round {
    let run!: () => void;
    const started = new Promise<void>((resolve) => (run = resolve));
    const traces = new Map<string, string[]>();
    const read = started.then(async () => {
      const found = new Map<string, Map<string, TraceRollup> | undefined>();
      for (const [tenantId, ids] of traces) found.set(tenantId, await this.traces.current(tenantId, ids).catch(() => undefined));
      return found;
    });
    return { traces, read, run };
  }

  private runNext(): void {
    const round = this.next!;
    this.next = null;
    this.reading = true;
    round.run();
    void round.read.finally(() => {
      this.reading = false;
      if (this.next) this.runNext();
    });
  }

  /**
   * What was read ahead for these traces, taken out: rollups known current, and the trace
   * ids to read now (never read ahead, or the read failed or went stale).
   */
  async take(tenantId: string, traceIds: string[]): Promise<{ known: Map<string, TraceRollup | null>; unread: string[] }> {
    const known = new Map<string, TraceRollup | null>();
    const unread: string[] = [];
    const oldest = Date.now() - MAX_AGE_MS;
    for (const traceId of traceIds) {
      const key = keyOf(tenantId, traceId);
      const entry = this.entries.get(key);
      this.entries.delete(key);
      const rollup = entry === undefined || entry.at < oldest ? undefined : 'known' in entry ? entry.known : await entry.reading;
      if (rollup === undefined) unread.push(traceId);
      else known.set(traceId, rollup);
    }
    return { known, unread };
  }

  /**
   * A write stored these rollups (`stored`), or may have changed these traces without
   * saying how (`unsure`, e.g. it failed halfway): reads started before it are stale.
   */
  written(stored: TraceRollup[], unsure: Array<{ tenant_id: string; trace_id: string }> = []): void {
    for (const rollup of stored) {
      const key = keyOf(rollup.tenant_id, rollup.trace_id);
      const entry = this.entries.get(key);
      if (entry) this.entries.set(key, { at: entry.at, known: rollup });
    }
    for (const trace of unsure) this.entries.delete(keyOf(trace.tenant_id, trace.trace_id));
  }
}
