// The web UI's daily-use views in a real browser (Debian's Chromium via playwright-core)
// against a real collector holding the demo traces: the first view's range and legend,
// the trace list's sort, count, prefix search, autocomplete and scores, the sessions,
// users, generations and datasets pages, search and keyboard in a large trace, the agent
// graph, the span detail at 1280×720, running spans and prices. Screenshots land in
// test-output/screenshots/.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunningCollector } from '@spanhouse/collector';
import { buildDemoTraces } from '../../collector/src/demo/sample-traces.ts';
import { DEFAULT_UI_DIR } from '../../collector/src/config.ts';
import { apiClient, iso } from '../support/api.ts';
import { browserSkip, launchChromium, openPage as openBrowserPage, saveScreenshot, settledBox, type PageIncidents } from '../support/browser.ts';
import { startTestCollector, tempDataDir } from '../support/collector.ts';

const data = tempDataDir('ui-daily');
let collector: RunningCollector;
let api: ReturnType<typeof apiClient>;
let browser: Browser;
const incidents: PageIncidents = { dialogs: [], pageErrors: [] };

async function openPage(path: string, viewport?: { width: number; height: number }): Promise<Page> {
  const { page } = await openBrowserPage(browser, collector.url, incidents, viewport);
  await page.goto(collector.url + path);
  return page;
}
const closePage = (page: Page) => page.context().close();
const rowIds = (page: Page, selector: string, attribute: string) => page.locator(selector).evaluateAll((rows, a) => rows.map((r) => r.getAttribute(a) ?? ''), attribute);

interface TraceItem { trace_id: string; name: string; start_time: string; session_id: string; user_id: string; span_count: number }
const apiTraces = async (query: string) => (await api<{ data: TraceItem[] }>('GET', `/api/traces?limit=100&${query}`)).body.data;

/** Waits until the rows with `attribute` are exactly `ids`, in order. */
async function waitForOrder(page: Page, selector: string, attribute: string, ids: string[]): Promise<void> {
  await page.waitForFunction(
    ([sel, attr, want]) => [...document.querySelectorAll(sel)].map((r) => r.getAttribute(attr)).join(',') === want,
    [selector, attribute, ids.join(',')] as const,
  );
}

