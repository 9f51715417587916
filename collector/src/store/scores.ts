// Scores on spans and traces: numeric, categorical or boolean, one per target and name.
import type { ClickHouseClient } from '@clickhouse/client';
import { BY_ID, isoTime, queryRows } from './query.ts';

export type ScoreValue = number | string | boolean;
export type ScoreDataType = 'numeric' | 'categorical' | 'boolean';

export interface ScoreInput {
  name: string;
  value: ScoreValue;
  comment?: string;
  source?: string;
}

/** A score as the API shows it (on span records as `scores: [...]`). */
export interface ScoreRecord {
  name: string;
  value: ScoreValue;
  comment: string;
  data_type: ScoreDataType;
  source: string;
  trace_id: string;
  /** Empty for a score on the whole trace. */
  span_id: string;
  created_at: string;
}

interface ScoreRow {
  tenant_id: string;
  trace_id: string;
  span_id: string;
  name: string;
  data_type: string;
  value: number | string;
  string_value: string;
  comment: string;
  source: string;
  created_at: string | number;
  version: number;
  /** Microseconds: when the scored trace started, or later (see migration 025). */
  trace_start_bound: number;
}

/** The bound of a score whose trace is not stored yet: the far future (migration 025's default). */
export const UNKNOWN_TRACE_START_US = Date.UTC(2200, 0, 1) * 1000;

export function dataTypeOf(value: ScoreValue): ScoreDataType {
  return typeof value === 'boolean' ? 'boolean' : typeof value === 'number' ? 'numeric' : 'categorical';
}

function toScoreRow(tenantId: string, traceId: string, spanId: string, score: ScoreInput, nowUs: number, traceStartBoundUs: number): ScoreRow {
  const type = dataTypeOf(score.value);
  return {
    tenant_id: tenantId,
    trace_id: traceId,
    span_id: spanId,
    name: score.name,
    data_type: type,
    // Categorical scores carry their value as text only (range filters skip them).
    value: type === 'boolean' ? (score.value ? 1 : 0) : type === 'numeric' ? (score.value as number) : 0,
    string_value: String(score.value),
    comment: score.comment ?? '',
    source: score.source ?? 'api',
    created_at: nowUs,
    version: nowUs,
    trace_start_bound: traceStartBoundUs,
  };
}

function fromScoreRow(row: ScoreRow): ScoreRecord {
  const type = row.data_type as ScoreDataType;
  const value: ScoreValue = type === 'numeric' ? Number(row.value) : type === 'boolean' ? row.string_value === 'true' : row.string_value;
  return {
    name: row.name,
    value,
    comment: row.comment,
    data_type: type,
    source: row.source,
    trace_id: row.trace_id,
    span_id: row.span_id,
    created_at: isoTime(row.created_at),
  };
}

export class ScoreStore {
  constructor(private readonly client: ClickHouseClient) {}

  /**
   * Stores scores on a trace (spanId '') or one of its spans. `known.traceStartUs`: the
   * trace's start, when the caller has just read it (else it is looked up); `known.spanStartUs`:
   * the scored span's start, which bounds the trace's start if the trace is not stored yet.
   */
  async setScores(
    tenantId: string,
    traceId: string,
    spanId: string,
    scores: ScoreInput[],
    known: { traceStartUs?: number; spanStartUs?: number } = {},
  ): Promise<ScoreRecord[]> {
    if (scores.length === 0) return [];
    const bound = known.traceStartUs ?? (await this.traceStart(tenantId, traceId)) ?? known.spanStartUs ?? UNKNOWN_TRACE_START_US;
    const nowUs = Date.now() * 1000;
    const rows = scores.map((s, i) => toScoreRow(tenantId, traceId, spanId, s, nowUs + i, bound));
    await this.client.insert({ table: 'scores', values: rows, format: 'JSONEachRow' });
    return rows.map(fromScoreRow);
  }

  /** The stored trace's start (its newest version's), in microseconds, or null when it is not stored. */
  async traceStart(tenantId: string, traceId: string): Promise<number | null> {
    const [row] = await queryRows<{ start: string | number }>(this.client, {
      query: `SELECT toUnixTimestamp64Micro(argMax(start_time, version)) AS start FROM traces
              WHERE tenant_id = {tenant:String} AND trace_id = {trace:String} HAVING count() > 0`,
      query_params: { tenant: tenantId, trace: traceId },
      clickhouse_settings: BY_ID,
    });
    return row ? Number(row.start) : null;
  }

  /** Scores of these traces (their spans' and their own), newest value per target and name. */
  async forTraces(tenantId: string, traceIds: string[]): Promise<ScoreRecord[]> {
    if (traceIds.length === 0) return [];
    // The newest version of each score by LIMIT 1 BY, not FINAL: every list page and trace
    // read asks for its traces' scores, and at 10M spans FINAL took 11 ms for a page of
    // traces without scores against 4 (6 against 5 for scored ones). Versions are write times
    // in µs: only two writes of one score in the same µs could pick differently from FINAL.
    const rows = await queryRows<ScoreRow>(this.client, {
      query: `SELECT * FROM scores
              WHERE tenant_id = {tenant:String} AND trace_id IN {traces:Array(String)}
              ORDER BY trace_id, span_id, name, version DESC
              LIMIT 1 BY trace_id, span_id, name`,
      query_params: { tenant: tenantId, traces: traceIds },
    });
    return rows.map(fromScoreRow);
  }
}

/** Groups scores by `trace_id/span_id` ('' span id for trace-level scores). */
export function scoresByTarget(scores: ScoreRecord[]): Map<string, ScoreRecord[]> {
  const out = new Map<string, ScoreRecord[]>();
  for (const score of scores) {
    const key = `${score.trace_id}/${score.span_id}`;
    out.set(key, [...(out.get(key) ?? []), score]);
  }
  return out;
}
