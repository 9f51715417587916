// The web UI's admin and metrics parts in a real browser against a real collector:
// GenAI metrics sent by the OpenTelemetry metrics SDK show in the Overview's panel; an
// admin key gets a tenant switcher whose choice every read carries (tenant=), so the
// traces sent before keys were switched on (tenant `default`) can be read; a plain key
// gets no switcher, and its empty state's curl carries the key header and works as shown.
// The API reference page (/api/docs) renders the OpenAPI document with the bundled Redoc.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { Browser, Page } from 'playwright-core';
import type { RunningCollector } from '@spanhouse/collector';
import { apiClient } from '../support/api.ts';
import { browserSkip, launchChromium, openPage, saveScreenshot, type PageIncidents } from '../support/browser.ts';
import { startTestCollector, tempDataDir } from '../support/collector.ts';
import { otelTracer } from '../support/otel.ts';

const data = tempDataDir('ui-admin');
let collector: RunningCollector;
let browser: Browser;
const incidents: PageIncidents = { dialogs: [], pageErrors: [] };
let keylessTrace = '';
let adminKey = '';
let emptyKey = '';

/** A page whose browser already holds `key` (as after signing in). */
async function pageWithKey(key: string, path: string): Promise<{ page: Page; requests: string[] }> {
  const { page, context } = await openPage(browser, collector.url, incidents);
  await context.addInitScript((k) => localStorage.setItem('spanhouse.apiKey', k), key);
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(collector.url + path);
  return { page, requests };
}

