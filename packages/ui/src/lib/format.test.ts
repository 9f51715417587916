import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes, formatCost } from './format.ts';

test('costs keep two significant digits when tiny, and cents when large', () => {
  assert.equal(formatCost(0.0000791), '$0.000079');
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
