// The web UI's writes and the views QA found misleading, in a real browser against a
// collector with keys: a dataset item saved unedited is stored unchanged (roles, tool call
// ids); an admin key viewing another tenant writes there (dataset, feedback), nothing in its
// own; thumbs show
// the stored feedback and the new score at once; Generations drops a selection the view no
// longer shows; the grouped views load the range their select shows; the playground checks
// its settings before sending; a bad filter is one error; Overview cards ignore grouping.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunningCollector } from '@spanhouse/collector';
import { DEFAULT_UI_DIR } from '../../collector/src/config.ts';
import { apiClient, iso } from '../support/api.ts';
import { browserSkip, launchChromium, openPage, saveScreenshot, type PageIncidents } from '../support/browser.ts';
import { startTestCollector, tempDataDir } from '../support/collector.ts';

const data = tempDataDir('ui-writes');
let collector: RunningCollector;
let browser: Browser;
const incidents: PageIncidents = { dialogs: [], pageErrors: [] };
const keys = { relayAdmin: '', admin: '', acme: '' };
/** acme's LLM calls: one per test that writes to a span. */
const spans: Record<'tenant' | 'down' | 'up' | 'other', { trace_id: string; span_id: string }> = {} as never;
let acme: ReturnType<typeof apiClient>;

/** A page whose browser holds `key` (as after signing in) and, for admins, a chosen tenant. */
async function pageWithKey(key: string, path: string, tenant?: string): Promise<Page> {
  const { page, context } = await openPage(browser, collector.url, incidents);
  await context.addInitScript(([k, t]) => {
    localStorage.setItem('spanhouse.apiKey', k!);
    if (t) localStorage.setItem('spanhouse.tenant', t);
  }, [key, tenant ?? ''] as const);
  await page.goto(collector.url + path);
  return page;
}

