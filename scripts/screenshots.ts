// Regenerates the README screenshots (docs/screenshots/*.png): starts a collector on a temp
// data dir, loads a day of demo traces over OTLP, and shoots the UI with Debian's Chromium
// at 1440x900. Needs the built UI (npm run build -w @spanhouse/ui).
// Usage: npx tsx scripts/screenshots.ts
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { startCollector, type RunningCollector } from '@spanhouse/collector';
import { DEFAULT_UI_DIR } from '../collector/src/config.ts';
import { buildDemoTraces } from '../collector/src/demo/sample-traces.ts';
import { launchChromium } from '../test/support/browser.ts';

const OUT_DIR = join(dirname(fileURLToPath(import.meta.url)), '../docs/screenshots');
const VIEWPORT = { width: 1440, height: 900 };
const HOUR = 3_600_000;
/** The demo spans two days with a daily rhythm: two rounds, a few hours apart so the chart does not repeat. */
const DEMO_OFFSETS_HOURS = [0, 7.3];
const MAX_BYTES = 400 * 1024;

/** The usual port, so the endpoint shown in the top bar looks familiar; any free one if taken. */
async function start(dataDir: string): Promise<RunningCollector> {
  const base = { host: '127.0.0.1', dataDir, batchMaxDelayMs: 5, log: () => {} };
  try {
    return await startCollector({ ...base, port: 4318 });
  } catch {
    return startCollector({ ...base, port: 0, grpcPort: 0 });
  }
}

async function loadDemo(collector: RunningCollector): Promise<void> {
  const now = Date.now();
  for (const hoursAgo of DEMO_OFFSETS_HOURS) {
    const res = await fetch(`${collector.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(buildDemoTraces(now - hoursAgo * HOUR)),
    });
    if (!res.ok) throw new Error(`loading demo traces failed: ${res.status} ${await res.text()}`);
  }
}

async function shoot(page: Page, name: string): Promise<void> {
  const path = join(OUT_DIR, `${name}.png`);
  await page.screenshot({ path });
  const size = statSync(path).size;
  console.log(`${path} (${Math.round(size / 1024)} KB)`);
  if (size > MAX_BYTES) throw new Error(`${name}.png is larger than ${MAX_BYTES / 1024} KB`);
}

/** The trace list for the last 24 hours: cost and latency chart above, newest traces below. */
async function explorer(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/?range=24h`);
  await page.locator('.trace-row').first().waitFor();
  await page.locator('.chart-panel .uplot canvas').first().waitFor();
  await shoot(page, 'explorer');
}

/** A research-agent trace (LLM calls and tools) with its last LLM call open: tree, timeline and chat. */
async function trace(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/?range=24h&status=success`);
  await page.locator('.trace-row', { hasText: 'invoke_agent research_assistant' }).first().click();
  await page.locator('[role=treeitem]').first().waitFor();
  await page.locator('[role=treeitem]', { hasText: /^chat / }).last().click();
  await page.getByTestId('span-detail').locator('.msg[data-role=assistant]').last().waitFor();
  await shoot(page, 'trace');
}

/** The sessions view: one row per session with its user, traces, tokens and cost. */
async function sessions(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/sessions`);
  await page.locator('tr[data-session-id]').first().waitFor();
  await shoot(page, 'sessions');
}

/** Every LLM call, sorted by cost, two picked for a dataset. */
async function generations(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/generations?sort=cost`);
  await page.locator('tr[data-span-id]').first().waitFor();
  for (const box of (await page.locator('tr[data-span-id] input[type=checkbox]').all()).slice(0, 2)) await box.check();
  await page.fill('input[aria-label="Dataset for the selected generations"]', 'golden-answers');
  await shoot(page, 'generations');
  await page.getByRole('button', { name: 'Add to dataset' }).click();
  await page.locator('.toast').waitFor();
}

/** The dataset the generations page filled. */
async function datasets(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/datasets/golden-answers`);
  await page.locator('.item-card').first().waitFor();
  await shoot(page, 'datasets');
}

/** The research agent's trace as an agent graph beside its span detail. */
async function agentGraph(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/?range=24h&status=success`);
  await page.locator('.trace-row', { hasText: 'invoke_agent research_assistant' }).first().click();
  await page.getByRole('button', { name: 'Agent graph' }).click();
  await page.locator('.graph-node[data-node^="tool:"]').first().click();
  await page.getByTestId('span-detail').locator('h2').waitFor();
  await shoot(page, 'agent-graph');
}

async function main(): Promise<void> {
  if (!existsSync(join(DEFAULT_UI_DIR, 'index.html'))) throw new Error('build the UI first: npm run build -w @spanhouse/ui');
  mkdirSync(OUT_DIR, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'spanhouse-screenshots-'));
  const collector = await start(dataDir);
  const browser = await launchChromium();
  try {
    await loadDemo(collector);
    const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await explorer(page, collector.url);
    await trace(page, collector.url);
    await sessions(page, collector.url);
    await generations(page, collector.url);
    await datasets(page, collector.url);
    await agentGraph(page, collector.url);
  } finally {
    await browser.close();
    await collector.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
