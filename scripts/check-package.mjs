// Proves the published packages work without the repository: packs @spanhouse/collector
// and @spanhouse/sdk (built by `npm ci`/`npm run build`), installs the two tarballs into an
// empty folder (--prefer-offline: dependencies from npm's cache where it has them), starts
// `spanhouse serve` from there (plain JavaScript: no tsx, no sources in the package),
// sends a span with the installed SDK and reads it back through the REST API; the UI and
// the API reference page answer too. CI runs it after the tests. Prints the installed sizes.
// Usage: node scripts/check-package.mjs [--keep]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const repo = join(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'spanhouse-pack-'));
const keep = process.argv.includes('--keep');
const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
// the child must not see the repository's test settings (sources through tsx)
const env = { ...process.env };
delete env.SPANHOUSE_FROM_SOURCE;
delete env.NODE_OPTIONS;

function step(message) {
  console.log(`== ${message}`);
}

let server;
try {
  step('npm pack @spanhouse/collector @spanhouse/sdk');
  const packs = JSON.parse(npm(['pack', '-w', 'collector', '-w', 'packages/sdk', '--json', '--pack-destination', work], repo));
  for (const p of packs) {
    const files = p.files.map((f) => f.path);
    console.log(`   ${p.filename}: ${p.entryCount} files, ${(p.size / 1024).toFixed(1)} kB packed, ${(p.unpackedSize / 1024).toFixed(1)} kB unpacked`);
    if (files.some((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))) throw new Error(`${p.name} ships TypeScript sources`);
  }
  const collectorFiles = packs.find((p) => p.name === '@spanhouse/collector').files.map((f) => f.path);
  for (const needed of ['dist/cli.js', 'dist/index.js', 'ui/index.html', 'ui/vendor/redoc.standalone.js', 'schemas/openapi.json', 'schemas/otlp/otlp.proto', 'schemas/clickhouse/001_spans_and_traces.sql']) {
    if (!collectorFiles.includes(needed)) throw new Error(`@spanhouse/collector lacks ${needed} (run npm run build first)`);
  }

  step('install the tarballs into an empty folder (dependencies from npm\'s cache where it has them)');
  const app = join(work, 'app');
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'pack-check', private: true, type: 'module' }));
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', ...packs.map((p) => join(work, p.filename))], app);
  if (existsSync(join(app, 'node_modules/tsx'))) throw new Error('tsx was installed: the collector must not need it');
  const sizeOf = (dir) => execFileSync('du', ['-sk', dir], { encoding: 'utf8' }).split('\t')[0];
  console.log(`   installed: ${readdirSync(join(app, 'node_modules')).length} top-level entries, ${(sizeOf(join(app, 'node_modules')) / 1024).toFixed(0)} MB on disk`);

  step('spanhouse serve from the installed package');
  const data = join(work, 'data');
  server = spawn(join(app, 'node_modules/.bin/spanhouse'), ['serve', '--port', '0', '--grpc-port', '0', '--data', data], { cwd: app, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]);
    });
    server.once('exit', (code) => reject(new Error(`spanhouse serve exited with ${code}: ${out}`)));
  });
  console.log(`   ${url}`);

  step('send a span with the installed @spanhouse/sdk and read it back');
  writeFileSync(
    join(app, 'send.mjs'),
    `import { init, observe, currentTraceId } from '@spanhouse/sdk';
const sdk = init({ endpoint: process.argv[2], serviceName: 'pack-check', instrument: false, flushOnExit: false });
let traceId;
await observe('pack-check step', async (q) => { traceId = currentTraceId(); return q.toUpperCase(); }, { type: 'chain' })('hello');
await sdk.flush();
await sdk.shutdown();
console.log(traceId);
`,
  );
  const traceId = execFileSync(process.execPath, ['send.mjs', url], { cwd: app, env, encoding: 'utf8' }).trim();
  let trace;
  for (let attempt = 0; attempt < 50 && !trace; attempt++) {
    const res = await fetch(`${url}/api/traces/${traceId}`);
    if (res.ok) trace = await res.json();
    else await new Promise((r) => setTimeout(r, 100));
  }
  if (!trace) throw new Error(`trace ${traceId} was not stored`);
  const names = JSON.stringify(trace).match(/pack-check step/g) ?? [];
  if (names.length === 0) throw new Error(`trace ${traceId} lacks its span: ${JSON.stringify(trace).slice(0, 300)}`);
  console.log(`   stored trace ${traceId}`);
  for (const [path, want] of [['/', '<div id="root">'], ['/api/docs', '<redoc'], ['/vendor/redoc.standalone.js', 'Redoc']]) {
    const text = await (await fetch(url + path)).text();
    if (!text.includes(want)) throw new Error(`${path} does not look right: ${text.slice(0, 200)}`);
  }
  console.log('   the UI and /api/docs answer');
  console.log('package check passed');
} finally {
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  }
  if (keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
