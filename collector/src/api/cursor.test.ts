import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { CursorCodec } from './cursor.ts';

const codec = new CursorCodec(randomBytes(32));
const position = { sort: 'time', value: 1_700_000_000_000_000, traceId: 'a'.repeat(32) };

test('a cursor round-trips for its tenant and route only', () => {
  const cursor = codec.encode('spans', 'acme', position);
  assert.deepEqual(codec.decode('spans', 'acme', cursor), position);
  assert.throws(() => codec.decode('spans', 'globex', cursor), /cursor/);
  assert.throws(() => codec.decode('traces', 'acme', cursor), /cursor/);
  assert.throws(() => new CursorCodec(randomBytes(32)).decode('spans', 'acme', cursor), /cursor/, 'another server secret');
});

test('edited or made-up cursors are refused', () => {
  const cursor = codec.encode('spans', 'acme', position);
  const [payload, mac] = cursor.split('.');
  const edited = Buffer.from(JSON.stringify({ ...position, value: 1 })).toString('base64url');
  for (const bad of [`${edited}.${mac}`, payload, `${payload}.${mac}.x`, 'nonsense', `${payload}.${'A'.repeat(mac.length)}`]) {
    assert.throws(() => codec.decode('spans', 'acme', bad), /cursor/, bad);
  }
});
