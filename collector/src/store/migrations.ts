// Ordered, idempotent schema migrations: schemas/clickhouse/NNN_name.sql, applied once
// each and recorded in schema_migrations. Statements in a file end with `;` at a line end.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { SCHEMAS_DIR } from '../assets.ts';

export const MIGRATIONS_DIR = join(SCHEMAS_DIR, 'clickhouse');

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d+_.+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.split('_')[0]),
      name: file.replace(/\.sql$/, ''),
      statements: splitStatements(readFileSync(join(dir, file), 'utf8')),
    }));
}

export function splitStatements(sql: string): string[] {
  const withoutComments = sql
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n');
  return withoutComments
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

const MIGRATION = { max_execution_time: 0, max_memory_usage: '2000000000' };

/** Applies every migration not yet recorded; returns the versions applied now. */
export async function migrate(client: ClickHouseClient, migrations = loadMigrations()): Promise<number[]> {
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, applied_at DateTime DEFAULT now())
            ENGINE = ReplacingMergeTree ORDER BY version`,
  });
  const done = await client.query({ query: 'SELECT version FROM schema_migrations', format: 'JSONEachRow' });
  const applied = new Set((await done.json<{ version: number }>()).map((r) => Number(r.version)));
  const now: number[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    // a migration may rewrite a whole table: no time limit, and room for big inserts
    for (const statement of migration.statements) await client.command({ query: statement, clickhouse_settings: MIGRATION });
    await client.insert({ table: 'schema_migrations', values: [{ version: migration.version, name: migration.name }], format: 'JSONEachRow' });
    now.push(migration.version);
  }
  return now;
}