describe('web UI writes and honest views', { skip: browserSkip() }, () => {
  before(async () => {
    assert.ok(existsSync(`${DEFAULT_UI_DIR}/index.html`), 'the UI is built (npm run build -w @spanhouse/ui)');
    collector = await startTestCollector(data.dir);
    // the first key is made without one; then keys are on
    keys.relayAdmin = (await apiClient(collector.url)('POST', '/api/admin/keys', { tenant: 'ops', admin: true, trusted_relay: true })).body.key;
    const admin = apiClient(collector.url, keys.relayAdmin);
    keys.admin = (await admin('POST', '/api/admin/keys', { tenant: 'ops', admin: true })).body.key;
    keys.acme = (await admin('POST', '/api/admin/keys', { tenant: 'acme' })).body.key;
    assert.ok(keys.relayAdmin && keys.admin && keys.acme);
    acme = apiClient(collector.url, keys.acme);
    const now = Date.now();
    for (const [i, name] of (['tenant', 'down', 'up', 'other'] as const).entries()) {
      const answer = await acme('POST', '/api/traces', { name: `acme ${name}`, model: 'gpt-4o-mini', input: `question ${name}`, output: `answer ${name}`, latency_ms: 100 * (i + 1), start_time: iso(now - (i + 1) * 60_000) });
      assert.equal(answer.status, 201, answer.text);
      spans[name] = answer.body;
    }
    // three models of two providers with far apart latencies: grouping by model or by provider
    // would give different averages of group percentiles
    for (const [model, latency_ms] of [['gpt-4o', 5000], ['claude-3-5-haiku', 50]] as const) {
      assert.equal((await acme('POST', '/api/traces', { name: `acme ${model}`, model, input: 'q', output: 'a', latency_ms, start_time: iso(now - 30_000) })).status, 201);
    }
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await collector?.close();
    data.remove();
    assert.deepEqual(incidents.dialogs, []);
    assert.deepEqual(incidents.pageErrors, [], 'no uncaught errors in the page');
  });

  test('a dataset item saved without edits is unchanged: a system input and a tool output keep role and tool_call_id', async () => {
    const input = [{ role: 'system', content: 'system only' }];
    const output = [{ role: 'tool', content: 'tool said', tool_call_id: 'c1' }];
    assert.equal((await acme('POST', '/api/datasets/qa-set/items', { id: 'item-1', input, output, metadata: { reviewed: 'yes' } })).status, 201);
    const before = (await acme('GET', '/api/datasets/qa-set/items')).body.data[0];
    const page = await pageWithKey(keys.acme, '/datasets/qa-set');
    const card = page.locator('.item-card[data-item-id="item-1"]');
    await card.getByRole('button', { name: 'Edit' }).click();
    await card.getByRole('button', { name: 'Save' }).click();
    await page.locator('.toast', { hasText: 'Item saved' }).waitFor();
    const after = (await acme('GET', '/api/datasets/qa-set/items')).body.data[0];
    assert.deepEqual({ input: after.input, output: after.output, metadata: after.metadata }, { input: before.input, output: before.output, metadata: before.metadata });
    assert.deepEqual(after.input, input);
    assert.deepEqual(after.output, output);

    // editing the text keeps the role and the id
    await card.getByRole('button', { name: 'Edit' }).click();
    const box = card.locator('textarea[aria-label=Output]');
    await box.fill((await box.inputValue()).replace('tool said', 'tool says'));
    await card.getByRole('button', { name: 'Save' }).click();
    await card.locator('.msg-body', { hasText: 'tool says' }).waitFor();
    assert.deepEqual((await acme('GET', '/api/datasets/qa-set/items')).body.data[0].output, [{ role: 'tool', content: 'tool says', tool_call_id: 'c1' }]);
    await page.context().close();
  });

  test('an admin viewing tenant acme adds a span to a dataset and gives feedback there, relay or not', async () => {
    const spanPath = `/traces/${spans.tenant.trace_id}?span=${spans.tenant.span_id}`;
    const page = await pageWithKey(keys.relayAdmin, spanPath, 'acme');
    const detail = page.getByTestId('span-detail');
    await detail.getByRole('button', { name: '+ Dataset' }).click();
    await page.locator('#dataset-name').fill('acme-admin');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.locator('.toast', { hasText: 'Added to dataset “acme-admin”' }).waitFor();
    await detail.getByRole('button', { name: 'Thumbs up' }).click();
    await page.locator('.toast', { hasText: 'thumbs up recorded' }).waitFor();
    await saveScreenshot(page, 'admin-acme-writes');
    await page.context().close();

    const items = (await acme('GET', '/api/datasets/acme-admin/items')).body.data;
    assert.deepEqual(items.map((i: { source_span_id: string }) => i.source_span_id), [spans.tenant.span_id], 'the item is in acme');
    const span = (await acme('GET', `/api/spans/${spans.tenant.span_id}`)).body;
    assert.ok(span.scores.some((s: { name: string; value: unknown }) => s.name === 'feedback' && s.value === true), JSON.stringify(span.scores));
    const own = (await apiClient(collector.url, keys.relayAdmin)('GET', '/api/datasets')).body.data;
    assert.deepEqual(own, [], 'nothing was written to the admin key’s own tenant');

    // an admin key that is no relay writes there too
    const plain = await pageWithKey(keys.admin, `/traces/${spans.other.trace_id}?span=${spans.other.span_id}`, 'acme');
    await plain.getByTestId('span-detail').getByRole('button', { name: 'Thumbs up' }).click();
    await plain.locator('.toast', { hasText: 'thumbs up recorded' }).waitFor();
    await plain.context().close();
    const other = (await acme('GET', `/api/spans/${spans.other.span_id}`)).body;
    assert.ok(other.scores.some((s: { name: string; value: unknown }) => s.name === 'feedback' && s.value === true), JSON.stringify(other.scores));
  });

  test("the trace page shows the trace's own scores in its header", async () => {
    const traceId = spans.up.trace_id;
    const scored = await acme('POST', `/api/traces/${traceId}/scores`, { name: 'resolved', value: true, comment: 'closed by the agent' });
    assert.equal(scored.status, 201, scored.text);
    const page = await pageWithKey(keys.acme, `/traces/${traceId}`);
    const chips = page.getByTestId('trace-scores');
    await chips.waitFor();
    assert.match(await chips.innerText(), /resolved\s*true/);
    await page.context().close();
  });

  test('thumbs show the stored feedback; a click shows the new score at once and stays pressed after a reload', async () => {
    assert.equal((await acme('POST', `/api/spans/${spans.down.span_id}/events`, { kind: 'feedback', data: { value: 'down' } })).status, 201);
    const page = await pageWithKey(keys.acme, `/traces/${spans.down.trace_id}?span=${spans.down.span_id}`);
    const detail = page.getByTestId('span-detail');
    await page.waitForFunction(() => document.querySelector('[aria-label="Thumbs down"]')?.getAttribute('aria-pressed') === 'true');
    assert.equal(await detail.getByRole('button', { name: 'Thumbs up' }).getAttribute('aria-pressed'), 'false');

    await page.goto(`${collector.url}/traces/${spans.up.trace_id}?span=${spans.up.span_id}`);
    await detail.locator('h2', { hasText: 'acme up' }).waitFor();
    assert.equal(await detail.locator('section[aria-label=Scores]').count(), 0);
    await detail.getByRole('button', { name: 'Thumbs up' }).click();
    await detail.locator('section[aria-label=Scores] tr', { hasText: 'feedback' }).waitFor();
    assert.match(await detail.locator('section[aria-label=Scores]').innerText(), /feedback\s+true/);
    await page.reload();
    await page.waitForFunction(() => document.querySelector('[aria-label="Thumbs up"]')?.getAttribute('aria-pressed') === 'true');
    await page.context().close();
  });

  test('generations: a new search clears the selection, so "Add to dataset" never adds rows no longer shown', async () => {
    const page = await pageWithKey(keys.acme, '/generations?range=all&q=down');
    await page.locator(`tr[data-span-id="${spans.down.span_id}"] input[type=checkbox]`).check();
    await page.getByText('1 selected').waitFor();
    await page.getByLabel('Search').fill('other');
    await page.getByLabel('Search').press('Enter');
    await page.locator(`tr[data-span-id="${spans.other.span_id}"]`).waitFor();
    await page.getByText('0 selected').waitFor();
    await page.getByLabel('Dataset for the selected generations').fill('hidden');
    assert.equal(await page.getByRole('button', { name: 'Add to dataset' }).isDisabled(), true);
    await page.context().close();
  });

  test('sessions, users and generations load the range their select shows; Traces presets work there too', async () => {
    for (const path of ['/sessions', '/users', '/generations']) {
      const page = await pageWithKey(keys.acme, `${path}?range=bogus`);
      await page.waitForURL((url) => url.searchParams.get('range') === '7d');
      assert.equal(await page.getByLabel('Time range').inputValue(), '7d');
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`${collector.url}${path}?range=all`);
      assert.equal(await page.getByLabel('Time range').inputValue(), 'all');
      await page.waitForFunction(() => document.querySelector('[aria-label="Time range"]') !== null);
      await page.waitForLoadState('networkidle');
      assert.ok(requests.some((u) => u.includes('/api/') && u.includes('since=1970-01-01T00%3A00%3A00.000Z')), `${path}: all time reads from 1970: ${requests.join(' ')}`);
      await page.context().close();
    }
  });

  test('playground: an empty model or a temperature out of 0–2 is refused before sending, and the run slot is not left waiting', async () => {
    const page = await pageWithKey(keys.acme, '/playground');
    const runs: string[] = [];
    page.on('request', (r) => r.url().includes('/api/playground/runs') && runs.push(r.url()));
    await page.getByLabel('Text of turn 1').fill('hello');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.locator('.notice.error', { hasText: 'Give a model or routing alias' }).waitFor();
    await page.locator('input[name=model]').fill('gpt-4o-mini');
    await page.locator('input[name=temperature]').fill('5');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.locator('.notice.error', { hasText: 'Temperature must be a number from 0 to 2' }).waitFor();
    assert.deepEqual(runs, []);
    assert.doesNotMatch(await page.getByTestId('pg-run').innerText(), /Waiting/);
    await page.context().close();
  });

  test('a bad filter is one error, with no chart and no "0 traces" beside it; a negative duration becomes 0', async () => {
    for (const query of ['min_latency_ms=-5', 'sort=bogus', 'since=2026-12-02T03:00:00Z&until=2020-01-01T00:00:00Z']) {
      const page = await pageWithKey(keys.acme, `/?${query}`);
      await page.locator('.notice.error').first().waitFor();
      await page.waitForLoadState('networkidle');
      assert.equal(await page.locator('.notice.error').count(), 1, query);
      assert.equal(await page.getByLabel('Trace count').count(), 0, query);
      assert.equal(await page.getByText('No traces match').count(), 0, query);
      await page.context().close();
    }
    const page = await pageWithKey(keys.acme, '/?range=all');
    await page.locator('.trace-row').first().waitFor();
    await page.getByRole('button', { name: /More filters/ }).click();
    await page.locator('#f-dmin').fill('-5');
    await page.locator('#f-dmin').press('Enter');
    await page.waitForURL((url) => url.searchParams.get('min_latency_ms') === '0');
    assert.equal(await page.locator('#f-dmin').inputValue(), '0');
    await page.context().close();
  });

  test('overview cards are the same by model and by provider', async () => {
    const cards = async (path: string) => {
      const page = await pageWithKey(keys.acme, path);
      await page.locator('.kpi[data-kpi="Latency p90"]').waitFor();
      await page.waitForLoadState('networkidle');
      const text = await page.locator('.kpis').innerText();
      await page.context().close();
      return text;
    };
    const byModel = await cards('/overview?range=7d');
    assert.match(byModel, /Latency p90/i);
    assert.equal(await cards('/overview?range=7d&group_by=provider'), byModel);
  });
});
