import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes, formatCost } from './format.ts';

test('costs keep two significant digits when tiny, and cents when large', () => {
  assert.equal(formatCost(0.0000791), '$0.0000791');
  assert.equal(formatCost(1.05e-5), '$0.0000105');
  assert.equal(formatCost(1.05e-8), '$0.0000000105');
  assert.equal(formatCost(0.1 * 0.0003), '$0.00003');
  assert.equal(formatCost(0.00001 + 0.00002), '$0.00003');
  assert.equal(formatCost(0.00393), '$0.0039');
  assert.equal(formatCost(0.248), '$0.248');
  assert.equal(formatCost(12.345), '$12.35');
  assert.equal(formatCost(0), '$0');
  assert.equal(formatCost(null), formatCost(undefined));
});

test('formatBytes', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(300_000), '300 kB');
  assert.equal(formatBytes(1_234_567), '1.2 MB');
  assert.equal(formatBytes(-1), '—');
});

test('plainDecimal keeps significant digits without exponents', async () => {
  const { plainDecimal } = await import('./format.ts');
  assert.equal(plainDecimal(1.05e-5, 3), '0.0000105');
  assert.equal(plainDecimal(0.30000000000000004, 3), '0.3');
  assert.equal(plainDecimal(-2.5e-7, 2), '-0.00000025');
});

test('plural: one noun for exactly one, the plural otherwise', async () => {
  const { plural } = await import('./format.ts');
  assert.equal(plural(1, 'span'), '1 span');
  assert.equal(plural(0, 'span'), '0 spans');
  assert.equal(plural(2, 'trace'), '2 traces');
  assert.equal(plural(1, 'match', 'matches'), '1 match');
  assert.equal(plural(3, 'match', 'matches'), '3 matches');
  assert.equal(plural(1500, 'call'), '1.5k calls');
  assert.equal(plural(2020, 'trace', 'traces', (n) => (n ?? 0).toLocaleString('en-US')), '2,020 traces');
  assert.equal(plural(null, 'call'), '— calls');
});

test('stepComposition counts steps with the right noun', async () => {
  const { stepComposition } = await import('./format.ts');
  assert.equal(stepComposition(1, 1, 0), '1 step · 1 llm');
  assert.equal(stepComposition(4, 1, 2), '4 steps · 1 llm · 2 tool');
});

test('unknown costs read the same everywhere; a summed 0 is unknown', async () => {
  const { formatCostSum, UNKNOWN_COST } = await import('./format.ts');
  assert.equal(formatCost(null), UNKNOWN_COST);
  assert.equal(formatCostSum(0), UNKNOWN_COST);
  assert.equal(formatCostSum(null), UNKNOWN_COST);
  assert.equal(formatCostSum(0.248), '$0.248');
});

test('a summed cost says what it leaves out: partial, unknown, or truly $0', async () => {
  const { costSumTitle, formatCostSum, UNKNOWN_COST, UNKNOWN_COST_TITLE } = await import('./format.ts');
  assert.equal(formatCostSum(0.248, 3), '$0.248 + 3 unpriced');
  assert.equal(formatCostSum(0.248, 3, { compact: true }), '$0.248+');
  assert.equal(formatCostSum(0, 2), UNKNOWN_COST, 'nothing priced');
  assert.equal(formatCostSum(null, 1), UNKNOWN_COST);
  assert.equal(formatCostSum(0, 0), '$0', 'every call priced, and free');
  assert.equal(formatCostSum(null, 0), UNKNOWN_COST, 'no call with usage');
  assert.equal(costSumTitle(1), '1 call with no price for its model: not in this cost');
  assert.equal(costSumTitle(4), '4 calls with no price for their model: not in this cost');
  assert.equal(costSumTitle(0), undefined);
  assert.equal(costSumTitle(0, null), UNKNOWN_COST_TITLE);
});

test('foldText keeps short text whole and cuts long text after a word', async () => {
  const { foldText } = await import('./format.ts');
  assert.deepEqual(foldText('short'), { head: 'short', folded: false });
  assert.equal(foldText('x'.repeat(2100)).folded, false, 'a little over the limit is not folded');
  const long = 'Lorem ipsum dolor sit amet. '.repeat(800);
  const { head, folded } = foldText(long);
  assert.ok(folded);
  assert.ok(head.length <= 2001 && head.length > 1800);
  assert.match(head, /[a-z.]…$/);
  assert.ok(long.startsWith(head.slice(0, -1)));
  // no lone surrogate where a word-less text is cut
  const emoji = foldText('😀'.repeat(1500)).head;
  assert.ok(!/[\uD800-\uDBFF]…$/.test(emoji));
});

test('previewWithEllipsis marks a preview the API cut', async () => {
  const { previewWithEllipsis } = await import('./format.ts');
  assert.deepEqual(previewWithEllipsis('hello'), { text: 'hello', cut: false });
  const cut = previewWithEllipsis('a'.repeat(300));
  assert.ok(cut.cut && cut.text.endsWith('…'));
});
