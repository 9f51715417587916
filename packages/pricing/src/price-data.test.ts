// Price refresh against a local HTTP server (never the internet). genai-prices' table is
// process-wide, which is why this lives in its own test file (own process).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { activePriceVersion, BUNDLED_PRICE_VERSION, startPriceRefresh, type PriceLog } from './price-data.ts';
import { priceUsage, type PricedUsage } from './price-usage.ts';

interface Reply {
  status: number;
  body: string;
  etag?: string;
}
let reply: Reply = { status: 500, body: '' };
const seenIfNoneMatch: Array<string | undefined> = [];
let server: Server;
let url: string;

before(async () => {
  server = createServer((req, res) => {
    const ifNoneMatch = req.headers['if-none-match'];
    seenIfNoneMatch.push(ifNoneMatch);
    if (reply.etag && ifNoneMatch === reply.etag) {
      res.writeHead(304).end();
      return;
    }
    res.writeHead(reply.status, { 'content-type': 'application/json', ...(reply.etag ? { etag: reply.etag } : {}) }).end(reply.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/data.json`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Provider data in genai-prices' format: one provider with gpt-4o at a price no real table has. */
const table = (inputMtok: number) =>
  JSON.stringify([
    {
      id: 'openai',
      name: 'OpenAI',
      api_pattern: 'https://api\\.openai\\.com',
      model_match: { starts_with: 'gpt-' },
      models: [{ id: 'gpt-4o', match: { starts_with: 'gpt-4o' }, prices: { input_mtok: inputMtok, output_mtok: 0 } }],
    },
  ]);

const gpt4oInputCost = () => {
  const r = priceUsage({ provider: 'openai', model: 'gpt-4o', input_tokens: 1_000_000 });
  return r.unpriced ? null : (r as PricedUsage).cost_usd;
};

function collectLog() {
  const lines: string[] = [];
  const log: PriceLog = (level, message) => lines.push(`${level}: ${message}`);
  return { lines, log };
}

test('refresh replaces the table, keeps the last good one on every kind of failure', async () => {
  assert.equal(gpt4oInputCost(), 2.5, 'bundled price first');
  assert.equal(activePriceVersion(), BUNDLED_PRICE_VERSION);

  const { lines, log } = collectLog();
  reply = { status: 200, body: table(7), etag: '"v1"' };
  const refresher = startPriceRefresh({ url, intervalMs: 3_600_000, log });
  try {
    assert.equal(await refresher.refresh(), true, 'the start-up fetch succeeds');
    assert.equal(gpt4oInputCost(), 7);
    assert.match(activePriceVersion(), /^remote:\d{4}-\d{2}-\d{2}T/);
    const refreshedVersion = activePriceVersion();
    const priced = priceUsage({ provider: 'openai', model: 'gpt-4o', input_tokens: 1 }) as PricedUsage;
    assert.equal(priced.pricing.version, refreshedVersion, 'spans record which table priced them');

    // Unchanged upstream: conditional request, 304, table kept.
    assert.equal(await refresher.refresh(), true);
    assert.equal(seenIfNoneMatch.at(-1), '"v1"');
    assert.equal(activePriceVersion(), refreshedVersion);

    const failures: Reply[] = [
      { status: 500, body: 'oops' },
      { status: 200, body: '{ not json' },
      { status: 200, body: '[]' },
      { status: 200, body: JSON.stringify([{ id: 'openai', name: 'OpenAI' }]) },
      { status: 200, body: JSON.stringify({ providers: [] }) },
      // Right shape, but genai-prices itself refuses it (malformed price constraint).
      {
        status: 200,
        body: JSON.stringify([
          { id: 'x', name: 'X', api_pattern: '', models: [{ id: 'm', match: { equals: 'm' }, prices: [{ constraint: { start_date: 'soon' }, prices: {} }] }] },
        ]),
      },
    ];
    for (const failure of failures) {
      reply = failure;
      assert.equal(await refresher.refresh(), false, `refresh fails on ${failure.status} ${failure.body}`);
      assert.equal(gpt4oInputCost(), 7, 'last good table kept');
      assert.equal(activePriceVersion(), refreshedVersion);
    }
    const warnings = lines.filter((l) => l.startsWith('warn:'));
    assert.equal(warnings.length, failures.length);
    assert.match(warnings[0], /refresh from http:\/\/127\.0\.0\.1:\d+\/data\.json failed, keeping remote:.*HTTP 500/);

    // A table genai-prices accepts but cannot compute with: that model becomes unpriced, nothing throws.
    reply = {
      status: 200,
      body: table(1).replace('"output_mtok":0', '"output_mtok":0,"cache_write_1h_mtok":2'),
    };
    assert.equal(await refresher.refresh(), true);
    const broken = priceUsage({ provider: 'openai', model: 'gpt-4o', input_tokens: 10 });
    assert.equal(broken.unpriced, true);
    assert.match(broken.unpriced ? broken.reason : '', /cannot price gpt-4o: .*cache_write_mtok/);

    reply = { status: 200, body: table(9) };
    assert.equal(await refresher.refresh(), true);
    assert.equal(gpt4oInputCost(), 9);
  } finally {
    refresher.stop();
  }
});

test('an unreachable URL or a slow server is a logged failure, not a crash', async () => {
  const { lines, log } = collectLog();
  const before = activePriceVersion();
  const closed = startPriceRefresh({ url: 'http://127.0.0.1:1/data.json', log });
  assert.equal(await closed.refresh(), false);
  closed.stop();

  const slow = createServer(() => {
    /* never answers */
  });
  await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
  const slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/`;
  const timedOut = startPriceRefresh({ url: slowUrl, timeoutMs: 200, log });
  assert.equal(await timedOut.refresh(), false);
  timedOut.stop();
  slow.closeAllConnections();
  await new Promise<void>((resolve) => slow.close(() => resolve()));

  assert.equal(lines.filter((l) => l.startsWith('warn:')).length, 2);
  assert.equal(activePriceVersion(), before);
});
