// The playground in a real browser (Debian's Chromium via playwright-core) against a real
// collector whose gateway forwards to fake OpenAI- and Anthropic-compatible upstreams: open
// a generation span made through the gateway, "Open in playground", edit a turn, add and
// delete turns, switch the model, run, see the streamed answer beside the original with the
// comparison, run from an earlier turn, and save the pair to a dataset (checked through the API).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { Browser, Page } from 'playwright-core';
import type { RunningCollector } from '@spanhouse/collector';
import { DEFAULT_UI_DIR } from '../../collector/src/config.ts';
import { loadGatewaySettings } from '../../collector/src/gateway/settings.ts';
import { apiClient } from '../support/api.ts';
import { browserSkip, launchChromium, openPage, saveScreenshot, type PageIncidents } from '../support/browser.ts';
import { startTestCollector, tempDataDir } from '../support/collector.ts';
import { echo, FAKE_ANTHROPIC_KEY, FAKE_OPENAI_KEY, startFakeAnthropicUpstream, startFakeOpenAiUpstream, type FakeUpstream } from '../support/fake-upstreams.ts';

const data = tempDataDir('ui-playground');
let collector: RunningCollector;
let api: ReturnType<typeof apiClient>;
let browser: Browser;
let openaiUp: FakeUpstream;
let anthropicUp: FakeUpstream;
const incidents: PageIncidents = { dialogs: [], pageErrors: [] };
/** A prompt with markup: the page must show it as text. */
const HOSTILE = 'What is <img src=x onerror=alert(1)> in HTML?';
let source: { traceId: string; spanId: string };

