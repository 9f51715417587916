// The store tests a second time, through @clickhouse/client's HTTP connection (the
// CLICKHOUSE_URL path) against the chDB-backed ClickHouse HTTP endpoint
// (test/support/clickhouse-http-endpoint.ts): same SQL, same assertions, over the wire.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const root = fileURLToPath(new URL('../..', import.meta.url));
const storeDir = join(root, 'collector/src/store');
/** Store tests that talk to ClickHouse (the others are pure). */
const files = readdirSync(storeDir)
  .filter((name) => name.endsWith('.test.ts') && !['span-filters.test.ts', 'fair-queue.test.ts'].includes(name))
  .map((name) => join(storeDir, name));

test('the store tests pass over the ClickHouse HTTP interface', { timeout: 900_000 }, () => {
  assert.ok(files.length >= 5, files.join(', '));
  // a test runner of its own (node:test skips files when it thinks it runs inside another)
  const { NODE_TEST_CONTEXT: _inside, ...env } = process.env;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=tap', ...files], {
    cwd: root,
    env: { ...env, SPANHOUSE_TEST_CLICKHOUSE: 'http' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${run.stdout}\n${run.stderr}`;
  // the failures first (each with the lines that follow it), then the end of the output
  const lines = output.split('\n');
  const failures = lines.flatMap((line, i) => (/^\s*not ok /.test(line) ? lines.slice(i, i + 40) : [])).join('\n');
  assert.equal(run.status, 0, `${failures.slice(0, 12000)}\n…\n${output.slice(-3000)}`);
  assert.match(output, /^# fail 0$/m);
  const passed = Number(/^# pass (\d+)$/m.exec(output)?.[1] ?? 0);
  assert.ok(passed >= 15, `only ${passed} store tests ran`);
  // each file that opens storage did so through the endpoint
  assert.ok((output.match(/# storage: ClickHouse HTTP endpoint http:\/\/127\.0\.0\.1:\d+/g) ?? []).length >= 5, output.slice(-3000));
});
