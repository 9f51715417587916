// The web UI in a real browser (Debian's Chromium via playwright-core) against a real
// collector loaded with the demo traces over OTLP: the list and its filters (in the URL,
// with the API's parameter names), a trace's tree and timeline, a span's chat and raw
// JSON, copy, dataset and feedback actions checked through the API, prompt markup shown
// as text, and the overview's charts from /api/metrics. Screenshots of every page land
// in test-output/screenshots/.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunningCollector } from '@spanhouse/collector';
import { buildDemoTraces } from '../../collector/src/demo/sample-traces.ts';
import { DEFAULT_UI_DIR } from '../../collector/src/config.ts';
import { apiClient } from '../support/api.ts';
import { browserSkip, launchChromium, openPage as openBrowserPage, saveScreenshot, type PageIncidents } from '../support/browser.ts';
import { startTestCollector, tempDataDir } from '../support/collector.ts';

const data = tempDataDir('ui');
let collector: RunningCollector;
let api: ReturnType<typeof apiClient>;
let browser: Browser;
const incidents: PageIncidents = { dialogs: [], pageErrors: [] };

async function openPage(path: string): Promise<Page> {
  const { page } = await openBrowserPage(browser, collector.url, incidents);
  await page.goto(collector.url + path);
  return page;
}

const closePage = (page: Page) => page.context().close();

/** The list over all time: the demo spans two days, the default view the last 24 hours. */
const ALL = '/?range=all';

/** Trace ids the list shows, in order. */
const rowIds = (page: Page) => page.locator('.trace-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-trace-id') ?? ''));

/** Waits until the list shows exactly these traces (the old rows stay up while a new page loads). */
async function waitForRows(page: Page, ids: string[]): Promise<void> {
  const want = [...ids].sort().join(',');
  await page.waitForFunction(
    (expected) => [...document.querySelectorAll('.trace-row')].map((r) => r.getAttribute('data-trace-id')).sort().join(',') === expected,
    want,
  );
}

/** Trace ids the API returns for a query string. */
async function apiTraceIds(query: string): Promise<string[]> {
  const res = await api<{ data: { trace_id: string }[] }>('GET', `/api/traces?limit=100&${query}`);
  assert.equal(res.status, 200, res.text);
  return res.body.data.map((t) => t.trace_id);
}

/** Opens the support trace whose prompt holds HTML, and selects its main LLM call. */
async function openMaliciousSpan(page: Page): Promise<string> {
  await page.locator('.trace-row', { hasText: 'I pasted this' }).click();
  await page.waitForURL(/\/traces\/[0-9a-f]{32}/);
  await page.locator('[role=treeitem]', { hasText: 'claude-sonnet' }).click();
  await page.waitForURL(/span=[0-9a-f]{16}/);
  await page.getByTestId('span-detail').locator('.msg[data-role=user] .msg-body').waitFor();
  return new URL(page.url()).searchParams.get('span')!;
}

const toast = (page: Page, text: string | RegExp) => page.locator('.toast', { hasText: text }).waitFor();

