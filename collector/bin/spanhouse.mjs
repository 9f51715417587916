#!/usr/bin/env node
// The `spanhouse` command: the built JavaScript in dist/ (`npm run build`). In this
// repository, SPANHOUSE_FROM_SOURCE=1 (set by `npm test`) runs the TypeScript sources
// through tsx instead, so tests see the code as it is now.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli.js', import.meta.url);
let main;
if (process.env.SPANHOUSE_FROM_SOURCE === '1' || !existsSync(built)) {
  const source = new URL('../src/cli.ts', import.meta.url);
  if (!existsSync(source)) {
    console.error('spanhouse: this installation has no dist/: reinstall the package');
    process.exit(1);
  }
  try {
    const { register } = await import('tsx/esm/api');
    register();
  } catch {
    console.error('spanhouse: not built: run `npm run build` (or `npm ci`) in the repository first');
    process.exit(1);
  }
  ({ main } = await import(source.href));
} else {
  ({ main } = await import(built.href));
}
process.exitCode = await main(process.argv.slice(2));
