// Enrichment through the real path: a real OTel exporter sends GenAI spans to a collector
// with embedded ClickHouse; cost, privacy, retention and clusters are checked through the
// REST API and, for privacy, in the bytes of the ClickHouse data directory itself.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { calcPrice } from '@pydantic/genai-prices';
import type { Attributes } from '@opentelemetry/api';
import { loadEnrichmentSettings, type CollectorConfig, type RunningCollector } from '@spanhouse/collector';
import { getJson, startTestCollector, tempDataDir } from '../support/collector.ts';
import { childSpan, otelTracer } from '../support/otel.ts';

const data = tempDataDir('enrich');
let collector: RunningCollector;

async function restart(settings: Parameters<typeof loadEnrichmentSettings>[0] = {}, extra: Partial<CollectorConfig> = {}) {
  await collector?.close();
  collector = await startTestCollector(data.dir, { enrichment: loadEnrichmentSettings(settings, {}), ...extra });
}

before(async () => {
  await restart();
  // Store every column uncompressed, so a byte search of the data directory is meaningful:
  // the point is to prove what reaches storage, whatever the codec.
  for (const table of ['spans', 'traces', 'span_logs', 'clusters']) {
    const columns = await collector.store.client.query({
      query: "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = {t:String} AND NOT is_in_primary_key AND default_kind != 'ALIAS'",
      query_params: { t: table },
      format: 'JSONEachRow',
    });
    for (const { name } of await columns.json<{ name: string }>()) {
      await collector.store.client.command({ query: `ALTER TABLE ${table} MODIFY COLUMN \`${name}\` CODEC(NONE)` });
    }
  }
});
after(async () => {
  await collector?.close();
  data.remove();
});

/** Sends one chat span (with optional parent agent span) and returns its ids once stored. */
async function sendChat(attributes: Attributes, options: { startMs?: number; headers?: Record<string, string> } = {}) {
  const otel = otelTracer(collector.url, { serviceName: 'enrich-app', headers: options.headers });
  const start = options.startMs ?? Date.now() - 2_000;
  const span = childSpan(otel.tracer, 'chat', undefined, { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', ...attributes }, start);
  span.end(start + 800);
  await otel.flush();
  await otel.shutdown();
  return { traceId: span.spanContext().traceId, spanId: span.spanContext().spanId };
}

const prompt = (text: string) => JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: text }] }]);
const answer = (text: string) => JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: text }] }]);

async function span(spanId: string) {
  const res = await getJson(`${collector.url}/api/spans/${spanId}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

/** Every file under the data directory that contains `needle` (as UTF-8 bytes). */
function filesContaining(needle: string): string[] {
  const bytes = Buffer.from(needle, 'utf8');
  const hits: string[] = [];
  // Background merges create and remove temporary part directories while we walk: a file
  // that is gone by the time we read it was a copy of data that is still elsewhere.
  const gone = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (error) {
      if (gone(error)) return;
      throw error;
    }
    for (const name of names) {
      const path = join(dir, name);
      try {
        const stat = statSync(path);
        if (stat.isDirectory()) walk(path);
        else if (stat.isFile() && readFileSync(path).includes(bytes)) hits.push(path);
      } catch (error) {
        if (!gone(error)) throw error;
      }
    }
  };
  walk(data.dir);
  return hits;
}

describe('cost', () => {
  test('computed cost matches genai-prices, including cached tokens; the trace sums it', async () => {
    const { traceId, spanId } = await sendChat({
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.usage.input_tokens': 12_000,
      'gen_ai.usage.cache_read.input_tokens': 8_000,
      'gen_ai.usage.output_tokens': 900,
    });
    const expected = calcPrice({ input_tokens: 12_000, cache_read_tokens: 8_000, output_tokens: 900 }, 'gpt-4o', { providerId: 'openai' });
    assert.ok(expected);
    const s = await span(spanId);
    assert.equal(s.cost_source, 'computed');
    assert.ok(Math.abs(s.cost_usd - expected.total_price) < 1e-9, `${s.cost_usd} vs ${expected.total_price}`);
    assert.equal(s.pricing.provider, 'openai');
    assert.equal(s.pricing.source, 'genai-prices');
    assert.ok(s.cost_details.cache_read > 0);
    const t = await getJson(`${collector.url}/api/traces/${traceId}`);
    assert.ok(Math.abs(t.body.trace.cost_usd - expected.total_price) < 1e-9);
  });

  test('a client-supplied cost wins; unknown models are unpriced, not $0', async () => {
    const client = await sendChat({ 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 10, 'gen_ai.usage.cost': 0.5 });
    const c = await span(client.spanId);
    assert.equal(c.cost_usd, 0.5);
    assert.equal(c.cost_source, 'client');
    const unknown = await sendChat({ 'gen_ai.request.model': 'acme-private-llm-7', 'gen_ai.provider.name': 'acme', 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 10 });
    const u = await span(unknown.spanId);
    assert.equal(u.cost_usd, null);
    assert.equal(u.unpriced, true);
  });

  test('an override price applies, and recompute re-prices stored spans (the trace follows)', async () => {
    const tokens = { 'gen_ai.usage.input_tokens': 1_000_000, 'gen_ai.usage.output_tokens': 1_000_000 };
    await restart({ prices: { prices: [{ provider: 'acme', model: 'acme-llm', input_mtok: 2, output_mtok: 6 }] } });
    const sent = await sendChat({ 'gen_ai.request.model': 'acme-llm', 'gen_ai.provider.name': 'acme', ...tokens });
    const priced = await span(sent.spanId);
    assert.equal(priced.cost_usd, 8);
    assert.equal(priced.pricing.source, 'override');
    // prices go down; a recompute over the window rewrites the span and its trace total
    await restart({ prices: { prices: [{ provider: 'acme', model: 'acme-llm', input_mtok: 1, output_mtok: 1 }] } });
    const res = await fetch(`${collector.url}/api/costs/recompute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ since: new Date(Date.now() - 3_600_000).toISOString() }),
    });
    assert.equal(res.status, 200);
    assert.ok((await res.json()).spans_updated >= 1);
    assert.equal((await span(sent.spanId)).cost_usd, 2);
    const t = await getJson(`${collector.url}/api/traces/${sent.traceId}`);
    assert.equal(t.body.trace.cost_usd, 2);
    assert.equal(t.body.trace.span_count, 1);
    await restart();
  });
});

