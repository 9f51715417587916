// Span pages newest first filtered on the hourly rollup's columns (model, status, …) start
// where the rollup counts a page, instead of reading back through every hour. These tests
// prove the pages are the same as a plain read's: through every cursor, with a window, and
// when the rollup counts more than the spans hold (it then reads on past its bound). The last
// two prove a page's rows, read by key, are each span's newest version, with the values a
// trace read gives, for every field and for a few.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mapSpan, type OtlpSpan } from '@spanhouse/model';
import { newestHoursBound } from './metrics.ts';
import { queryRows } from './query.ts';
import { ScoreStore } from './scores.ts';
import { SearchStore, type SpanSearch } from './search.ts';
import { SpanStore } from './span-store.ts';
import { testStorage, type TestStorage } from '../../../test/support/storage.ts';

const HOUR_US = 3_600_000_000;
/** The top of an hour six hours ago: the spans fill six whole hours from there. */
const T0 = Math.floor((Date.now() * 1000 - 6 * HOUR_US) / HOUR_US) * HOUR_US;

let storage: TestStorage;
let store: SpanStore;
let search: SearchStore;
/** Every span stored: ids, start (µs), model, and whether it failed. */
const stored: Array<{ traceId: string; spanId: string; start: number; model: string; error: boolean }> = [];

before(async () => {
  storage = await testStorage('span-pages');
  store = await SpanStore.open(storage.options);
  search = new SearchStore(store.client, new ScoreStore(store.client));
  const spans = [];
  // 6 hours × 20 spans; every 7th span is an error, every 3rd uses model-b: the pair is rare
  for (let i = 0; i < 120; i++) {
    const traceId = (i + 1).toString(16).padStart(32, '0');
    const spanId = (i + 1).toString(16).padStart(16, '0');
    const start = T0 + Math.floor(i / 20) * HOUR_US + (i % 20) * 60_000_000;
    const model = i % 3 === 0 ? 'model-b' : 'model-a';
    const error = i % 7 === 0;
    stored.push({ traceId, spanId, start, model, error });
    const span: OtlpSpan = {
      traceId, spanId, parentSpanId: '', name: 'chat', kind: 3, startTimeUs: start, endTimeUs: start + 1_000_000,
      attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': model, 'gen_ai.provider.name': 'openai' },
      events: [], links: [], status: { code: error ? 2 : 1, message: error ? 'boom' : '' },
    };
    spans.push(mapSpan({ span, resource: { 'service.name': 'pages' }, scope: { name: 'pages', version: '' }, tenantId: 'default' }));
  }
  await store.insertSpans(spans);
});
after(async () => {
  await store.close();
  await storage.remove();
});

