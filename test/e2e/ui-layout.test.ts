// The web UI's layout at a phone's width (390x844) and at 1280x800: no page scrolls
// sideways, the header's nav stays reachable, columns stack; and at 1280 the details the
// QA pass found (a root bar's duration over the span name, a thumbs button alone on a line,
// one-line stack traces, a 22k-character prompt shown in full) stay fixed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunningCollector } from '@spanhouse/collector';
import { apiClient } from '../support/api.ts';
import { assertNoIncidents, browserSkip, launchChromium, openPage, saveScreenshot, settledBox, type PageIncidents } from '../support/browser.ts';
import { startTestCollector, tempDataDir } from '../support/collector.ts';

const data = tempDataDir('ui-layout');
let collector: RunningCollector;
let browser: Browser;
const incidents: PageIncidents = { dialogs: [], pageErrors: [] };
const AGENT_TRACE = 'cd'.repeat(16);
let longTrace = '';

async function open(path: string, viewport: { width: number; height: number }): Promise<Page> {
  const { page } = await openPage(browser, collector.url, incidents, viewport);
  await page.goto(collector.url + path);
  return page;
}

/** An agent trace whose root fills the timeline, with a failed tool span carrying an exception. */
function agentTrace() {
  const start = BigInt(Date.now() - 60_000) * 1_000_000n;
  const at = (ms: number) => String(start + BigInt(ms) * 1_000_000n);
  const attrs = (o: Record<string, string | number>) =>
    Object.entries(o).map(([key, v]) => ({ key, value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v } }));
  const span = (spanId: string, parentSpanId: string, name: string, from: number, to: number, a: Record<string, string | number>, extra = {}) => ({
    traceId: AGENT_TRACE, spanId, parentSpanId, name, kind: 1, startTimeUnixNano: at(from), endTimeUnixNano: at(to), attributes: attrs(a), ...extra,
  });
  const stack = 'Traceback (most recent call last):\n  File "agent.py", line 42, in send_email\n    smtp.send(msg)\nConnectionError: smtp down';
  return {
    resourceSpans: [{
      resource: { attributes: attrs({ 'service.name': 'weather-svc' }) },
      scopeSpans: [{ scope: { name: 'qa' }, spans: [
        span('1111111111111111', '', 'invoke_agent weather', 0, 5000, { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'weather<agent>' }),
        span('2222222222222222', '1111111111111111', 'chat gpt-4o', 100, 1500, { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 300, 'gen_ai.usage.output_tokens': 40 }),
        span('4444444444444444', '1111111111111111', 'execute_tool send_email', 4500, 4900, { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'send_email' }, {
          status: { code: 2, message: 'smtp down' },
          events: [{ name: 'exception', timeUnixNano: at(4800), attributes: attrs({ 'exception.type': 'ConnectionError', 'exception.stacktrace': stack }) }],
        }),
      ] }],
    }],
  };
}

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

