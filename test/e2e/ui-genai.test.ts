// The web UI for issue 13, in a real browser: an inline image of a prompt (stored apart
// from the span) shown in the chat view, OTel evaluation scores on the span, and the
// ingest-health page for spans a real OTel SDK exported.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { RunningCollector } from '@spanhouse/collector';
import { browserSkip, launchChromium, openPage, saveScreenshot, type PageIncidents } from '../support/browser.ts';
import { startTestCollector, tempDataDir } from '../support/collector.ts';
import { childSpan, otelTracer } from '../support/otel.ts';

/** A real 1×1 PNG, so the browser has something to decode. */
const PIXEL_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';

const data = tempDataDir('ui-genai');
let collector: RunningCollector;
let browser: Browser;
const incidents: PageIncidents = { dialogs: [], pageErrors: [] };
let traceId = '';
let spanId = '';

describe('UI: images in the chat view, ingest health', { skip: browserSkip() }, () => {
  before(async () => {
    collector = await startTestCollector(data.dir);
    browser = await launchChromium();
    const otel = otelTracer(collector.url, { serviceName: 'vision-ui' });
    const span = childSpan(otel.tracer, 'chat gpt-4o', undefined, {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.usage.input_tokens': 90,
      'gen_ai.usage.output_tokens': 5,
      'vendor.unknown.flag': 'on',
      'gen_ai.input.messages': JSON.stringify([
        { role: 'user', parts: [{ type: 'text', content: 'Which colour is this <b>pixel</b>?' }, { type: 'blob', modality: 'image', mime_type: 'image/png', content: PIXEL_PNG }] },
      ]),
      'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'reasoning', content: 'Looks reddish.' }, { type: 'text', content: 'Red.' }] }]),
    });
    span.addEvent('gen_ai.evaluation.result', { 'gen_ai.evaluation.name': 'correctness', 'gen_ai.evaluation.score.value': 1 });
    span.end();
    ({ traceId, spanId } = span.spanContext());
    await otel.flush();
    await otel.shutdown();
  });
  after(async () => {
    await browser?.close();
    await collector?.close();
    data.remove();
  });

  test('the chat view shows the prompt image, the reasoning and the otel score', async () => {
    const { page, context } = await openPage(browser, collector.url, incidents);
    await page.goto(`${collector.url}/traces/${traceId}?span=${spanId}`);
    const image = page.getByTestId('span-detail').locator('.msg[data-role=user] img.msg-image');
    await image.waitFor();
    await page.waitForFunction(() => {
      const img = document.querySelector('img.msg-image') as HTMLImageElement | null;
      return img !== null && img.complete && img.naturalWidth > 0;
    });
    assert.equal(await image.evaluate((img: HTMLImageElement) => img.naturalWidth), 1);
    assert.match((await image.getAttribute('alt')) ?? '', /image\/png/);
    // the prompt's markup stays text
    assert.equal(await page.locator('.msg[data-role=user] .msg-body b').count(), 0);
    assert.match(await page.locator('.msg[data-role=user] .msg-body').innerText(), /<b>pixel<\/b>/);
    assert.match(await page.locator('.msg[data-role=assistant] details.part-reasoning').innerText(), /reasoning/);
    assert.match(await page.getByTestId('span-detail').innerText(), /correctness\s+1\s+otel/);
    await saveScreenshot(page, 'chat-image');
    await context.close();
  });

  test('the ingest-health page: spans per dialect, conventions, unmapped keys', async () => {
    const { page, context } = await openPage(browser, collector.url, incidents);
    await page.goto(`${collector.url}/`);
    await page.getByRole('link', { name: 'Ingest health' }).click();
    await page.waitForURL(/\/ingest-health$/);
    const table = page.getByRole('region', { name: 'Spans per dialect' });
    await table.locator('tbody tr').first().waitFor();
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    assert.deepEqual(rows[0].slice(0, 3), ['otel-genai', '1', '1']);
    assert.match(await page.getByRole('region', { name: 'Conventions' }).innerText(), /current \(2026\): 1/);
    assert.match(await page.getByRole('region', { name: 'Top unmapped attributes' }).innerText(), /vendor\.unknown\.flag/);
    assert.equal(await page.locator('.notice').count(), 0, 'no error notice');
    await saveScreenshot(page, 'ingest-health');
    await context.close();
    assert.deepEqual(incidents, { dialogs: [], pageErrors: [] });
  });
});
