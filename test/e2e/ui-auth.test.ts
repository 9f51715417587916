// The web UI against a collector that has API keys (its own collector and data dir: chDB
// binds one per process). Without a key the UI asks for one and shows no data; a wrong key
// is refused with the server's message; the right key shows that tenant's traces only,
// travels in the Authorization header (never in a URL) and survives a reload; "Sign out"
// forgets it, and a stored key the server refuses brings the panel back.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page, Request } from 'playwright-core';
import type { RunningCollector } from '@spanhouse/collector';
import { apiClient } from '../support/api.ts';
import { browserSkip, launchChromium, openPage, saveScreenshot, type PageIncidents } from '../support/browser.ts';
import { startTestCollector, tempDataDir } from '../support/collector.ts';
import { otelTracer } from '../support/otel.ts';
import { makeKey, withKeyStore } from '../support/keys.ts';

const data = tempDataDir('ui-auth');
let collector: RunningCollector;
let browser: Browser;
const incidents: PageIncidents = { dialogs: [], pageErrors: [] };
const keys = { acme: '', globex: '' };
const traces = { acme: '', globex: '' };
const STORAGE = 'spanhouse.apiKey';

/** A key made the way `spanhouse keys create --tenant <tenant>` makes it. */
/** One LLM call sent over OTLP with the tenant's key in the exporter headers; its trace id. */
async function sendTrace(tenant: 'acme' | 'globex', headers: Record<string, string>): Promise<string> {
  const otel = otelTracer(collector.url, { encoding: 'protobuf', serviceName: `${tenant}-app`, headers });
  const span = otel.tracer.startSpan(`chat ${tenant}`, {
    attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': `${tenant}-model`, 'gen_ai.input.messages': JSON.stringify([{ role: 'user', content: `${tenant} question` }]) },
  });
  span.end();
  await otel.flush();
  await otel.shutdown();
  return span.spanContext().traceId;
}

/** Waits until the API lists the trace for its tenant (the pipeline writes in batches). */
async function waitForStored(key: string, traceId: string): Promise<void> {
  const api = apiClient(collector.url, key);
  for (let attempt = 0; attempt < 100; attempt++) {
    if ((await api('GET', `/api/traces/${traceId}`)).status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`trace ${traceId} was never stored`);
}

const storedKey = (page: Page) => page.evaluate((name) => localStorage.getItem(name), STORAGE);
const rowIds = (page: Page) => page.locator('.trace-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-trace-id')));

async function typeKey(page: Page, key: string): Promise<void> {
  const panel = page.getByTestId('sign-in');
  await panel.getByLabel('API key').fill(key);
  await panel.getByRole('button', { name: 'Save' }).click();
}