describe('web UI layout at 390 and 1280 px', { skip: browserSkip() }, () => {
  before(async () => {
    browser = await launchChromium();
    collector = await startTestCollector(data.dir);
    const api = apiClient(collector.url);
    assert.equal((await api('POST', '/api/demo')).status < 300, true);
    const long = await api('POST', '/api/traces', {
      model: 'gpt-4o', provider: 'openai', input: 'Lorem ipsum dolor sit amet. '.repeat(800), output: 'Short.', input_tokens: 10, output_tokens: 2, session_id: 'sess-long',
    });
    longTrace = long.body.trace_id;
    const otlp = await fetch(`${collector.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(agentTrace()) });
    assert.equal(otlp.status, 200);
  });
  after(async () => {
    await browser?.close();
    await collector?.close();
    data.remove();
    assertNoIncidents(incidents);
  });

  test('at 390 px no page scrolls sideways, and the whole nav can be reached', async () => {
    const paths = ['/', '/sessions', '/sessions/sess-long', '/users', '/generations', '/datasets', '/overview', '/playground', '/ingest-health', `/traces/${AGENT_TRACE}`];
    for (const path of paths) {
      const page = await open(path, PHONE);
      await page.locator('main').first().waitFor();
      await page.waitForLoadState('networkidle');
      const widths = await page.evaluate(() => ({
        doc: document.documentElement.scrollWidth,
        // the page's own box may scroll down, never sideways
        main: Math.max(...[...document.querySelectorAll('main')].map((m) => m.scrollWidth - m.clientWidth)),
      }));
      assert.ok(widths.doc <= PHONE.width, `${path}: the document is ${widths.doc} px wide`);
      assert.ok(widths.main <= 0, `${path}: the page scrolls ${widths.main} px sideways`);
      await saveScreenshot(page, `layout-390${path.replace(/[^a-z0-9]+/gi, '_')}`);
      if (path === '/') {
        // the nav scrolls inside itself: its last link is in it and can be scrolled to
        const last = page.locator('nav.nav a', { hasText: 'Ingest health' });
        await last.scrollIntoViewIfNeeded();
        const box = await settledBox(last);
        assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width, 'the last nav link scrolls into view');
      }
      await page.context().close();
    }
  });

  test('at 390 px the playground stacks its columns and the timeline ticks do not overlap', async () => {
    const page = await open('/playground', PHONE);
    const conversation = await settledBox(page.locator('section[aria-label=Conversation]'));
    const settings = await settledBox(page.locator('section[aria-label=Settings]'));
    assert.ok(conversation.width > 300, `the conversation is ${conversation.width} px wide`);
    assert.ok(settings.y >= conversation.y + conversation.height, 'settings come below the conversation');
    await page.goto(`${collector.url}/traces/${AGENT_TRACE}`);
    await page.locator('.tree-row').first().waitFor();
    const ticks = await page.locator('.timeline-head span:visible').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => [r.left, r.right]));
    assert.ok(ticks.length >= 2);
    for (let i = 1; i < ticks.length; i++) assert.ok(ticks[i][0] >= ticks[i - 1][1], `tick ${i} overlaps the one before: ${JSON.stringify(ticks)}`);
    const tree = await settledBox(page.locator('section[aria-label="Span tree"]'));
    assert.ok(tree.height >= 250, `the span tree gets ${tree.height} px`);
    await page.context().close();
  });

  test('at 1280 px: root duration clear of the name, actions on one line, stack traces on their lines', async () => {
    const page = await open(`/traces/${AGENT_TRACE}?span=4444444444444444`, DESKTOP);
    const root = page.locator('.tree-row').first();
    await root.waitFor();
    const name = await settledBox(root.locator('.span-hint, .span-name').last());
    const label = await settledBox(root.locator('.bar-label'));
    assert.ok(label.x >= name.x + name.width, `the root's duration (x ${label.x}) is drawn over its name (ends at ${name.x + name.width})`);
    const stack = page.locator('section[aria-label=Events] pre.stacktrace');
    await stack.waitFor();
    assert.match(await stack.innerText(), /most recent call last\):\n {2}File "agent.py"/, 'the stack trace keeps its line breaks');
    assert.equal(await page.locator('section[aria-label=Events]').getByText('\\n').count(), 0, 'no literal \\n');
    // an LLM span: every action, thumbs down included, on one line
    await page.goto(`${collector.url}/traces/${AGENT_TRACE}?span=2222222222222222`);
    const down = await settledBox(page.getByRole('button', { name: 'Thumbs down' }));
    const copy = await settledBox(page.getByRole('button', { name: 'Copy JSON' }));
    assert.ok(Math.abs(down.y - copy.y) < 4, 'the thumbs-down button is on the actions line');
    await saveScreenshot(page, 'layout-1280-span');
    // the explorer: Refresh stays on the filter line
    await page.goto(collector.url + '/');
    const refresh = await settledBox(page.getByRole('button', { name: 'Refresh' }));
    const search = await settledBox(page.locator('.filter-row .input.search'));
    assert.ok(Math.abs(refresh.y - search.y) < 8, 'Refresh is on the first filter line');
    await page.context().close();
  });

  test('a long prompt is folded with "Show all"; a cut preview ends in an ellipsis', async () => {
    const page = await open(`/traces/${longTrace}`, DESKTOP);
    const body = page.locator('.msg.user .msg-body').first();
    await body.waitFor();
    const folded = (await body.innerText()).length;
    assert.ok(folded < 2600, `the folded prompt shows ${folded} characters`);
    await body.getByRole('button', { name: /Show all/ }).click();
    assert.ok((await body.innerText()).length > 20_000, 'Show all shows the whole prompt');
    await page.goto(`${collector.url}/sessions/sess-long`);
    const turn = page.locator('.turn .msg.user .msg-body').first();
    await turn.waitFor();
    assert.match(await turn.innerText(), /…\s*Full text in the trace$/);
    await page.context().close();
  });
});
