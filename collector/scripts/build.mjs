// Builds the publishable collector: dist/ (ES modules bundled by esbuild from src/, with
// the private workspaces @spanhouse/model, pricing and enrich inside and every npm
// dependency left external), plus copies of what it reads at run time: schemas/
// (migrations, OTLP proto, OpenAPI document) and ui/ (the built web UI, when built).
// `spanhouse` then runs plain JavaScript: no TypeScript loader at run time.
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(root, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const external = Object.keys(pkg.dependencies);

/** Fails the build when a bare import is neither a dependency nor one of the bundled workspaces. */
const dependenciesOnly = {
  name: 'dependencies-only',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:') || args.path.startsWith('@spanhouse/')) return undefined;
      const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
      if (external.includes(name)) return { path: args.path, external: true };
      return { errors: [{ text: `${name} is imported (from ${args.importer}) but is not a dependency of ${pkg.name}` }] };
    });
  },
};

for (const dir of ['dist', 'schemas', 'ui']) rmSync(join(root, dir), { recursive: true, force: true });
await build({
  // the span mapper's worker thread loads its own entry (span-mapper.ts names it)
  entryPoints: [join(root, 'src/cli.ts'), join(root, 'src/index.ts'), { in: join(root, 'src/pipeline/span-mapper-worker.ts'), out: 'span-mapper-worker' }],
  outdir: join(root, 'dist'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // the source's lazy `await import()` become chunks: `spanhouse --help` loads little
  // flat, so every file is one level below the package root (assets.ts relies on it)
  chunkNames: '[name]-[hash]',
  plugins: [dependenciesOnly],
  logLevel: 'warning',
});

cpSync(join(repo, 'schemas'), join(root, 'schemas'), { recursive: true });
const ui = join(repo, 'packages/ui/dist');
if (existsSync(join(ui, 'index.html'))) cpSync(ui, join(root, 'ui'), { recursive: true });
else console.warn('collector build: the web UI is not built (npm run build -w @spanhouse/ui); the package will say so at /');
