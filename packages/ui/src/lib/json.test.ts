import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prettyIfJson } from './json.ts';

test('tool arguments print as formatted JSON, also when encoded as a JSON string', () => {
  assert.equal(prettyIfJson('{"city":"Paris"}'), '{\n  "city": "Paris"\n}');
  assert.equal(prettyIfJson(JSON.stringify('{"city":"Paris"}')), '{\n  "city": "Paris"\n}');
  assert.equal(prettyIfJson('"just words"'), '"just words"');
  assert.equal(prettyIfJson('not json {'), 'not json {');
});