/** Every page of a newest-first span list, following cursors: the span ids in order (and each row's metadata, into `metadata`). */
async function allPages(filter: Partial<SpanSearch>, limit: number, from = search, metadata = new Map<string, Record<string, string>>()): Promise<string[]> {
  const ids: string[] = [];
  let cursor: SpanSearch['cursor'];
  for (let pages = 0; pages < 200; pages++) {
    const page = await from.listSpans({ tenantId: 'default', sort: 'time', order: 'desc', limit, cursor, ...filter });
    ids.push(...page.data.map((s) => s.span_id));
    for (const s of page.data) metadata.set(s.span_id, s.metadata ?? {});
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return ids;
}

const expected = (keep: (s: (typeof stored)[number]) => boolean) =>
  stored
    .filter(keep)
    .sort((a, b) => b.start - a.start)
    .map((s) => s.spanId);

/** The rollup bound's start (µs; 0 for the epoch), as ClickHouse computes it. */
async function boundOf(filter: Parameters<typeof newestHoursBound>[0], count: number, endUs?: number): Promise<number> {
  const bound = newestHoursBound(filter, count, endUs, 'b')!;
  const [row] = await queryRows<{ s: string }>(store.client, { query: `SELECT toUnixTimestamp(${bound.sql}) AS s`, query_params: bound.params });
  return Number(row.s) * 1_000_000;
}

/** Makes the rollup claim 49 more model-b errors in its newest such hour, moved `hoursLater`. */
async function claimModelBErrors(hoursLater: number): Promise<void> {
  await store.client.command({
    query: `INSERT INTO span_metrics (tenant_id, hour, type, model, provider, service_name, routing_alias, status, retention_days, spans, errors)
            SELECT tenant_id, hour + toIntervalHour({later:UInt8}), type, model, provider, service_name, routing_alias, status, retention_days, 49, 49 FROM span_metrics
            WHERE tenant_id = 'default' AND model = 'model-b' AND status = 'error' ORDER BY hour DESC LIMIT 1`,
    query_params: { later: hoursLater },
  });
}

test('the rollup bound starts at the latest hour from which it counts the page', async () => {
  // model-b errors: spans 0, 21, 42, 63, 84, 105 (one in each hour); 3 of them from the 4th hour on
  assert.equal(await boundOf({ tenantId: 'default', model: 'model-b', status: 'error' }, 3), T0 + 3 * HOUR_US);
  // before a cursor in the last hour, that hour is not counted (it is only partly before it)
  assert.equal(await boundOf({ tenantId: 'default', model: 'model-b', status: 'error' }, 3, T0 + 5 * HOUR_US + 1), T0 + 2 * HOUR_US);
  // it counts back a week at most: from 8 days after the spans, no bound (the epoch)
  assert.equal(await boundOf({ tenantId: 'default', model: 'model-b', status: 'error' }, 1, T0 + 8 * 24 * HOUR_US), 0);
  assert.equal(await boundOf({ tenantId: 'default', model: 'model-b', status: 'error' }, 1, T0 + 6 * 24 * HOUR_US), T0 + 5 * HOUR_US);
  // more than the rollup counts: no bound (the epoch)
  assert.equal(await boundOf({ tenantId: 'default', model: 'model-b', status: 'error' }, 7), 0);
  // another tenant's spans are not counted
  assert.equal(await boundOf({ tenantId: 'other', model: 'model-b', status: 'error' }, 1), 0);
  // filters the rollup cannot answer, or none but a window: no bound at all
  assert.equal(newestHoursBound({ tenantId: 'default', model: 'model-b', userId: 'u' }, 3, undefined, 'b'), null);
  assert.equal(newestHoursBound({ tenantId: 'default', since: new Date() }, 3, undefined, 'b'), null);
});

test('pages filtered on the rollup columns are those of a plain read, through every cursor', async () => {
  const cases: Array<[Partial<SpanSearch>, (s: (typeof stored)[number]) => boolean]> = [
    [{ model: 'model-b', status: 'error' }, (s) => s.model === 'model-b' && s.error],
    [{ status: 'error' }, (s) => s.error],
    [{ model: 'model-a' }, (s) => s.model === 'model-a'],
    [{ provider: 'openai', type: 'generation' }, () => true],
    [{ model: 'none' }, () => false],
  ];
  for (const [filter, keep] of cases) {
    for (const limit of [1, 2, 5, 50]) {
      assert.deepEqual(await allPages(filter, limit), expected(keep), `${JSON.stringify(filter)} limit ${limit}`);
    }
  }
  // within a window that starts and ends inside hours
  const since = new Date((T0 + 1.5 * HOUR_US) / 1000);
  const until = new Date((T0 + 4.5 * HOUR_US) / 1000);
  const inWindow = (s: (typeof stored)[number]) => s.start >= since.getTime() * 1000 && s.start <= until.getTime() * 1000;
  assert.deepEqual(await allPages({ status: 'error', since, until }, 2), expected((s) => s.error && inWindow(s)));
});

test('when the rollup counts more than the spans hold, the page reads on past its bound', async () => {
  // the rollup claims 50 model-b errors in the last hour, which holds one
  await claimModelBErrors(0);
  assert.equal(await boundOf({ tenantId: 'default', model: 'model-b', status: 'error' }, 4), T0 + 5 * HOUR_US, 'the rollup now bounds a page of 3 at the last hour');
  assert.deepEqual(await allPages({ model: 'model-b', status: 'error' }, 3), expected((s) => s.model === 'model-b' && s.error));
  // and it claims 49 in the hour after the last span, which holds none: the bounded read finds nothing
  await claimModelBErrors(1);
  assert.deepEqual(await allPages({ model: 'model-b', status: 'error' }, 3), expected((s) => s.model === 'model-b' && s.error));
});

test('a revised span is listed once, as its newest version, whether or not its versions fit the by-key read', async () => {
  // three versions of every 10th span, unmerged: the original and two revisions
  const revised = stored.filter((_, i) => i % 10 === 0).map((s) => s.spanId);
  for (const round of ['1', '2']) {
    const current = await store.newestSpans('default', { spanIds: revised });
    assert.equal(current.length, revised.length);
    await store.writeRevisions(current.map((previous) => ({ span: { ...previous.span, metadata: { ...previous.span.metadata, revision: round } }, previous })));
  }
  // the read returns every version of a page's spans; capped at 2 rows, it falls back to one row per span
  for (const from of [search, new SearchStore(store.client, new ScoreStore(store.client), undefined, 2)]) {
    for (const [filter, keep] of [[{}, () => true], [{ model: 'model-a' }, (s: (typeof stored)[number]) => s.model === 'model-a']] as const) {
      for (const limit of [3, 50]) {
        const metadata = new Map<string, Record<string, string>>();
        assert.deepEqual(await allPages(filter, limit, from, metadata), expected(keep), `${JSON.stringify(filter)} limit ${limit}`);
        for (const [spanId, values] of metadata) assert.equal(values.revision, revised.includes(spanId) ? '2' : undefined, `span ${spanId}`);
      }
    }
  }
});

test('a page\'s rows, read by key, are the spans as a trace read gives them, with every field and with a few', async () => {
  // give a third of the spans values in every column a page shows, as a revision (unmerged)
  const picked = stored.filter((_, i) => i % 3 === 1).map((s) => s.spanId);
  const current = await store.newestSpans('default', { spanIds: picked });
  await store.writeRevisions(
    current.map((previous, i) => ({
      span: { ...previous.span, cost_usd: 0.001 * (i + 1), cost_source: 'client' as const, user_id: `user-${i % 4}`, session_id: `session-${i % 5}`, tags: ['page', `t${i % 3}`], cluster_id: `c${i % 2}`, input_text: `question ${i}`, output_text: `answer ${i}`, metadata: { ...previous.span.metadata, customer: `acme-${i}` } },
      previous,
    })),
  );
  const fieldsets = [undefined, new Set(['model', 'cost_usd', 'user_id', 'tags', 'input_preview', 'end_time', 'kind'])];
  for (const fields of fieldsets) {
    for (const query of [{ sort: 'time' }, { sort: 'cost' }, { sort: 'time', status: 'error' }, { sort: 'cost', model: 'model-b' }] as const) {
      const page = await search.listSpans({ tenantId: 'default', order: 'desc', limit: 40, fields, ...query });
      assert.ok(page.data.length > 10, JSON.stringify(query));
      for (const row of page.data) {
        const trace = await store.getTrace('default', row.trace_id, false);
        const record = trace!.spans.find((s) => s.span_id === row.span_id)!;
        const { running: _r, scores: _s, ...listed } = row as typeof row & { running?: boolean; scores?: unknown };
        const expectedRow = fields ? Object.fromEntries(Object.entries(record).filter(([k]) => fields.has(k) || ['tenant_id', 'trace_id', 'span_id'].includes(k))) : record;
        assert.deepEqual(listed, expectedRow, `${JSON.stringify(query)} fields ${fields ? [...fields] : 'all'} span ${row.span_id}`);
      }
    }
  }
});
