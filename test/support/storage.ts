// Where a store test keeps its data: embedded chDB in a temp directory (the default), or,
// with SPANHOUSE_TEST_CLICKHOUSE=http, the ClickHouse-compatible HTTP endpoint (chDB in a
// child process) reached through @clickhouse/client's HTTP connection, as CLICKHOUSE_URL is.
// test/e2e/store-over-http.test.ts runs the store tests the second way.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseOptions } from '../../collector/src/store/client.ts';
import { startClickHouseHttp } from './clickhouse-http.ts';

export const OVER_HTTP = process.env.SPANHOUSE_TEST_CLICKHOUSE === 'http';

export interface TestStorage {
  /** For SpanStore.open() and createClickHouseClient(). */
  options: ClickHouseOptions;
  /** Stops the endpoint (if any) and removes the data. Close the clients first. */
  remove(): Promise<void>;
}

export async function testStorage(label: string): Promise<TestStorage> {
  const dataDir = mkdtempSync(join(tmpdir(), `spanhouse-${label}-`));
  const remove = () => rmSync(dataDir, { recursive: true, force: true });
  if (!OVER_HTTP) return { options: { dataDir }, remove: async () => remove() };
  const endpoint = await startClickHouseHttp(dataDir);
  console.log(`# storage: ClickHouse HTTP endpoint ${endpoint.url}`); // store-over-http checks this ran
  return {
    options: { dataDir, url: endpoint.url },
    async remove() {
      await endpoint.stop();
      remove();
    },
  };
}
