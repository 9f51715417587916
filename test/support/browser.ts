// Debian's Chromium driven by playwright-core, for the web UI tests and the README
// screenshots. No browser is ever downloaded: without /usr/bin/chromium the browser tests
// skip locally, and fail in CI (CI=true), where a skip would hide a broken setup.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';

export const CHROMIUM = process.env.SPANHOUSE_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../test-output/screenshots');

const inCi = process.env.CI === 'true';
const missing = `no Chromium at ${CHROMIUM} (apt-get install chromium, or set SPANHOUSE_CHROMIUM)`;

/** `skip` option for a browser suite: a reason locally when Chromium is missing; never in CI. */
export function browserSkip(): false | string {
  return existsSync(CHROMIUM) || inCi ? false : missing;
}

export async function launchChromium(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), inCi ? `CI must run the browser tests: ${missing}` : missing);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
}

/** What a page did that it never should: script dialogs (alert from a prompt) and uncaught errors. */
export interface PageIncidents {
  dialogs: string[];
  pageErrors: string[];
}

/** A suite's end: no page threw an uncaught error or opened a script dialog. */
export function assertNoIncidents(incidents: PageIncidents): void {
  assert.deepEqual(incidents.pageErrors, [], 'no uncaught errors in the page');
  assert.deepEqual(incidents.dialogs, [], 'no script dialog opened');
}

/** A page in its own context (clipboard access granted for `origin`), with incidents recorded. */
export async function openPage(browser: Browser, origin: string, incidents: PageIncidents, viewport = { width: 1440, height: 900 }): Promise<{ page: Page; context: BrowserContext }> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  const page = await context.newPage();
  page.on('dialog', (dialog) => {
    incidents.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => incidents.pageErrors.push(error.message));
  return { page, context };
}

/** Saves a full-window screenshot under test-output/screenshots/ (gitignored) for a human to look at. */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) });
}

/** The element's box once it is laid out: `boundingBox()` answers null while a
 *  re-render has the element detached or hidden, so ask again until it is there. */
export async function settledBox(locator: Locator, timeoutMs = 5000): Promise<{ x: number; y: number; width: number; height: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await locator.waitFor({ state: 'visible', timeout: Math.max(1, deadline - Date.now()) });
    const box = await locator.boundingBox();
    if (box) return box;
    if (Date.now() > deadline) throw new Error('the element never settled into a visible box');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
