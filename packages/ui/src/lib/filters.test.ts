import assert from 'node:assert/strict';
import { test } from 'node:test';
import { activeFilterCount, bucketFor, isFilterParam, metadataPairs, parseFilters, serializeFilters, toApiParams } from './filters.ts';

const NOW = Date.parse('2025-06-01T12:00:00Z');

test('filters round-trip through the query string, leaving defaults out', () => {
  const filters = parseFilters('status=error&model=gpt-4o&q=refund&min_cost=0.01&range=24h&unknown=1');
  assert.equal(filters.status, 'error');
  assert.equal(filters.range, '24h');
  assert.equal(activeFilterCount(filters), 4);
  const query = serializeFilters(filters);
  assert.deepEqual(parseFilters(query), filters);
  assert.equal(serializeFilters(parseFilters('')), '', 'the default view has a clean URL');
});

test('relative ranges resolve against now; custom ranges pass through as ISO', () => {
  assert.deepEqual(toApiParams(parseFilters('range=1h&provider=openai'), NOW), { since: '2025-06-01T11:00:00.000Z', provider: 'openai' });
  assert.deepEqual(toApiParams(parseFilters('range=all'), NOW), {});
  const custom = parseFilters('since=2025-05-01T00:00:00Z&until=2025-05-02T00:00:00Z');
  assert.equal(custom.range, 'custom');
  assert.deepEqual(toApiParams(custom, NOW), { since: '2025-05-01T00:00:00.000Z', until: '2025-05-02T00:00:00.000Z' });
});

test('the first view picks the shortest range holding the newest trace', async () => {
  const { chooseRange } = await import('./filters.ts');
  assert.equal(chooseRange(new Date(NOW - 3_600_000).toISOString(), NOW), '24h');
  assert.equal(chooseRange(new Date(NOW - 3 * 86_400_000).toISOString(), NOW), '7d');
  assert.equal(chooseRange(new Date(NOW - 20 * 86_400_000).toISOString(), NOW), '30d');
  assert.equal(chooseRange(new Date(NOW - 90 * 86_400_000).toISOString(), NOW), 'all');
  assert.equal(chooseRange(undefined, NOW), '24h');
});

test('sort and order go to the list only, never to metrics, and are no filters', async () => {
  const { listParams } = await import('./filters.ts');
  const filters = parseFilters('range=all&sort=cost&order=asc&model_contains=gpt&score_name=accuracy&min_score=0.5');
  assert.equal(activeFilterCount(filters), 3);
  assert.deepEqual(toApiParams(filters, NOW), { model_contains: 'gpt', score_name: 'accuracy', min_score: '0.5' });
  assert.deepEqual(listParams(filters, NOW), { model_contains: 'gpt', score_name: 'accuracy', min_score: '0.5', sort: 'cost', order: 'asc' });
});

test('chart buckets follow the window size', () => {
  assert.equal(bucketFor(3_600_000), 'minute');
  assert.equal(bucketFor(7 * 86_400_000), 'hour');
  assert.equal(bucketFor(30 * 86_400_000), 'day');
  assert.equal(bucketFor(null), 'day');
});

test('metadata pairs use the API parameter names, in the URL and in the request', () => {
  assert.deepEqual(metadataPairs('tier=pro, locale = en-US,broken,=x, empty='), [
    ['tier', 'pro'],
    ['locale', 'en-US'],
    ['empty', ''],
  ]);
  const filters = parseFilters('metadata.customer_tier=enterprise&metadata.locale=en-US&q=refund');
  assert.equal(filters.metadata, 'customer_tier=enterprise, locale=en-US');
  assert.equal(serializeFilters(filters), 'q=refund&metadata.customer_tier=enterprise&metadata.locale=en-US');
  assert.deepEqual(toApiParams({ ...filters, range: 'all' }, NOW), { q: 'refund', 'metadata.customer_tier': 'enterprise', 'metadata.locale': 'en-US' });
  assert.equal(isFilterParam('metadata.tier'), true);
  assert.equal(isFilterParam('group_by'), false);
});

test('filter problems are found before any request: inverted range, negative bounds, min above max', async () => {
  const { filterProblem } = await import('./filters.ts');
  assert.equal(filterProblem(parseFilters('status=error&min_latency_ms=5&max_latency_ms=10')), null);
  assert.match(filterProblem(parseFilters('since=2026-12-02T03:00:00Z&until=2020-01-01T00:00:00Z'))!, /starts after it ends/);
  assert.match(filterProblem(parseFilters('min_latency_ms=-5'))!, /min_latency_ms: must be a number of at least 0/);
  assert.match(filterProblem(parseFilters('min_cost=abc'))!, /min_cost/);
  assert.match(filterProblem(parseFilters('min_cost=2&max_cost=1'))!, /min_cost: must not be above max_cost/);
});
