// Small helpers shared by the store's readers: one way to run a parameterised SELECT,
// and the settings each kind of query runs with.
import type { ClickHouseClient, ClickHouseSettings, QueryParams } from '@clickhouse/client';
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { bufferInsertOf } from './client.ts';

/**
 * Every query of the store runs bounded, so one heavy request answers a clear error
 * (MEMORY_LIMIT_EXCEEDED, TIMEOUT_EXCEEDED) instead of growing the process (chDB runs
 * inside it). Big sorts and GROUP BYs spill to disk before reaching the limit.
 *
 * These are the client's default settings, sent with every query, and they name every
 * setting any query changes. SELECTs and INSERTs carry them in their own SETTINGS clause
 * (client.ts); other statements go through chDB's SET on its one session, where a setting
 * one statement changed would otherwise stay for the next.
 */
export const SESSION_DEFAULTS: ClickHouseSettings = {
  max_memory_usage: '400000000',
  max_bytes_before_external_sort: '150000000',
  max_bytes_before_external_group_by: '150000000',
  max_execution_time: 60,
  optimize_use_projections: 1,
  preferred_optimize_projection_name: '',
  // a batch inserted again after a failure is dropped (tables with a deduplication window)
  insert_deduplicate: 1,
  // ahead of user SQL (priority 10, sql.ts): ClickHouse pauses lower-priority queries while these run
  priority: '1',
  // reads keep the blocks they decompress in ClickHouse's cache, where one was given (client.ts)
  use_uncompressed_cache: 1,
} as ClickHouseSettings;

/**
 * Inserts of a batch of spans (and the index and projection rows they bring) need more
 * than a read; still bounded, so a huge batch fails alone.
 */
export const INSERT: ClickHouseSettings = { max_memory_usage: '1000000000' };

/** One-off work after an upgrade (backfills over the whole store): no time limit, more room. */
export const BACKGROUND: ClickHouseSettings = { max_execution_time: 0, max_memory_usage: '2000000000' };

/** API reads: the defaults (named for call sites that want to say so). */
export const API_READ: ClickHouseSettings = {};

/**
 * Lookups by trace id (the primary key). Projections are ordered by time and cannot
 * help; weighing them still costs ~15 ms per query at 2M traces.
 */
export const BY_ID: ClickHouseSettings = { optimize_use_projections: 0 };

/**
 * Reads by id whose blocks are seldom read again soon: one trace or span opened, the
 * insert chain's rollup lookups. Kept out of the decompressed-block cache: filling it cost
 * a trace by id ~6-10 ms at 1M spans, and what they would push out is what lists share.
 */
export const ONE_OFF_BY_ID: ClickHouseSettings = { ...BY_ID, use_uncompressed_cache: 0 };

/** SPANHOUSE_LOG_QUERIES=1: every store read prints its time, rows and bytes read to stderr. */
const LOG_QUERIES = Boolean(process.env.SPANHOUSE_LOG_QUERIES);

/** Runs a SELECT and returns its rows (JSONEachRow). */
export async function queryRows<T>(
  client: ClickHouseClient,
  q: { query: string; query_params?: Record<string, unknown>; clickhouse_settings?: ClickHouseSettings },
): Promise<T[]> {
  if (LOG_QUERIES) return queryLogged<T>(client, q);
  const result = await client.query({
    query: q.query,
    query_params: q.query_params as QueryParams['query_params'],
    clickhouse_settings: q.clickhouse_settings ?? API_READ,
    format: 'JSONEachRow',
  });
  return result.json<T>();
}

/** ClickHouse prints DateTime64 as `2026-11-21 14:00:00.123456` (UTC here); the API speaks ISO-8601. */
export function isoTime(value: string | number): string {
  if (typeof value === 'number') return new Date(value / 1000).toISOString();
  return `${value.replace(' ', 'T')}Z`;
}

/**
 * Lists in time order read the table's time projection (ClickHouse would otherwise
 * weigh it against the main table per query, and on small tables it may not pick it).
 */
export function fromProjection(name: string): ClickHouseSettings {
  return { preferred_optimize_projection_name: name } as ClickHouseSettings;
}

/**
 * Inserts rows given as value arrays in `columns` order. JSONCompactEachRow: chDB parses
 * it about a quarter faster than JSONEachRow. A null stands for the column's DEFAULT.
 * `rows` may be produced lazily (a generator): they are made and encoded (as the client
 * would, JSON.stringify per row) a slice at a time, then inserted as one text.
 */
export async function insertRows(client: ClickHouseClient, table: string, columns: readonly string[], rows: Iterable<unknown[]>): Promise<void> {
  const lines: string[] = [];
  for (const row of rows) {
    lines.push(JSON.stringify(row));
    if (lines.length % INSERT_SLICE === 0) await nextTurn();
  }
  await insertText(client, table, columns, lines.length === 0 ? '' : `${lines.join('\n')}\n`);
}

/** Inserts rows already encoded as JSONCompactEachRow lines (each ending in a newline). */
export async function insertText(client: ClickHouseClient, table: string, columns: readonly string[], text: string): Promise<void> {
  if (text.length === 0) return;
  const insertBuffer = bufferInsertOf(client);
  if (insertBuffer) return void (await insertBuffer({ table, columns, values: Buffer.from(text), settings: INSERT }));
  const result = await client.exec({
    query: `INSERT INTO ${table} (${columns.join(', ')}) FORMAT JSONCompactEachRow`,
    values: Readable.from([text]),
    clickhouse_settings: INSERT,
  });
  result.stream.resume(); // nothing to read; a server's response must still be consumed
}

/**
 * Rows per slice of an insert; the event loop serves requests between slices: a batch of a
 * few thousand spans made and encoded in one go held the loop for 28-44 ms, and every gateway
 * call or export arriving meanwhile waited for it.
 */
export const INSERT_SLICE = 64;

async function queryLogged<T>(client: ClickHouseClient, q: Parameters<typeof queryRows>[1]): Promise<T[]> {
  const started = performance.now();
  const result = await client.query({
    query: q.query,
    query_params: q.query_params as QueryParams['query_params'],
    clickhouse_settings: q.clickhouse_settings ?? API_READ,
    format: 'JSON',
  });
  const body = await result.json<T>();
  const { rows_read, bytes_read } = (body.statistics ?? {}) as { rows_read?: number; bytes_read?: number };
  const sql = q.query.replace(/\s+/g, ' ').slice(0, 140);
  console.error(`[query] ${(performance.now() - started).toFixed(0)} ms, ${rows_read} rows, ${((bytes_read ?? 0) / 1e6).toFixed(1)} MB read: ${sql}`);
  return body.data;
}

/** Whether a count query (`SELECT count() AS n …`) finds anything. */
export async function exists(client: ClickHouseClient, q: { query: string; params: Record<string, unknown> }): Promise<boolean> {
  const [row] = await queryRows<{ n: string | number }>(client, { query: q.query, query_params: q.params });
  return Number(row?.n ?? 0) > 0;
}
