// Starts a real collector (embedded chDB in a temp directory) on a free loopback port.
// chDB binds one data directory per process: use one TestCollector data dir per test file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector, type CollectorConfig, type RunningCollector, type SpanProcessor } from '@spanhouse/collector';

export function tempDataDir(label = 'e2e'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `spanhouse-${label}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startTestCollector(dataDir: string, overrides: Partial<CollectorConfig> = {}, processors: SpanProcessor[] = []): Promise<RunningCollector> {
  return startCollector({ host: '127.0.0.1', port: 0, grpcPort: 0, dataDir, batchMaxDelayMs: 5, log: process.env.SPANHOUSE_TEST_LOG ? (m: string) => process.stderr.write(`[collector] ${m}\n`) : () => {}, ...overrides }, processors);
}

export async function getJson<T = any>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
}
