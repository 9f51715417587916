// Builds dist/esm (ES modules) and dist/cjs (CommonJS), each with type declarations.
// esbuild compiles one bundle per entry point (dependencies stay external); tsc writes the
// declarations. dist/cjs has its own package.json so Node and TypeScript read it as CommonJS.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });

const common = {
  entryPoints: [join(root, 'src/index.ts'), join(root, 'src/register.ts')],
  bundle: true,
  packages: 'external',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
};
await build({ ...common, format: 'esm', outdir: join(dist, 'esm') });
await build({
  ...common,
  format: 'cjs',
  outdir: join(dist, 'cjs'),
  // import.meta.url does not exist in CommonJS: derive it from __filename.
  define: { 'import.meta.url': 'importMetaUrl' },
  banner: { js: '"use strict";\nconst importMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
});
mkdirSync(join(dist, 'cjs'), { recursive: true });
writeFileSync(join(dist, 'cjs/package.json'), '{ "type": "commonjs" }\n');

const tsc = join(root, '../../node_modules/typescript/bin/tsc');
for (const format of ['esm', 'cjs']) {
  const outDir = join(dist, format);
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', outDir], { stdio: 'inherit' });
  // Declarations keep the source's .ts specifiers; consumers resolve .js.
  for (const file of readdirSync(outDir).filter((f) => f.endsWith('.d.ts'))) {
    const path = join(outDir, file);
    writeFileSync(path, readFileSync(path, 'utf8').replace(/(from '\.\/[\w-]+)\.ts'/g, "$1.js'"));
  }
}
