// Runs the real `spanhouse` command (collector/bin/spanhouse.mjs) in a child process.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const SPANHOUSE_BIN = fileURLToPath(new URL('../../collector/bin/spanhouse.mjs', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SPANHOUSE_BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
