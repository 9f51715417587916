// The web UI on a fresh data directory (its own collector: chDB binds one data dir per
// process): the overview copes with no data, the trace list shows the first-run screen with
// this server's OTLP endpoint, and "Load sample traces" fills it through POST /api/demo.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunningCollector } from '@spanhouse/collector';
import { apiClient } from '../support/api.ts';
import { assertNoIncidents, browserSkip, launchChromium, openPage, saveScreenshot, type PageIncidents } from '../support/browser.ts';
import { startTestCollector, tempDataDir } from '../support/collector.ts';

const data = tempDataDir('ui-empty');
let collector: RunningCollector;
let browser: Browser;
const incidents: PageIncidents = { dialogs: [], pageErrors: [] };

async function open(path: string): Promise<Page> {
  const { page } = await openPage(browser, collector.url, incidents);
  await page.goto(collector.url + path);
  return page;
}

describe('web UI on an empty store', { skip: browserSkip() }, () => {
  before(async () => {
    browser = await launchChromium();
    collector = await startTestCollector(data.dir);
  });
  after(async () => {
    await browser?.close();
    await collector?.close();
    data.remove();
    assertNoIncidents(incidents);
  });

  test('the overview shows zeros and empty charts instead of failing', async () => {
    const page = await open('/overview');
    const calls = page.locator('.kpi', { has: page.locator('.label', { hasText: /^Calls$/ }) }).locator('.value');
    await calls.waitFor();
    assert.equal(await calls.innerText(), '0');
    assert.equal(await page.locator('.notice.error').count(), 0);
    await page.locator('section[aria-label="Top clusters"]', { hasText: 'No clusters yet.' }).waitFor();
    await saveScreenshot(page, 'overview-empty');
    await page.context().close();
  });

  test('the trace list greets a new install with the endpoint, and loads sample traces on request', async () => {
    const page = await open('/');
    const empty = page.getByTestId('empty-state');
    await empty.waitFor();
    assert.match(await empty.innerText(), /No traces yet/);
    assert.ok((await empty.locator('pre[aria-label="curl example"]').innerText()).includes(`${collector.url}/v1/traces`), 'the curl example targets this server');
    assert.equal(await page.locator('.trace-row').count(), 0);
    await saveScreenshot(page, 'empty-state');

    await empty.getByRole('button', { name: 'Load sample traces' }).click();
    await page.locator('.trace-row').first().waitFor({ timeout: 15_000 });
    const listed = await apiClient(collector.url)<{ data: { start_time: string }[] }>('GET', '/api/traces?limit=100');
    assert.equal(listed.body.data.length, 20, 'the demo went through the API into the store');
    // the first view shows the last 24 hours: the newer part of the two days of sample traces
    await page.waitForURL((u) => !u.searchParams.has('range'));
    const shown = await page.locator('select[aria-label="Time range"]').inputValue();
    assert.equal(shown, '24h');
    const rows = await page.locator('.trace-row').count();
    assert.ok(rows >= 1 && rows < 20, `some of the sample traces are from the last 24 hours (${rows})`);
    assert.equal(await page.getByTestId('empty-state').count(), 0);
    await page.context().close();
  });
});
