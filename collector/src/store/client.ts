// One ClickHouse client for both modes: embedded chDB (default) or a server by URL.
import { createClient, parseError, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { createRequire } from 'node:module';
import type { createChdbConnection as CreateChdbConnection } from 'chdb/connection';
import { SESSION_DEFAULTS } from './query.ts';

export interface ClickHouseOptions {
  /** Data directory for embedded chDB. Ignored when `url` is set. */
  dataDir: string;
  /** A ClickHouse server (http[s]://host:port); when set, chDB is not used. */
  url?: string;
  username?: string;
  password?: string;
  database?: string;
  /**
   * Embedded chDB: MiB of decompressed blocks ClickHouse keeps for reads to share (0: none).
   * A server sizes its own (`uncompressed_cache_size`).
   */
  uncompressedCacheMiB?: number;
}

/** The decompressed-block cache of an embedded store unless configured (README "Configuration"). */
export const DEFAULT_UNCOMPRESSED_CACHE_MIB = 256;

/** `settings`: sent with every statement (the store's bounds by default). */
export function createClickHouseClient(options: ClickHouseOptions, settings: ClickHouseSettings = SESSION_DEFAULTS): { client: ClickHouseClient; mode: 'chdb' | 'server' } {
  if (options.url) {
    const client = createClient({
      url: options.url,
      username: options.username,
      password: options.password,
      database: options.database,
      request_timeout: 60_000,
      clickhouse_settings: { ...settings, date_time_input_format: 'best_effort' },
    });
    return { client, mode: 'server' };
  }
  const connect = loadChdb();
  const cacheMiB = options.uncompressedCacheMiB ?? DEFAULT_UNCOMPRESSED_CACHE_MIB;
  const release = acquireEngine(options.dataDir, cacheMiB);
  const chdb = connect({ path: options.dataDir });
  // chdb types its Connection against its own copy of @clickhouse/client-common; the shapes match.
  const connection = withSettingsInline(chdb as unknown as Connection, release);
  if (cacheMiB === 0) settings = { ...settings, use_uncompressed_cache: 0 };
  const client = createClient({ connection, clickhouse_settings: settings });
  const defaults = stringSettings(settings);
  bufferInserts.set(client, (insert) =>
    chdb.chdb.rawInsert({ ...insert, format: 'JSONCompactEachRow', settings: { ...defaults, ...stringSettings(insert.settings) } }).catch((error: unknown) => {
      // the shape the client's own calls fail with (ClickHouseError: `type` names the error)
      throw parseError(error instanceof Error ? error : String(error));
    }),
  );
  return { client, mode: 'chdb' };
}

/** An insert of rows already encoded as JSONCompactEachRow lines. */
export interface BufferInsert {
  table: string;
  columns: readonly string[];
  values: Buffer;
  settings?: ClickHouseSettings;
}

/**
 * chDB clients insert a Buffer as it is. Through the client's `exec` the rows travel as text
 * that is copied three times on the event loop (collected from the stream, appended to the
 * statement, converted for the native call): at ~1.5 KB a span, 10-25 ms of a gateway call's
 * event loop per insert of a few hundred spans.
 */
const bufferInserts = new WeakMap<ClickHouseClient, (insert: BufferInsert) => Promise<unknown>>();

/** How this client inserts a Buffer of rows as it is (chDB), if it can. */
export function bufferInsertOf(client: ClickHouseClient): ((insert: BufferInsert) => Promise<unknown>) | undefined {
  return bufferInserts.get(client);
}

function stringSettings(settings: ClickHouseSettings | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(settings ?? {})) if (value !== undefined) out[name] = value as string | number | boolean;
  return out;
}

type Connection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;
type Settings = Record<string, unknown> | undefined;

/**
 * chDB's connection applies a statement's settings as one `SET` statement each before it
 * (nine with the store's defaults), ~0.2 ms apiece: about 1.8 ms of every read and insert.
 * A statement that ends in `FORMAT <name>` (every SELECT and INSERT the client
 * sends) takes them as its own SETTINGS clause instead, which applies to that statement
 * alone. Other statements (DDL, where SETTINGS would mean table settings) keep the SETs.
 */
function withSettingsInline(inner: Connection, onClose: () => void): Connection {
  const inline = <P extends { query: string; clickhouse_settings?: Settings }>(params: P): P => {
    const clause = settingsClause(params.clickhouse_settings);
    const format = /\s+FORMAT\s+\w+\s*$/i.exec(params.query);
    if (!clause || !format) return params;
    const default_format = params.clickhouse_settings?.default_format;
    return {
      ...params,
      // on a line of its own: a query may end in a `--` comment
      query: `${params.query.slice(0, format.index)}\n${clause}${format[0]}`,
      clickhouse_settings: default_format === undefined ? undefined : { default_format },
    };
  };
  return {
    query: (params) => inner.query(inline(params)),
    insert: (params) => inner.insert(inline(params)),
    exec: (params) => inner.exec(inline(params)),
    command: (params) => inner.command(params),
    ping: (params) => inner.ping(params),
    close: () => inner.close().finally(onClose),
  };
}

/**
 * chDB's engine, opened once per data directory before any connection on it, with the server
 * settings only its first session can give: the cache of decompressed blocks that statements
 * with `use_uncompressed_cache` share (a list shown again, or another filter over the same
 * newest traces, reads the same blocks). Connections on the directory share the engine (the
 * first one's size holds); the last one to close releases it.
 */
const engines = new Map<string, { close: () => void; users: number }>();

function acquireEngine(path: string, cacheMiB: number): () => void {
  let engine = engines.get(path);
  if (!engine) {
    const { Session } = createRequire(import.meta.url)('chdb') as { Session: new (path: string, opts: { connectionArgs: string[] }) => { close(): void } };
    const session = new Session(path, { connectionArgs: [`--uncompressed_cache_size=${Math.round(cacheMiB * 1024 * 1024)}`] });
    engine = { close: () => session.close(), users: 0 };
    engines.set(path, engine);
  }
  engine.users++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--engine.users === 0) {
      engines.delete(path);
      engine.close();
    }
  };
}

/** `SETTINGS a = 1, b = 'x'` for the settings given (none: ''), quoted as SET would quote them. */
function settingsClause(settings: Settings): string {
  const items: string[] = [];
  for (const [name, value] of Object.entries(settings ?? {})) {
    if (value === undefined || name === 'default_format') continue;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid setting name: ${JSON.stringify(name)}`);
    const literal = typeof value === 'number' ? String(value) : typeof value === 'boolean' ? (value ? '1' : '0') : `'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    items.push(`${name} = ${literal}`);
  }
  return items.length === 0 ? '' : `SETTINGS ${items.join(', ')}`;
}

/** Where embedded ClickHouse cannot run: chDB publishes no library for this platform. */
export class EmbeddedUnsupportedError extends Error {}

/**
 * chDB loads its native library when imported, so it is loaded only for embedded mode:
 * with a server URL, platforms chDB does not cover (macOS, Linux arm64 for now) work too.
 */
function loadChdb(): typeof CreateChdbConnection {
  try {
    return (createRequire(import.meta.url)('chdb/connection') as { createChdbConnection: typeof CreateChdbConnection }).createChdbConnection;
  } catch (error) {
    throw new EmbeddedUnsupportedError(
      `the embedded ClickHouse (chDB) cannot load on ${process.platform}-${process.arch} (${(error as Error).message.split('\n')[0]}): ` +
        'run a ClickHouse server and set CLICKHOUSE_URL (--clickhouse-url), or run Spanhouse on Linux x64 (on Windows: in WSL)',
    );
  }
}