describe('web UI with API keys', { skip: browserSkip() }, () => {
  let page: Page;
  /** Every request the page made, with its headers. */
  const requests: { url: string; authorization?: string }[] = [];
  const pending: Promise<void>[] = [];

  before(async () => {
    // Keys first, as `spanhouse keys create` does while no collector holds the data dir.
    await withKeyStore(data.dir, async (keyStore) => {
      keys.acme = (await makeKey(keyStore, 'acme')).key;
      keys.globex = (await makeKey(keyStore, 'globex')).key;
    });

    collector = await startTestCollector(data.dir);
    traces.acme = await sendTrace('acme', { authorization: `Bearer ${keys.acme}` });
    traces.globex = await sendTrace('globex', { 'x-api-key': keys.globex });
    await waitForStored(keys.acme, traces.acme);
    await waitForStored(keys.globex, traces.globex);

    browser = await launchChromium();
    ({ page } = await openPage(browser, collector.url, incidents));
    page.on('request', (request: Request) => {
      // a request still open when the browser closes has no headers to read: not an error
      pending.push(request.allHeaders().then((headers) => void requests.push({ url: request.url(), authorization: headers.authorization }), () => undefined));
    });
  });
  after(async () => {
    await browser?.close();
    await collector?.close();
    data.remove();
    assert.deepEqual(incidents.pageErrors, [], 'no uncaught errors in the page');
    assert.deepEqual(incidents.dialogs, [], 'no script from a typed key ran');
  });

  test('without a key the UI asks for one, says how to create it, and shows no data', async () => {
    await page.goto(collector.url + '/');
    const panel = page.getByTestId('sign-in');
    await panel.waitFor();
    const text = await panel.innerText();
    assert.match(text, /Sign in with an API key/);
    // a command that works while the collector runs: through its admin API, at this address
    assert.ok(text.includes(`npx spanhouse keys create --tenant <name> --url ${collector.url} --key <admin key>`), text);
    assert.equal(await page.locator('.trace-row').count(), 0);
    assert.equal(await page.getByTestId('empty-state').count(), 0, 'not mistaken for an empty store');
    assert.equal(await page.getByTestId('key-control').count(), 0);
    await saveScreenshot(page, 'sign-in');
  });

  test('a wrong key is refused with a message and is not stored; typed markup stays text', async () => {
    await typeKey(page, `${keys.acme.slice(0, -4)}AAAA`);
    const error = page.getByTestId('sign-in').locator('.notice.error');
    await error.waitFor();
    assert.match(await error.innerText(), /This key was not accepted: the API key is not valid/);
    assert.equal(await storedKey(page), null);

    await typeKey(page, '<img src=x onerror="alert(1)">');
    await page.waitForFunction(() => document.querySelector('[data-testid=sign-in] button[type=submit]')?.textContent === 'Save');
    assert.match(await error.innerText(), /not accepted/);
    assert.equal(await page.locator('img[src=x]').count(), 0);
    assert.equal(await page.locator('.trace-row').count(), 0);
  });

  test('the right key shows its tenant’s traces only, sent as a Bearer header and never in a URL', async () => {
    await typeKey(page, keys.acme);
    await page.locator('.trace-row').first().waitFor();
    assert.deepEqual(await rowIds(page), [traces.acme], 'acme sees its trace, not globex’s');
    assert.equal(await page.getByTestId('sign-in').count(), 0);
    assert.equal(await storedKey(page), keys.acme);
    assert.equal(await page.getByTestId('key-control').locator('.mono').innerText(), keys.acme.slice(0, 20), 'only the public key id is shown');
    assert.ok(!(await page.locator('body').innerText()).includes(keys.acme), 'the secret is not on screen');

    await Promise.all(pending);
    const afterSignIn = requests.filter((r) => r.url.includes('/api/traces?') && r.authorization === `Bearer ${keys.acme}`);
    assert.ok(afterSignIn.length > 0, 'the trace list was fetched with the key');
    assert.ok(requests.every((r) => !r.url.includes(keys.acme) && !r.url.includes(keys.acme.slice(21))), 'the key is never in a URL');
    assert.ok(!page.url().includes(keys.acme.slice(21)));
    await saveScreenshot(page, 'signed-in');
  });

  test('the key survives a reload, and other pages use it too', async () => {
    await page.reload();
    await page.locator('.trace-row').first().waitFor();
    assert.deepEqual(await rowIds(page), [traces.acme]);
    assert.equal(await page.getByTestId('sign-in').count(), 0);

    await page.locator('.trace-row').first().click();
    await page.waitForURL(/\/traces\/[0-9a-f]{32}/);
    await page.locator('[role=treeitem]', { hasText: 'chat acme' }).waitFor();
    assert.equal(await page.locator('.notice.error').count(), 0);
  });

  test('"Change key" can be cancelled; "Sign out" forgets the key and asks again', async () => {
    const control = page.getByTestId('key-control');
    await control.getByRole('button', { name: 'Change key' }).click();
    await page.getByTestId('sign-in').getByRole('button', { name: 'Cancel' }).click();
    await page.locator('[role=treeitem]', { hasText: 'chat acme' }).waitFor();

    await control.getByRole('button', { name: 'Sign out' }).click();
    await page.getByTestId('sign-in').waitFor();
    assert.equal(await storedKey(page), null);
    assert.equal(await page.locator('[role=treeitem]').count(), 0);
    assert.equal(await page.getByTestId('key-control').count(), 0);
  });

  test('a stored key the server refuses brings the panel back, saying so', async () => {
    await page.evaluate(([name, value]) => localStorage.setItem(name, value), [STORAGE, `${keys.globex.slice(0, -4)}AAAA`]);
    await page.goto(collector.url + '/overview');
    const panel = page.getByTestId('sign-in');
    await panel.waitFor();
    assert.match(await panel.innerText(), /saved API key was not accepted/);
    assert.equal(await page.locator('.kpi').count(), 0, 'no overview data');

    await typeKey(page, keys.globex);
    await page.locator('.kpi').first().waitFor();
    await page.goto(collector.url + '/');
    await page.locator('.trace-row').first().waitFor();
    assert.deepEqual(await rowIds(page), [traces.globex], 'globex sees its own trace');
  });
});