describe('web UI', { skip: browserSkip() }, () => {
  before(async () => {
    assert.ok(existsSync(`${DEFAULT_UI_DIR}/index.html`), 'the UI is built (npm run build -w @spanhouse/ui)');
    browser = await launchChromium();
    collector = await startTestCollector(data.dir);
    api = apiClient(collector.url);
    const res = await api('POST', '/v1/traces', buildDemoTraces(Date.now()));
    assert.equal(res.status, 200, res.text);
  });
  after(async () => {
    await browser?.close();
    await collector?.close();
    data.remove();
    assert.deepEqual(incidents.dialogs, [], 'no prompt text ever ran as script');
    assert.deepEqual(incidents.pageErrors, [], 'no uncaught errors in the page');
  });

  test('the trace list shows recent traces newest first, with composition, failure dots and the cost chart', async () => {
    const page = await openPage(ALL);
    await page.locator('.trace-row').first().waitFor();
    const ids = await rowIds(page);
    assert.deepEqual(ids, await apiTraceIds(''), 'the same traces as the API, newest first');
    assert.equal(ids.length, 20);
    assert.ok((await page.locator('.trace-row .dot.error').count()) >= 1, 'failed traces are flagged');
    assert.ok((await page.locator('.trace-row .dot.timeout').count()) >= 1, 'timed-out traces are flagged');
    const subs = await page.locator('.trace-row .sub').allInnerTexts();
    assert.ok(subs.some((s) => /^\d+ steps · \d+ llm · \d+ tool/.test(s)), subs.join(' | '));
    await page.locator('.chart-panel .uplot canvas').first().waitFor();
    assert.match(await page.locator('.chart-panel .legend-note').innerText(), /\$[\d.]+ · \d+ calls · (p90|highest p90 per (minute|hour|day)) /);
    await saveScreenshot(page, 'traces');
    await closePage(page);
  });

  test('filtering by status through the controls puts status=error in the URL and lists only failed traces', async () => {
    const page = await openPage(ALL);
    await page.locator('.trace-row').first().waitFor();
    await page.selectOption('select[aria-label=Status]', 'error');
    await page.waitForURL(/[?&]status=error/);
    const failed = await apiTraceIds('status=error');
    assert.ok(failed.length > 0 && failed.length < 20, `demo has some failed traces (${failed.length})`);
    await waitForRows(page, failed);
    const dots = await page.locator('.trace-row .dot').evaluateAll((els) => els.map((e) => e.className));
    assert.ok(dots.every((c) => c.includes('error')), dots.join(','));
    await saveScreenshot(page, 'traces-errors');

    // The URL alone reproduces the view.
    const url = new URL(page.url());
    const shared = await openPage(url.pathname + url.search);
    await shared.locator('.trace-row').first().waitFor();
    assert.equal(await shared.inputValue('select[aria-label=Status]'), 'error');
    await waitForRows(shared, failed);
    await Promise.all([closePage(page), closePage(shared)]);
  });

  test('the search box is the full-text q= search and the metadata filter sends metadata.<key>', async () => {
    const page = await openPage(ALL);
    await page.locator('.trace-row').first().waitFor();
    await page.fill('input[aria-label=Search]', '"invalid audience"');
    await page.press('input[aria-label=Search]', 'Enter');
    await page.waitForURL((u) => u.searchParams.get('q') === '"invalid audience"');
    const found = await apiTraceIds(`q=${encodeURIComponent('"invalid audience"')}`);
    assert.ok(found.length >= 1 && found.length < 20, `the phrase is in some traces (${found.length})`);
    await waitForRows(page, found);
    assert.match(await page.locator('.trace-row').first().innerText(), /Invalid audience/);

    await page.fill('input[aria-label=Search]', '');
    await page.press('input[aria-label=Search]', 'Enter');
    await page.getByRole('button', { name: /More filters/ }).click();
    await page.fill('#f-meta', 'customer_tier=enterprise');
    await page.press('#f-meta', 'Enter');
    await page.waitForURL((u) => u.searchParams.get('metadata.customer_tier') === 'enterprise' && !u.searchParams.has('q'));
    const enterprise = await apiTraceIds('metadata.customer_tier=enterprise');
    assert.ok(enterprise.length >= 1 && enterprise.length < 20, `some traces are enterprise (${enterprise.length})`);
    await waitForRows(page, enterprise);
    assert.equal(await page.locator('.notice').count(), 0, 'the server took every filter');
    await closePage(page);
  });

  test('a trace opens as a span tree with timeline bars; a span shows its chat, raw JSON, and prompt markup as text', async () => {
    const page = await openPage(ALL);
    const row = page.locator('.trace-row', { hasText: 'I pasted this' });
    assert.match(await row.innerText(), /<script>alert\(1\)<\/script>/, 'the list preview shows the markup as text');
    await openMaliciousSpan(page);
    assert.equal(await page.locator('[role=treeitem]').count(), 4);
    assert.equal(await page.locator('.tree-row .timeline .bar').count(), 4);
    const widths = await page.locator('.tree-row .timeline .bar').evaluateAll((bars) => bars.map((b) => b.getBoundingClientRect().width));
    assert.ok(widths.every((w) => w > 0) && Math.max(...widths) > 3 * Math.min(...widths), `bars scale with duration: ${widths}`);
    assert.match(await page.locator('.stats').innerText(), /TOKENS/i);

    const detail = page.getByTestId('span-detail');
    assert.equal(await detail.locator('.msg[data-role=system]').count(), 1);
    assert.match(await detail.locator('.msg[data-role=assistant] .msg-body').innerText(), /shown literally/);
    const user = await detail.locator('.msg[data-role=user] .msg-body').innerText();
    assert.ok(user.includes('<script>alert(1)</script>'), user);
    assert.ok(user.includes('<img src=x onerror=alert(1)>'), user);
    const injected = await page.evaluate(() => ({
      images: document.querySelectorAll('img').length,
      inlineScripts: document.querySelectorAll('script:not([src])').length,
    }));
    assert.deepEqual(injected, { images: 0, inlineScripts: 0 }, 'prompt markup never becomes elements');
    await saveScreenshot(page, 'trace');

    await detail.getByRole('button', { name: 'Raw JSON' }).click();
    const raw = JSON.parse(await detail.locator('pre.json').first().innerText()) as { role: string; content: string }[];
    assert.deepEqual(raw.map((m) => m.role), ['system', 'user']);
    assert.ok(raw[1].content.includes('<img src=x onerror=alert(1)>'));
    await saveScreenshot(page, 'span-raw-json');
    await detail.getByRole('button', { name: 'Chat' }).click();
    await detail.locator('.msg[data-role=user]').waitFor();

    // Breadcrumbs walk up the tree.
    await detail.locator('.crumbs button', { hasText: 'support.reply' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid=span-detail] h2')?.textContent === 'support.reply');
    assert.ok((await page.locator('[role=treeitem][aria-selected=true]').innerText()).includes('support.reply'));
    assert.deepEqual(incidents.dialogs, []);
    await closePage(page);
  });

  test('span actions: copy JSON to the clipboard, add to a dataset, thumbs up, each checked through the API', async () => {
    const page = await openPage(ALL);
    const spanId = await openMaliciousSpan(page);
    const detail = page.getByTestId('span-detail');

    await detail.getByRole('button', { name: 'Copy JSON' }).click();
    await toast(page, 'Span JSON copied');
    const copied = JSON.parse(await page.evaluate(() => navigator.clipboard.readText())) as { span_id: string; model: string; input_messages: { content: string }[] };
    assert.equal(copied.span_id, spanId);
    assert.match(copied.model, /claude-sonnet/);
    assert.ok(copied.input_messages.some((m) => m.content.includes('<script>alert(1)</script>')), 'the copy has the full messages');

    await detail.getByRole('button', { name: '+ Dataset' }).click();
    await detail.getByLabel('Add this span to dataset').fill('ui-regressions');
    await saveScreenshot(page, 'span-add-to-dataset');
    await detail.getByRole('button', { name: 'Add', exact: true }).click();
    await toast(page, 'Added to dataset “ui-regressions”');
    const datasets = await api<{ data: { name: string; item_count: number }[] }>('GET', '/api/datasets');
    assert.equal(datasets.body.data.find((d) => d.name === 'ui-regressions')?.item_count, 1);
    const items = await api<{ data: { source_span_id: string; input: unknown }[] }>('GET', '/api/datasets/ui-regressions/items');
    assert.equal(items.status, 200, items.text);
    assert.deepEqual(items.body.data.map((i) => i.source_span_id), [spanId]);
    assert.match(JSON.stringify(items.body.data[0].input), /onerror=alert/);

    await detail.getByRole('button', { name: 'Thumbs up' }).click();
    await toast(page, 'thumbs up recorded');
    const events = await api<{ data: { kind: string; source: string; data: unknown }[] }>('GET', `/api/spans/${spanId}/events`);
    assert.equal(events.status, 200, events.text);
    assert.deepEqual(
      events.body.data.map(({ kind, source, data }) => ({ kind, source, data })),
      [{ kind: 'feedback', source: 'ui', data: { value: 'up' } }],
    );
    await detail.locator('section[aria-label=Events] td', { hasText: 'feedback' }).waitFor();
    const span = await api<{ scores: { name: string }[] }>('GET', `/api/spans/${spanId}`);
    assert.deepEqual(span.body.scores.map((s) => s.name), ['feedback'], 'feedback also becomes a score');
    await closePage(page);
  });

  test('a large trace stays virtualised: a few dozen rows in the DOM for ~300 spans', async () => {
    const page = await openPage(ALL);
    await page.locator('.trace-row', { hasText: '60 files' }).click();
    await page.locator('[role=treeitem]').first().waitFor();
    const toolbar = await page.locator('.tree-toolbar').innerText();
    const total = Number(/(\d+) spans/.exec(toolbar)?.[1]);
    assert.ok(total >= 250, toolbar);
    const rendered = await page.locator('[role=treeitem]').count();
    assert.ok(rendered < 80, `rendered ${rendered} of ${total} rows`);
    await closePage(page);
  });

  test('a stable trace URL with ?span= opens that span, and unknown traces say so', async () => {
    const list = await api<{ data: { trace_id: string; name: string }[] }>('GET', '/api/traces?limit=50');
    const rag = list.body.data.find((t) => t.name === 'rag.answer_question')!;
    const detail = await api<{ spans: { span_id: string; name: string }[] }>('GET', `/api/traces/${rag.trace_id}`);
    const retrieve = detail.body.spans.find((s) => s.name.startsWith('retrieve'))!;
    const page = await openPage(`/traces/${rag.trace_id}?span=${retrieve.span_id}`);
    await page.getByTestId('span-detail').locator('h2', { hasText: 'retrieve docs-v3' }).waitFor();
    await page.getByTestId('span-detail').locator('details[aria-label=Mapping] > summary').click();
    // the mapping comes with the span's full record, a moment after the trace's summary
    await page.getByTestId('span-detail').getByText('Mapped by').waitFor();
    assert.match(await page.getByTestId('span-detail').innerText(), /Mapped by[\s\S]*otel-genai/);

    await page.goto(`${collector.url}/traces/${'0'.repeat(31)}1`);
    await page.getByText('was not found').waitFor();
    await closePage(page);
  });

  test('the overview draws KPIs, charts and the model table from /api/metrics', async () => {
    const { page } = await openBrowserPage(browser, collector.url, incidents);
    const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/metrics');
    await page.goto(`${collector.url}/overview`);
    const response = await answer;
    assert.equal(response.status(), 200);
    const rows = ((await response.json()) as { data: { group: string; count: number; cost_usd: number }[] }).data;
    assert.ok(rows.length > 0, 'the demo has LLM calls in range');
    assert.equal(new URL(response.url()).searchParams.get('group_by'), 'model');

    await page.locator('.kpi').first().waitFor();
    const kpi = async (label: string) => page.locator('.kpi', { has: page.locator('.label', { hasText: new RegExp(`^${label}$`) }) }).locator('.value').innerText();
    const calls = rows.reduce((sum, r) => sum + r.count, 0);
    assert.equal(await kpi('Calls'), String(calls));
    const cost = rows.reduce((sum, r) => sum + r.cost_usd, 0);
    const shownCost = Number((await kpi('Cost')).replace(/[$,]/g, ''));
    assert.ok(cost > 0 && Math.abs(shownCost - cost) < 0.006, `cost shown ${shownCost}, metrics say ${cost}`);
    await page.waitForFunction(() => document.querySelectorAll('.grid-2 .uplot canvas').length >= 4);

    const models = [...new Set(rows.map((r) => r.group))].sort();
    const table = page.locator('section[aria-label="By model"] tbody tr td:first-child');
    assert.deepEqual((await table.allInnerTexts()).map((t) => t.trim()).sort(), models);
    await page.locator('section[aria-label="Top clusters"] tbody tr').first().waitFor();
    await saveScreenshot(page, 'overview');

    // Grouping by provider asks the API again and lives in the URL.
    const byProvider = page.waitForResponse((r) => new URL(r.url()).searchParams.get('group_by') === 'provider');
    await page.getByRole('button', { name: 'By provider' }).click();
    await page.waitForURL(/group_by=provider/);
    assert.equal((await byProvider).status(), 200);
    await page.locator('section[aria-label="By provider"]').waitFor();
    await closePage(page);
  });
});
