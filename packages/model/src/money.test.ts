import assert from 'node:assert/strict';
import { test } from 'node:test';
import { roundUsd } from './money.ts';

test('roundUsd drops floating-point noise and keeps every real digit', () => {
  assert.equal(roundUsd((21 * 0.5) / 1e6), 0.0000105);
  assert.equal(roundUsd(0.0035 + 0.007), 0.0105);
  assert.equal(String(roundUsd(0.1 + 0.2)), '0.3');
  assert.equal(roundUsd(0.000123456789012), 0.000123456789012);
  assert.equal(roundUsd(1234.5678), 1234.5678);
  assert.equal(roundUsd(0), 0);
});