describe('web UI for daily use', { skip: browserSkip() }, () => {
  let cheapSpanId = '';
  let runningTraceId = '';
  before(async () => {
    assert.ok(existsSync(`${DEFAULT_UI_DIR}/index.html`), 'the UI is built (npm run build -w @spanhouse/ui)');
    browser = await launchChromium();
    collector = await startTestCollector(data.dir);
    api = apiClient(collector.url);
    assert.equal((await api('POST', '/v1/traces', buildDemoTraces(Date.now()))).status, 200);
    // a tiny price, and a span still running
    const cheap = await api('POST', '/api/traces', { name: 'tiny-call', model: 'gpt-4o-mini', input: 'ping', output: 'pong', cost_usd: 0.0000105, input_tokens: 7, output_tokens: 1, latency_ms: 90, start_time: iso(Date.now() - 60_000) });
    assert.equal(cheap.status, 201, cheap.text);
    cheapSpanId = cheap.body.span_id;
    const root = await api('POST', '/api/spans', { name: 'long job', type: 'agent', start_time: iso(Date.now() - 120_000), end_time: iso(Date.now() - 30_000) });
    const open = await api('POST', '/api/spans', { name: 'still going', type: 'tool', trace_id: root.body.trace_id, parent_span_id: root.body.span_id, start_time: iso(Date.now() - 100_000) });
    assert.equal(open.status, 201, open.text);
    runningTraceId = root.body.trace_id;
  });
  after(async () => {
    await browser?.close();
    await collector?.close();
    data.remove();
    assert.deepEqual(incidents.dialogs, [], 'no prompt text ever ran as script');
    assert.deepEqual(incidents.pageErrors, [], 'no uncaught errors in the page');
  });

  test('first run: the range comes from the data (24 h when recent), hourly buckets, legend values without hovering', async () => {
    const page = await openPage('/');
    await page.locator('.trace-row').first().waitFor();
    assert.equal(await page.locator('select[aria-label="Time range"]').inputValue(), '24h');
    const dayAgo = Date.now() - 86_400_000 - 60_000;
    const starts = await page.locator('.trace-row .time').evaluateAll((cells) => cells.map((c) => c.getAttribute('title') ?? ''));
    const all = await apiTraces('');
    const shown = await rowIds(page, '.trace-row', 'data-trace-id');
    assert.ok(shown.length > 0 && shown.length < all.length, `the last day of two (${shown.length} of ${all.length})`);
    for (const id of shown) assert.ok(Date.parse(all.find((t) => t.trace_id === id)!.start_time) >= dayAgo, 'every row is from the last 24 hours');
    assert.ok(starts.length > 0);
    assert.match(await page.locator('.chart-panel .panel-head').innerText(), /per hour/);
    await page.locator('.chart-panel .u-legend').waitFor();
    const values = await page.locator('.chart-panel .u-legend .u-series:not(:first-child) .u-value').allInnerTexts();
    assert.ok(values.some((v) => /\$\d|\d+ ms|\d s/.test(v)), `legend shows values before any hover: ${values.join(' | ')}`);
    await saveScreenshot(page, 'first-run');
    await closePage(page);
  });

  test('trace list: sortable columns through the API, "n of total", scroll to top on a new sort', async () => {
    const page = await openPage('/?range=all');
    await page.locator('.trace-row').first().waitFor();
    const all = await apiTraces('');
    await page.locator('.list-count', { hasText: `of ${all.length} traces` }).waitFor();
    await page.locator('.list-scroll').evaluate((el) => (el.scrollTop = 400));
    await page.locator('.list-head .sort-head[data-sort=cost]').click();
    await page.waitForURL((u) => u.searchParams.get('sort') === 'cost');
    await waitForOrder(page, '.trace-row', 'data-trace-id', (await apiTraces('sort=cost')).map((t) => t.trace_id));
    assert.equal(await page.locator('.list-scroll').evaluate((el) => el.scrollTop), 0, 'a new order starts at the top');
    await page.locator('.list-head .sort-head[data-sort=cost]').click();
    await page.waitForURL((u) => u.searchParams.get('order') === 'asc');
    await waitForOrder(page, '.trace-row', 'data-trace-id', (await apiTraces('sort=cost&order=asc')).map((t) => t.trace_id));
    await page.locator('.list-head .sort-head[data-sort=tokens]').click();
    await waitForOrder(page, '.trace-row', 'data-trace-id', (await apiTraces('sort=tokens')).map((t) => t.trace_id));
    await page.locator('.list-head .sort-head[data-sort=latency]').click();
    await waitForOrder(page, '.trace-row', 'data-trace-id', (await apiTraces('sort=latency')).map((t) => t.trace_id));
    await saveScreenshot(page, 'traces-sorted');
    await closePage(page);
  });

  test('trace list: word-prefix search, model autocomplete and substring, scores column and score filter', async () => {
    const page = await openPage('/?range=all');
    await page.locator('.trace-row').first().waitFor();
    // `postgre` is no whole word of any trace: it finds PostgreSQL
    await page.fill('input[aria-label=Search]', 'postgre');
    await page.press('input[aria-label=Search]', 'Enter');
    const postgres = (await apiTraces('q=postgre')).map((t) => t.trace_id);
    assert.ok(postgres.length >= 1, 'the API finds the prefix');
    await waitForOrder(page, '.trace-row', 'data-trace-id', postgres);
    assert.match(await page.locator('.trace-row').first().innerText(), /PostgreSQL|postgres/i);
    await page.fill('input[aria-label=Search]', '');
    await page.press('input[aria-label=Search]', 'Enter');

    const models = await page.locator('#sh-models option').evaluateAll((options) => options.map((o) => o.getAttribute('value')));
    const known = (await api<{ data: string[] }>('GET', '/api/values?field=model')).body.data;
    assert.ok(known.length > 3 && known.every((m) => models.includes(m)), `autocomplete offers the known models: ${models.join(', ')}`);
    await page.fill('input[aria-label=Model]', 'sonnet');
    await page.press('input[aria-label=Model]', 'Enter');
    await page.waitForURL((u) => u.searchParams.get('model_contains') === 'sonnet');
    await waitForOrder(page, '.trace-row', 'data-trace-id', (await apiTraces('model_contains=sonnet')).map((t) => t.trace_id));
    await page.fill('input[aria-label=Model]', '');
    await page.press('input[aria-label=Model]', 'Enter');

    const [scored] = await apiTraces('');
    assert.equal((await api('POST', `/api/traces/${scored.trace_id}/scores`, { name: 'helpfulness', value: 0.875 })).status, 201);
    await page.goto(`${collector.url}/?range=all&score_name=helpfulness&min_score=0.5`);
    await waitForOrder(page, '.trace-row', 'data-trace-id', [scored.trace_id]);
    assert.match(await page.locator('.trace-row .scores').first().innerText(), /helpfulness\s+0\.875/);
    await page.goto(`${collector.url}/?range=all&score_name=helpfulness&min_score=0.9`);
    await page.locator('.notice', { hasText: 'No traces match' }).waitFor();
    await closePage(page);
  });

  test('sessions: one row per session, opened as a conversation across its traces; users list', async () => {
    const page = await openPage('/sessions');
    await page.locator('tr[data-session-id]').first().waitFor();
    const expected = (await api<{ data: { session_id: string; trace_count: number }[] }>('GET', '/api/sessions')).body.data;
    assert.deepEqual(await rowIds(page, 'tr[data-session-id]', 'data-session-id'), expected.map((s) => s.session_id));
    const multi = expected.find((s) => s.trace_count >= 2)!;
    assert.ok(multi, 'the demo has a session with several traces');
    await saveScreenshot(page, 'sessions');
    await page.locator('.sort-head[data-sort=traces]').click();
    await page.waitForURL((u) => u.searchParams.get('sort') === 'traces');
    const byTraces = (await api<{ data: { session_id: string }[] }>('GET', '/api/sessions?sort=traces')).body.data.map((s) => s.session_id);
    await waitForOrder(page, 'tr[data-session-id]', 'data-session-id', byTraces);

    await page.locator(`tr[data-session-id="${multi.session_id}"] a`).first().click();
    await page.waitForURL(/\/sessions\/sess_/);
    await page.locator('.turn').first().waitFor();
    const traces = await apiTraces(`session_id=${multi.session_id}&sort=time&order=asc`);
    assert.deepEqual(await rowIds(page, '.turn', 'data-trace-id'), traces.map((t) => t.trace_id), 'turns oldest first');
    assert.equal(await page.locator('.turn .msg[data-role=user]').count(), traces.length);
    await saveScreenshot(page, 'session');

    await page.goto(`${collector.url}/users`);
    await page.locator('tr[data-user-id]').first().waitFor();
    const users = (await api<{ data: { user_id: string }[] }>('GET', '/api/users')).body.data.map((u) => u.user_id);
    assert.deepEqual(await rowIds(page, 'tr[data-user-id]', 'data-user-id'), users);
    await saveScreenshot(page, 'users');
    await closePage(page);
  });

  test('generations: every LLM call, sortable, prices without float noise, bulk add to a dataset', async () => {
    const page = await openPage('/generations');
    await page.locator('tr[data-span-id]').first().waitFor();
    const newest = (await api<{ data: { span_id: string }[] }>('GET', `/api/spans?type=generation&limit=50&since=${encodeURIComponent(iso(Date.now() - 7 * 86_400_000))}`)).body.data;
    await waitForOrder(page, 'tr[data-span-id]', 'data-span-id', newest.map((s) => s.span_id));
    assert.match(await page.locator(`tr[data-span-id="${cheapSpanId}"]`).innerText(), /\$0\.0000105/);
    await page.locator('.sort-head[data-sort=tokens]').click();
    const byTokens = (await api<{ data: { span_id: string }[] }>('GET', `/api/spans?type=generation&limit=50&sort=tokens&since=${encodeURIComponent(iso(Date.now() - 7 * 86_400_000))}`)).body.data;
    await waitForOrder(page, 'tr[data-span-id]', 'data-span-id', byTokens.map((s) => s.span_id));
    const picked = byTokens.slice(0, 2).map((s) => s.span_id);
    for (const id of picked) await page.locator(`tr[data-span-id="${id}"] input[type=checkbox]`).check();
    await page.fill('input[aria-label="Dataset for the selected generations"]', 'golden');
    await page.getByRole('button', { name: 'Add to dataset' }).click();
    await page.locator('.toast', { hasText: 'Added 2 to dataset “golden”' }).waitFor();
    const items = await api<{ data: { source_span_id: string }[] }>('GET', '/api/datasets/golden/items');
    assert.deepEqual(items.body.data.map((i) => i.source_span_id).sort(), [...picked].sort());
    await saveScreenshot(page, 'generations');
    await closePage(page);
  });

  test('datasets: items with input, output and source link; edit, delete and export JSONL', async () => {
    const [first] = (await api<{ data: { span_id: string }[] }>('GET', '/api/spans?type=generation&limit=2')).body.data;
    const second = (await api<{ data: { span_id: string }[] }>('GET', '/api/spans?type=generation&limit=2')).body.data[1];
    for (const s of [first, second]) assert.equal((await api('POST', '/api/datasets/review/items', { span_id: s.span_id })).status, 201);
    const page = await openPage('/datasets');
    await page.locator('.dataset-link[data-dataset=review]').click();
    await page.locator('.item-card').first().waitFor();
    assert.equal(await page.locator('.item-card').count(), 2);
    assert.ok((await page.locator('.item-card a', { hasText: 'source span' }).count()) === 2);
    await saveScreenshot(page, 'datasets');

    const card = page.locator(`.item-card[data-item-id="${first.span_id}"]`);
    await card.getByRole('button', { name: 'Edit' }).click();
    await card.locator('textarea[aria-label=Output]').fill('The <b>expected</b> answer');
    await card.getByRole('button', { name: 'Save' }).click();
    await page.locator('.toast', { hasText: 'Item saved' }).waitFor();
    const edited = await api<{ data: { id: string; output: { content: string }[] }[] }>('GET', '/api/datasets/review/items');
    assert.equal(edited.body.data.find((i) => i.id === first.span_id)!.output[0].content, 'The <b>expected</b> answer');
    await page.locator(`.item-card[data-item-id="${first.span_id}"] .msg-body`, { hasText: 'The <b>expected</b> answer' }).waitFor();

    const doomed = page.locator(`.item-card[data-item-id="${second.span_id}"]`);
    await doomed.getByRole('button', { name: 'Delete' }).click();
    await doomed.getByRole('button', { name: 'Confirm delete' }).click();
    await page.locator('.toast', { hasText: 'Item deleted' }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('.item-card').length === 1);
    const left = await api<{ data: { id: string }[] }>('GET', '/api/datasets/review/items');
    assert.deepEqual(left.body.data.map((i) => i.id), [first.span_id]);

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export JSONL' }).click();
    const file = await download;
    assert.equal(file.suggestedFilename(), 'review.jsonl');
    const text = await new Promise<string>((resolve, reject) => {
      void file.createReadStream().then((stream) => {
        let out = '';
        stream.on('data', (c) => (out += c));
        stream.on('end', () => resolve(out));
        stream.on('error', reject);
      });
    });
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 1);
    assert.equal(lines[0].output[0].content, 'The <b>expected</b> answer');
    await closePage(page);
  });

  test('trace view: search and filter a large trace, jump to the slowest and costliest span, keyboard', async () => {
    const big = (await apiTraces('')).sort((a, b) => b.span_count - a.span_count)[0];
    const detail = await api<{ spans: { span_id: string; parent_span_id: string; name: string; tool_name: string | null; type: string; status: string; start_time: string; end_time: string; cost_usd: number | null }[] }>('GET', `/api/traces/${big.trace_id}`);
    const spans = detail.body.spans;
    assert.ok(spans.length > 200, `a large trace (${spans.length} spans)`);
    const page = await openPage(`/traces/${big.trace_id}`);
    await page.locator('[role=treeitem]').first().waitFor();
    const tools = spans.filter((s) => s.type === 'tool');
    await page.selectOption('select[aria-label="Span type"]', 'tool');
    await page.locator('[aria-label=Matches]', { hasText: new RegExp(`^${tools.length} matches$`) }).waitFor();
    await page.fill('input[aria-label="Find in trace"]', 'run_linter');
    const linters = spans.filter((s) => s.name.includes('run_linter') || s.tool_name === 'run_linter');
    assert.ok(linters.length > 0);
    await page.locator('[aria-label=Matches]', { hasText: new RegExp(`^${linters.length} match(es)?$`) }).waitFor();
    const keep = new Set<string>();
    const byId = new Map(spans.map((s) => [s.span_id, s]));
    for (const match of linters) for (let s = byId.get(match.span_id); s && !keep.has(s.span_id); s = byId.get(s.parent_span_id)) keep.add(s.span_id);
    const shown = await rowIds(page, '[role=treeitem]', 'data-span-id');
    assert.ok(shown.length >= Math.min(keep.size, 20), `rows shown: ${shown.length}`);
    assert.deepEqual(shown.filter((id) => !keep.has(id)).map((id) => byId.get(id)), [], 'only matches and their ancestors');
    await saveScreenshot(page, 'trace-search');
    await page.fill('input[aria-label="Find in trace"]', '');
    await page.selectOption('select[aria-label="Span type"]', '');

    const dur = (s: (typeof spans)[number]) => Date.parse(s.end_time) - Date.parse(s.start_time);
    const slowest = spans.filter((s) => s.parent_span_id !== '').sort((a, b) => dur(b) - dur(a))[0];
    await page.getByRole('button', { name: 'Slowest' }).click();
    await page.waitForURL((u) => u.searchParams.get('span') === slowest.span_id);
    const costliest = [...spans].filter((s) => (s.cost_usd ?? 0) > 0).sort((a, b) => (b.cost_usd ?? 0) - (a.cost_usd ?? 0))[0];
    await page.getByRole('button', { name: 'Most expensive' }).click();
    await page.waitForURL((u) => u.searchParams.get('span') === costliest.span_id);

    // keyboard: down moves the selection, Escape closes the detail, Enter opens it
    await page.locator('[role=treeitem][aria-selected=true]').click();
    const before = new URL(page.url()).searchParams.get('span');
    await page.keyboard.press('ArrowDown');
    await page.waitForURL((u) => u.searchParams.get('span') !== before);
    await page.keyboard.press('ArrowUp');
    await page.waitForURL((u) => u.searchParams.get('span') === before);
    await page.keyboard.press('Escape');
    await page.getByTestId('span-detail').waitFor({ state: 'detached' });
    await page.keyboard.press('Enter');
    await page.getByTestId('span-detail').waitFor();
    await closePage(page);
  });

  test('agent graph: agents, tools and models as nodes, calls as edges; a node opens its span', async () => {
    const agent = (await apiTraces('')).find((t) => t.name.startsWith('invoke_agent'))!;
    const page = await openPage(`/traces/${agent.trace_id}`);
    await page.getByRole('button', { name: 'Agent graph' }).click();
    await page.locator('.graph-node').first().waitFor();
    const nodes = await rowIds(page, '.graph-node', 'data-node');
    assert.ok(nodes.some((n) => n.startsWith('agent:')) && nodes.some((n) => n.startsWith('tool:')) && nodes.some((n) => n.startsWith('model:')), nodes.join(', '));
    assert.ok((await page.locator('.graph-edge').count()) >= 2);
    await page.locator('.graph-node[data-node^="tool:"]').first().click();
    await page.getByTestId('span-detail').locator('h2').waitFor();
    await saveScreenshot(page, 'agent-graph');
    await closePage(page);
  });

  test('span detail at 1280×720: the chat is above the fold, tool arguments as formatted JSON', async () => {
    const agent = (await apiTraces('')).find((t) => t.name.startsWith('invoke_agent'))!;
    const trace = await api<{ spans: { span_id: string; type: string; name: string }[] }>('GET', `/api/traces/${agent.trace_id}`);
    const llm = trace.body.spans.find((s) => s.type === 'generation')!;
    const page = await openPage(`/traces/${agent.trace_id}?span=${llm.span_id}`, { width: 1280, height: 720 });
    // The detail first shows the list's preview, then swaps in the chat once the
    // full span arrives; wait for the chat (only it marks roles) so the element
    // measured is not the preview being replaced.
    const firstMessage = page.getByTestId('span-detail').locator('.msg[data-role]').first();
    await firstMessage.waitFor();
    const box = await settledBox(firstMessage);
    assert.ok(box.y + 20 < 720, `the first message starts within the window (y=${box.y})`);
    const overview = page.getByTestId('span-detail').locator('details[aria-label=Overview]');
    assert.equal(await overview.getAttribute('open'), null, 'metadata rows are folded');
    const call = page.getByTestId('span-detail').locator('.tool-call pre').first();
    if ((await call.count()) > 0) assert.match(await call.innerText(), /^\{\n {2}"/, 'arguments are indented JSON');
    await saveScreenshot(page, 'span-detail-1280');
    await closePage(page);
  });

  test('running spans show as running, and model chips are never cut mid-word', async () => {
    const page = await openPage(`/traces/${runningTraceId}`);
    const bar = page.locator('[role=treeitem]', { hasText: 'still going' }).locator('.bar-label');
    assert.match(await bar.innerText(), /^running /);
    const width = await page.locator('[role=treeitem]', { hasText: 'still going' }).locator('.bar').evaluate((b) => b.getBoundingClientRect().width);
    assert.ok(width > 20, `the running bar reaches the trace's end (${width}px)`);
    await page.goto(`${collector.url}/?range=all`);
    await page.locator('.trace-row').first().waitFor();
    const clipped = await page.locator('.trace-row .chip.model').evaluateAll((chips) => chips.filter((c) => c.scrollWidth > c.clientWidth + 1).length);
    assert.equal(clipped, 0, 'no model chip is cut');
    await closePage(page);
  });

  // last: its traces would change the other tests' pages
  test('a shared session lists its users; summed costs say which calls had no price', async () => {
    const people = { session_id: 'sess_shared', start_time: iso(Date.now() - 50_000), end_time: iso(Date.now() - 40_000) };
    const usage = { type: 'generation', input_tokens: 1000, output_tokens: 100, start_time: iso(Date.now() - 49_000), end_time: iso(Date.now() - 45_000) };
    const root = await api('POST', '/api/spans', { ...people, name: 'shared agent', type: 'agent', user_id: 'ann' });
    assert.equal(root.status, 201, root.text);
    const child = { ...usage, trace_id: root.body.trace_id, parent_span_id: root.body.span_id, session_id: 'sess_shared', user_id: 'ann' };
    for (const call of [{ ...child, name: 'priced', model: 'gpt-4o', cost_usd: 0.25 }, { ...child, name: 'unpriced', model: 'acme-private-llm-7', provider: 'acme' }]) {
      const res = await api('POST', '/api/spans', call);
      assert.equal(res.status, 201, res.text);
    }
    const zed = await api('POST', '/api/traces', { ...people, name: 'zed asks', user_id: 'zed', model: 'acme-private-llm-7', provider: 'acme', input_tokens: 500, output_tokens: 50, input: 'hi', output: 'hello' });
    assert.equal(zed.status, 201, zed.text);

    const page = await openPage('/sessions?search=sess_shared');
    const row = page.locator('tr[data-session-id="sess_shared"]');
    await row.waitFor();
    assert.deepEqual(await row.locator('.session-users a').allInnerTexts(), ['ann', 'zed']);
    const cost = row.locator('td').nth(7).locator('span');
    assert.equal(await cost.innerText(), '$0.250 + 2 unpriced');
    assert.equal(await cost.getAttribute('title'), '2 calls with no price for their model: not in this cost');
    await row.locator('.session-users a', { hasText: 'zed' }).click();
    await page.waitForURL((u) => u.searchParams.get('user_id') === 'zed');
    await waitForOrder(page, 'tr[data-session-id]', 'data-session-id', ['sess_shared']);

    await page.goto(`${collector.url}/users?search=zed`);
    const user = page.locator('tr[data-user-id="zed"]');
    await user.waitFor();
    assert.equal(await user.locator('td').nth(5).innerText(), '—', "nothing of zed's was priced: unknown, not $0");

    await page.goto(`${collector.url}/sessions/sess_shared`);
    await page.locator('.turn').nth(1).waitFor();
    assert.deepEqual(await page.locator('.title-line .chip a').allInnerTexts(), ['ann', 'zed']);
    assert.match(await page.locator('.title-line .muted').innerText(), /2 traces · \$0\.250 \+ 2 unpriced/);
    await saveScreenshot(page, 'session-shared');

    await page.goto(`${collector.url}/?range=all&session_id=sess_shared`);
    const partial = page.locator(`.trace-row[data-trace-id="${root.body.trace_id}"] .cell.num`).last();
    await partial.waitFor();
    assert.equal(await partial.innerText(), '$0.250+', 'at least $0.25');
    assert.match((await partial.getAttribute('title')) ?? '', /^1 call with no price/);

    // the Overview keeps the known sum and says what it leaves out; the per-call average is over priced calls
    await page.goto(`${collector.url}/overview`);
    const card = page.locator('[data-kpi=Cost] .sub');
    await page.waitForFunction(() => /unpriced/.test(document.querySelector('[data-kpi=Cost] .sub')?.textContent ?? ''));
    assert.match(await card.innerText(), /^\+ 2 unpriced calls · \$[\d.]+ per priced call$/);
    await closePage(page);
  });
});