describe('web UI: GenAI metrics panel, tenant switcher, keyed empty state', { skip: browserSkip() }, () => {
  before(async () => {
    collector = await startTestCollector(data.dir);
    // before any key: a trace and GenAI metrics land in tenant `default`
    const otel = otelTracer(collector.url, { serviceName: 'keyless-app' });
    const span = otel.tracer.startSpan('chat keyless', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o' } });
    span.end();
    await otel.flush();
    await otel.shutdown();
    keylessTrace = span.spanContext().traceId;
    const meters = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'keyless-app' }),
      readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${collector.url}/v1/metrics` }), exportIntervalMillis: 3_600_000 })],
    });
    const meter = meters.getMeter('ui-admin');
    const tokens = meter.createHistogram('gen_ai.client.token.usage', { unit: '{token}' });
    const duration = meter.createHistogram('gen_ai.client.operation.duration', { unit: 's' });
    const attrs = { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o' };
    tokens.record(1200, { ...attrs, 'gen_ai.token.type': 'input' });
    tokens.record(300, { ...attrs, 'gen_ai.token.type': 'output' });
    duration.record(1.5, attrs);
    duration.record(2.5, attrs);
    await meters.forceFlush();
    await meters.shutdown();

    // keys on: an admin key of tenant ops, a plain key of tenant fresh (no data)
    const keyless = apiClient(collector.url);
    adminKey = (await keyless('POST', '/api/admin/keys', { tenant: 'ops', admin: true })).body.key;
    emptyKey = (await apiClient(collector.url, adminKey)('POST', '/api/admin/keys', { tenant: 'fresh' })).body.key;
    assert.ok(adminKey && emptyKey);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await collector?.close();
    data.remove();
  });

  test('an admin switches to tenant default: its traces list and the Overview shows its GenAI metrics', async () => {
    const { page, requests } = await pageWithKey(adminKey, '/');
    const switcher = page.getByLabel('Tenant');
    await switcher.waitFor();
    assert.equal(await switcher.inputValue(), 'ops');
    assert.deepEqual(await switcher.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value)), ['default', 'fresh', 'ops']);
    await Promise.all([page.waitForEvent('load'), switcher.selectOption('default')]);
    await page.locator(`.trace-row[data-trace-id="${keylessTrace}"]`).waitFor();
    assert.ok(requests.some((u) => u.includes('/api/traces?') && u.includes('tenant=default')), 'reads carry tenant=default');

    await page.getByRole('link', { name: 'Overview' }).click();
    const table = page.getByTestId('genai-metrics');
    await table.waitFor();
    const row = (name: string) => table.locator(`tr[data-metric="${name}"][data-group="gpt-4o"]`);
    const cells = async (name: string) => (await row(name).locator('td').allInnerTexts()).map((t) => t.trim());
    // tokens: 2 observations, 1500 in all (mean 750, min 300, max 1200); duration: 2 calls, 4 s, mean 2 s
    assert.deepEqual(await cells('gen_ai.client.token.usage'), ['gen_ai.client.token.usage', 'gpt-4o', '2', '1.5k', '750', '300', '1.2k']);
    assert.deepEqual(await cells('gen_ai.client.operation.duration'), ['gen_ai.client.operation.duration', 'gpt-4o', '2', '4.00 s', '2.00 s', '1.50 s', '2.50 s']);
    assert.ok(requests.some((u) => u.includes('/api/otel-metrics?') && u.includes('tenant=default')));
    await saveScreenshot(page, 'overview-genai-metrics');

    // back to the key's own tenant: no metrics there
    await Promise.all([page.waitForEvent('load'), page.getByLabel('Tenant').selectOption('ops')]);
    await page.getByText('No GenAI metrics in this period').waitFor();
    await page.context().close();
  });

  test('/api/docs renders the OpenAPI document with the bundled Redoc, without a key and without any other host', async () => {
    const { page } = await openPage(browser, collector.url, incidents);
    const hosts = new Set<string>();
    const blocked: string[] = [];
    // what the page fetched; its Content-Security-Policy stops Redoc's CDN logo in the browser
    page.on('requestfinished', (r) => {
      const url = new URL(r.url());
      if (url.protocol.startsWith('http')) hosts.add(url.host);
    });
    page.on('requestfailed', (r) => blocked.push(`${new URL(r.url()).host} ${r.failure()?.errorText}`));
    await page.goto(`${collector.url}/api/docs`);
    await page.locator('h1', { hasText: 'Spanhouse API' }).waitFor();
    // an operation of the document, rendered
    await page.getByText('/api/admin/tenants').first().waitFor({ state: 'attached' });
    assert.deepEqual([...hosts], [new URL(collector.url).host]);
    assert.ok(blocked.every((b) => b.startsWith(new URL(collector.url).host) || / csp$/.test(b)), blocked.join(', '));
    await saveScreenshot(page, 'api-docs');
    await page.context().close();
  });

  test('a plain key: no tenant switcher; the empty state curl sends the key and stores a trace', async () => {
    const { page } = await pageWithKey(emptyKey, '/');
    const empty = page.getByTestId('empty-state');
    await empty.waitFor();
    const curl = empty.locator('pre[aria-label="curl example"]');
    await page.waitForFunction(() => document.querySelector('pre[aria-label="curl example"]')?.textContent?.includes('SPANHOUSE_API_KEY'));
    const command = await curl.innerText();
    assert.match(command, /-H "Authorization: Bearer \$SPANHOUSE_API_KEY"/);
    assert.equal(await page.getByLabel('Tenant').count(), 0);
    assert.doesNotMatch(await page.content(), new RegExp(emptyKey.slice(21)), 'the key secret is never shown');

    // asynchronously: the collector answering it runs in this process
    await promisify(execFile)('bash', ['-c', command], { env: { ...process.env, SPANHOUSE_API_KEY: emptyKey }, encoding: 'utf8' });
    const traceId = /"traceId": "([0-9a-f]{32})"/.exec(command)![1];
    const fresh = apiClient(collector.url, emptyKey);
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
      status = (await fresh('GET', `/api/traces/${traceId}`)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 200, 'the copied curl stored its trace in the key tenant');
    assert.deepEqual(incidents, { dialogs: [], pageErrors: [] });
    await page.context().close();
  });
});
