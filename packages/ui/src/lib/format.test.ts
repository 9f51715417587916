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