describe('privacy', () => {
  test('the byte search finds stored prompt text (control)', async () => {
    const marker = 'QuokkaMarkerControl7731';
    const { spanId } = await sendChat({ 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.input.messages': prompt(`tell me about ${marker}`) });
    assert.match((await span(spanId)).input_text, new RegExp(marker));
    assert.ok(filesContaining(marker).length > 0, 'the control marker must be found on disk');
  });

  test('SPANHOUSE_TRACE_CONTENT=false: no prompt text anywhere in the data directory', async () => {
    await restart({ content: false });
    const marker = 'QuokkaMarkerSecret4419';
    const { spanId } = await sendChat({
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 33,
      'gen_ai.input.messages': prompt(`my secret is ${marker}`),
      'gen_ai.output.messages': answer(`noted: ${marker}`),
      'gen_ai.tool.call.arguments': `{"q":"${marker}"}`,
      'llm.input_messages.0.message.content': marker,
      'traceloop.entity.input': marker,
      'ai.prompt': marker,
    });
    const s = await span(spanId);
    assert.equal(s.input_text, '');
    assert.deepEqual(s.input_messages, []);
    assert.equal(s.input_tokens, 33, 'metrics stay');
    assert.ok(s.cost_usd > 0, 'cost stays');
    assert.equal(JSON.stringify(s).includes(marker), false);
    assert.deepEqual(filesContaining(marker), []);
    await restart();
  });

  test('SPANHOUSE_TRACE_REDACT=true: PII never reaches disk, placeholders do', async () => {
    await restart({ redact: true });
    const email = 'jane.quokka@example.org';
    const card = '4111 1111 1111 1111';
    const { spanId } = await sendChat({
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.input.messages': prompt(`Email ${email} the receipt for card ${card}, call +1 415 555 2671`),
      'app.customer_note': `reach me at ${email}`,
    });
    const s = await span(spanId);
    assert.match(s.input_text, /\[REDACTED_EMAIL\]/);
    assert.match(s.input_text, /\[REDACTED_CARD\]/);
    assert.match(s.input_text, /\[REDACTED_PHONE\]/);
    assert.match(s.input_text, /the receipt for card/, 'ordinary text stays');
    assert.equal(s.span_attributes['app.customer_note'], 'reach me at [REDACTED_EMAIL]');
    assert.deepEqual(filesContaining(email), []);
    assert.deepEqual(filesContaining('4111 1111 1111 1111'), []);
    await restart();
  });
});

describe('retention', () => {
  test('TTLs are in the table definitions', async () => {
    const res = await collector.store.client.query({ query: 'SHOW CREATE TABLE spans', format: 'TabSeparatedRaw' });
    const ddl = await res.text();
    assert.match(ddl, /TTL toDateTime\(start_time\) \+ toIntervalDay\(retention_days\)/);
    assert.match(ddl, /input_messages` String( CODEC\(\w+\))? TTL toDateTime\(start_time\) \+ toIntervalDay\(if\(content_retention_days = 0, retention_days, content_retention_days\)\)/);
  });

  test('spans past their retention are gone after a merge; content retention drops text but keeps metrics', async () => {
    await restart({ retentionDays: 60, contentRetentionDays: 7 });
    const day = 86_400_000;
    const aging = await sendChat({ 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.input.messages': prompt('forty days old') }, { startMs: Date.now() - 40 * day });
    const middle = await sendChat(
      { 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 77, 'gen_ai.input.messages': prompt('ten days old') },
      { startMs: Date.now() - 10 * day },
    );
    const fresh = await sendChat({ 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.input.messages': prompt('brand new') });
    assert.equal((await span(aging.spanId)).retention_days, 60, 'kept while within its 60 days');
    // The tenant's limit drops to 30 days: the 40-day-old span is now past it.
    await collector.store.client.command({
      query: 'ALTER TABLE spans UPDATE retention_days = 30 WHERE span_id = {id:String}',
      query_params: { id: aging.spanId },
      clickhouse_settings: { mutations_sync: '2' },
    });
    await collector.store.client.command({ query: 'OPTIMIZE TABLE spans FINAL' });
    assert.equal((await getJson(`${collector.url}/api/spans/${aging.spanId}`)).status, 404);
    const m = await span(middle.spanId);
    assert.equal(m.input_text, '', 'text past its 7 days is gone');
    assert.deepEqual(m.input_messages, []);
    assert.equal(m.input_tokens, 77, 'metrics stay');
    assert.equal((await span(fresh.spanId)).input_text, 'brand new');
    // a span already past the limit when it arrives is not kept at all
    const ancient = await sendChat({ 'gen_ai.request.model': 'gpt-4o-mini' }, { startMs: Date.now() - 90 * day });
    await collector.store.client.command({ query: 'OPTIMIZE TABLE spans FINAL' });
    assert.equal((await getJson(`${collector.url}/api/spans/${ancient.spanId}`)).status, 404);
    await restart();
  });
});

describe('routing alias and clusters', () => {
  test('the routing alias comes from the span attribute or the request header', async () => {
    const byAttribute = await sendChat({ 'gen_ai.request.model': 'gpt-4o-mini', 'spanhouse.routing_alias': 'cheap-tier' });
    assert.equal((await span(byAttribute.spanId)).routing_alias, 'cheap-tier');
    const byHeader = await sendChat({ 'gen_ai.request.model': 'gpt-4o-mini' }, { headers: { 'x-spanhouse-routing-alias': 'fast-lane' } });
    assert.equal((await span(byHeader.spanId)).routing_alias, 'fast-lane');
    const direct = await sendChat({ 'gen_ai.request.model': 'gpt-4o-mini' });
    assert.equal((await span(direct.spanId)).routing_alias, '');
  });

  test('same prompts share a cluster, different topics do not, and clusters survive a restart', async () => {
    const topics = {
      sql: ['Write a SQL query that finds duplicate customer emails in the users table', 'How do I write a SQL query to find duplicate emails in my users table?'],
      travel: ['Plan a three day trip itinerary to Kyoto with temples and food markets', 'Suggest a 3-day Kyoto itinerary with temples and food markets'],
    };
    const clusterOf = async (text: string) => (await span((await sendChat({ 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.input.messages': prompt(text) })).spanId)).cluster_id;
    const sqlA = await clusterOf(topics.sql[0]);
    const travelA = await clusterOf(topics.travel[0]);
    assert.ok(sqlA && travelA);
    assert.notEqual(sqlA, travelA);
    assert.equal(await clusterOf(topics.sql[0]), sqlA, 'the same prompt lands in the same cluster');
    assert.equal(await clusterOf(topics.travel[1]), travelA, 'a paraphrase joins its topic');
    await restart();
    assert.equal(await clusterOf(topics.sql[0]), sqlA, 'centroids persisted across the restart');
    const list = await getJson(`${collector.url}/api/clusters`);
    assert.equal(list.status, 200);
    const sql = list.body.data.find((c: any) => c.cluster_id === sqlA);
    assert.ok(sql, JSON.stringify(list.body));
    assert.ok(sql.size >= 3, `the SQL cluster holds the three SQL prompts (size ${sql.size})`);
    assert.match(sql.label, /sql|duplic|email/i);
    // in a time window: the spans that started in it; clusters with none are left out
    const iso = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
    const lastHour = await getJson(`${collector.url}/api/clusters?since=${iso(Date.now() - 3_600_000)}`);
    const windowed = lastHour.body.data.find((c: any) => c.cluster_id === sqlA);
    assert.deepEqual([windowed.size, windowed.unpriced_count, windowed.label], [sql.size, 0, sql.label]);
    const dayAgo = (await getJson(`${collector.url}/api/clusters?until=${iso(Date.now() - 86_400_000)}`)).body.data;
    assert.equal(dayAgo.some((c: any) => c.cluster_id === sqlA), false, 'none of its spans had started a day ago');
    assert.ok(dayAgo.every((c: any) => c.size > 0));
    const backwards = await getJson(`${collector.url}/api/clusters?since=${iso(Date.now())}&until=${iso(Date.now() - 1000)}`);
    assert.equal(backwards.status, 400);
    assert.match(backwards.body.error.message, /until must be after since/);
    const recluster = await fetch(`${collector.url}/api/clusters/recluster`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ since: new Date(Date.now() - 3_600_000).toISOString() }),
    });
    assert.equal(recluster.status, 200);
    assert.ok((await recluster.json()).spans_updated >= 5);
    // the rewritten spans count once, as their newest versions
    const total = (data: any[]) => data.reduce((n, c) => n + c.size, 0);
    assert.equal(total((await getJson(`${collector.url}/api/clusters?since=${iso(Date.now() - 3_600_000)}`)).body.data), total(lastHour.body.data));
  });
});
