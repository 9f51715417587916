import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_SEARCH_TERMS, searchTerms, spanConditions } from './span-filters.ts';

test('search terms: words and quoted phrases, lower-cased; tokenless terms dropped', () => {
  assert.deepEqual(searchTerms('Lisbon  "Flight TO" gpt-4o ... "" ¿'), ['lisbon', 'flight to', 'gpt-4o']);
  assert.deepEqual(searchTerms('Straße ÜBER'), ['straße', 'über']);
  assert.equal(searchTerms(Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ')).length, MAX_SEARCH_TERMS);
});

test('no filter value ever reaches the SQL text: all travel as typed parameters', () => {
  const evil = "x' OR 1=1 --";
  const { where, params } = spanConditions({
    tenantId: evil,
    model: evil,
    provider: evil,
    routingAlias: evil,
    service: evil,
    name: evil,
    userId: evil,
    sessionId: evil,
    clusterId: evil,
    traceId: evil,
    tags: [evil, evil],
    metadata: [[evil, evil]],
    q: `${evil} "${evil}"`,
    score: { name: evil, value: evil, min: 1, max: 2 },
    since: new Date(0),
    until: new Date(1),
    minCost: 1,
    maxTotalTokens: 5,
  });
  const sql = where.join(' AND ');
  assert.ok(!sql.includes('OR 1=1'));
  assert.ok(!sql.includes("x'"));
  assert.ok(Object.values(params).some((v) => v === evil));
  for (const [, name] of sql.matchAll(/\{(\w+):/g)) assert.ok(name in params, `parameter ${name} bound`);
});
