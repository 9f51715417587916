// One ClickHouse client for both modes: embedded chDB (default) or a server by URL.
import { createClient, type ClickHouseClient } from '@clickhouse/client';
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
}

export function createClickHouseClient(options: ClickHouseOptions): { client: ClickHouseClient; mode: 'chdb' | 'server' } {
  if (options.url) {
    const client = createClient({
      url: options.url,
      username: options.username,
      password: options.password,
      database: options.database,
      request_timeout: 60_000,
      clickhouse_settings: { ...SESSION_DEFAULTS, date_time_input_format: 'best_effort' },
    });
    return { client, mode: 'server' };
  }
  // chdb types its Connection against its own copy of @clickhouse/client-common; the shapes match.
  const connection = loadChdb()({ path: options.dataDir }) as unknown as NonNullable<Parameters<typeof createClient>[0]>['connection'];
  const client = createClient({ connection, clickhouse_settings: SESSION_DEFAULTS });
  return { client, mode: 'chdb' };
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
