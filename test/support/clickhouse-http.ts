// Starts the chDB-backed ClickHouse HTTP endpoint (clickhouse-http-endpoint.ts) in a child
// process on a free loopback port, for tests of the server path (CLICKHOUSE_URL).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./clickhouse-http-endpoint.ts', import.meta.url));

export interface ClickHouseHttpEndpoint {
  url: string;
  stop(): Promise<void>;
}

/** `port`: listen there (to come back where a client expects it after a stop); a free one otherwise. */
export async function startClickHouseHttp(dataDir: string, port = 0): Promise<ClickHouseHttpEndpoint> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, dataDir], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PORT: String(port) } });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const listening = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const match = /^listening (\d+)$/.exec(line);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`the ClickHouse HTTP endpoint exited (${code}): ${stderr}`)));
  });
  return {
    url: `http://127.0.0.1:${listening}`,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