describe('playground UI', { skip: browserSkip() }, () => {
  before(async () => {
    assert.ok(existsSync(`${DEFAULT_UI_DIR}/index.html`), 'the UI is built (npm run build -w @spanhouse/ui)');
    [openaiUp, anthropicUp] = await Promise.all([startFakeOpenAiUpstream(), startFakeAnthropicUpstream()]);
    const gateway = loadGatewaySettings(
      {
        // answers wait for their span: the page reads the run's trace right after
        durableResponses: true,
        providers: {
          fakeai: { baseUrl: openaiUp.baseUrl, apiKey: FAKE_OPENAI_KEY, providerName: 'openai' },
          fakeanthropic: { type: 'anthropic', baseUrl: anthropicUp.baseUrl, apiKey: FAKE_ANTHROPIC_KEY, providerName: 'anthropic' },
        },
        aliases: { smart: { targets: ['fakeanthropic/claude-sonnet-4'] } },
        defaultProvider: 'fakeai',
      },
      {},
    );
    browser = await launchChromium();
    collector = await startTestCollector(data.dir, { gateway });
    api = apiClient(collector.url);
    // the source call, made through the gateway like any app would: the OpenAI SDK needs some
    // api_key, and a keyless loopback collector takes a non-Spanhouse one as none
    const sdk = new OpenAI({ apiKey: 'sk-unused', baseURL: `${collector.url}/v1`, maxRetries: 0 });
    const { response } = await sdk.chat.completions
      .create({ model: 'gpt-4o-mini', temperature: 0.4, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: HOSTILE }] })
      .withResponse();
    const traceId = response.headers.get('x-spanhouse-trace-id')!;
    const trace = await api('GET', `/api/traces/${traceId}`);
    const call = trace.body.spans.find((s: any) => s.type === 'generation');
    source = { traceId, spanId: call.span_id };
  });

  after(async () => {
    await browser?.close();
    await collector?.close();
    await Promise.all([openaiUp?.close(), anthropicUp?.close()]);
    data.remove();
    assert.deepEqual(incidents.dialogs, [], 'no prompt text ever ran as script');
    assert.deepEqual(incidents.pageErrors, [], 'no uncaught errors in the page');
  });

  const turnText = (page: Page, i: number) => page.getByLabel(`Text of turn ${i}`, { exact: true });

  test('open a span in the playground, edit a turn, switch model, run, compare, save to a dataset', async () => {
    const { page, context } = await openPage(browser, collector.url, incidents);
    await page.goto(`${collector.url}/traces/${source.traceId}?span=${source.spanId}`);
    await page.getByTestId('span-detail').getByRole('link', { name: 'Open in playground' }).click();
    await page.waitForURL(/\/playground\?span=[0-9a-f]{16}/);
    await page.getByTestId('pg-turn').nth(1).waitFor();
    // the conversation, model and parameters of the original
    assert.equal(await turnText(page, 1).inputValue(), 'Be brief.');
    assert.equal(await turnText(page, 2).inputValue(), HOSTILE);
    assert.equal(await page.inputValue('input[name=model]'), 'gpt-4o-mini');
    assert.equal(await page.inputValue('input[name=temperature]'), '0.4');
    await page.getByTestId('pg-original').getByText(echo(HOSTILE)).waitFor();

    // add a turn, delete it again, edit the user turn, switch to a routing alias
    await page.getByRole('button', { name: '+ Add turn' }).click();
    assert.equal(await page.getByTestId('pg-turn').count(), 3);
    await page.getByRole('button', { name: 'Delete turn 3' }).click();
    assert.equal(await page.getByTestId('pg-turn').count(), 2);
    await turnText(page, 2).fill('Say it in Portuguese');
    await page.fill('input[name=model]', 'smart');
    await page.getByRole('button', { name: 'Run', exact: true }).click();

    await page.getByTestId('pg-run').getByText(echo('Say it in Portuguese')).waitFor();
    const compare = page.getByRole('table', { name: 'Comparison' });
    await compare.locator('tr[data-row=Model] td').nth(1).getByText('claude-sonnet-4 (via smart)').waitFor();
    assert.match(await compare.locator('tr[data-row=Model] td').nth(0).innerText(), /gpt-4o-mini/);
    assert.equal(await compare.locator('tr[data-row="Output tokens"] td').nth(1).innerText(), '11');
    assert.equal(await compare.locator('tr[data-row="Output tokens"] td').nth(0).innerText(), '9');
    assert.match(await compare.locator('tr[data-row=Cost] td').nth(1).innerText(), /\$/);
    // the upstream got the edited conversation with the original's temperature
    const sent = anthropicUp.requests.at(-1)!.body;
    assert.deepEqual([sent.system, sent.messages[0].content[0].text, sent.temperature], ['Be brief.', 'Say it in Portuguese', 0.4]);
    await saveScreenshot(page, 'playground');

    await page.getByLabel('Dataset name').fill('playground-pairs');
    await page.getByRole('button', { name: 'Save to dataset' }).click();
    await page.locator('.toast', { hasText: 'Saved to dataset' }).waitFor();
    const items = await api('GET', '/api/datasets/playground-pairs/items');
    assert.equal(items.status, 200, items.text);
    assert.equal(items.body.data.length, 1);
    const item = items.body.data[0];
    assert.equal(item.metadata.source_span_id, source.spanId);
    assert.equal(item.metadata.original_output, echo(HOSTILE));
    assert.match(JSON.stringify(item.output), /Say it in Portuguese/);

    // the run is its own span, tagged playground, linked to the source
    const runs = await api('GET', '/api/traces?tag=playground');
    assert.equal(runs.body.data.length, 1);
    const runTrace = await api('GET', `/api/traces/${runs.body.data[0].trace_id}`);
    const runSpan = runTrace.body.spans.find((s: any) => s.type === 'generation');
    assert.equal(runSpan.metadata['playground.source_span_id'], source.spanId);
    await context.close();
  });

  test('"run from here" replays the conversation up to that turn; the trace page opens its last generation', async () => {
    const { page, context } = await openPage(browser, collector.url, incidents);
    await page.goto(`${collector.url}/traces/${source.traceId}`);
    await page.getByRole('link', { name: 'Open in playground' }).first().click();
    await page.waitForURL(new RegExp(`/playground\\?span=${source.spanId}`));
    await page.getByTestId('pg-turn').nth(1).waitFor();
    await page.getByRole('button', { name: '+ Add turn' }).click();
    await turnText(page, 3).fill('this turn is not sent');
    await page.getByRole('button', { name: 'Run from here' }).nth(1).click();
    await page.getByTestId('pg-run').getByText(echo(HOSTILE)).waitFor();
    const sent = openaiUp.requests.at(-1)!.body;
    assert.deepEqual(sent.messages.map((m: any) => m.content), ['Be brief.', HOSTILE]);
    await context.close();
  });
});
