// One ClickHouse client for both modes: embedded chDB (default) or a server by URL.
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
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
  const connection = createChdbConnection({ path: options.dataDir }) as unknown as NonNullable<Parameters<typeof createClient>[0]>['connection'];
  const client = createClient({ connection, clickhouse_settings: SESSION_DEFAULTS });
  return { client, mode: 'chdb' };
}
