// Runs every *.test.ts under packages/, collector/ and test/ with node's built-in test
// runner (TypeScript through tsx). Each test file runs in its own process, which
// matters here: chDB binds one data directory per process.
// Usage: npm test [-- path-filter ...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['packages', 'collector', 'test'];
const filters = process.argv.slice(2);

function find(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) find(path, out);
    else if (name.endsWith('.test.ts') || name.endsWith('.test.tsx')) out.push(path);
  }
  return out;
}

const files = roots.flatMap((root) => find(root, [])).filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files.sort()],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      NODE_ENV: 'test',
      // workspace packages resolve to their TypeScript sources ("source" export condition),
      // in this process and in the ones tests spawn; the `spanhouse` command too
      NODE_OPTIONS: [process.env.NODE_OPTIONS, '--conditions=source'].filter(Boolean).join(' '),
      SPANHOUSE_FROM_SOURCE: '1',
    },
  },
);
process.exit(result.status ?? 1);
