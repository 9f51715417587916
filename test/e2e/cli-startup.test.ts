// `spanhouse serve` start-up problems, by spawning the real CLI: each is one plain line
// saying what to do, exit code 1, no stack; and every subcommand answers --help. Key commands
// that only read make no store where there is none, and point at a running collector's URL.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDataDir } from '../support/collector.ts';

const bin = fileURLToPath(new URL('../../collector/bin/spanhouse.mjs', import.meta.url));
const tmp = tempDataDir('cli');
after(() => tmp.remove());

function run(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, cwd, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** One line on stderr, exit 1, no stack trace. */
function assertPlainFailure(result: { code: number; stderr: string }, pattern: RegExp) {
  assert.equal(result.code, 1, result.stderr);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0], /^spanhouse: /);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
}

/** `spanhouse serve` on free ports, once it says it listens; `url` is the address it printed. */
async function serveInBackground(args: string[]) {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--grpc-port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (chunk) => (err += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const listening = /listening on (\S+)\n/.exec(out);
      if (listening) resolve(listening[1]);
    });
    child.once('exit', (code) => reject(new Error(`spanhouse serve exited with ${code}: ${err}`)));
  });
  return {
    url,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function listening(): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

test('a port in use is said plainly, before the data directory is created', async () => {
  const busy = await listening();
  const port = (busy.address() as AddressInfo).port;
  const data = join(tmp.dir, 'never-made');
  try {
    assertPlainFailure(await run(['serve', '--port', String(port), '--grpc-port', '0', '--data', data]), new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use.*--port`));
    assertPlainFailure(await run(['serve', '--port', '0', '--grpc-port', String(port), '--data', data]), /OTLP\/gRPC port .* already in use.*--grpc-port/);
    assert.equal(existsSync(data), false);
  } finally {
    busy.close();
  }
});

test('a data directory held by a running collector, or not writable, is said plainly', async () => {
  const data = join(tmp.dir, 'held');
  const first = await serveInBackground(['--data', data]);
  try {
    assertPlainFailure(await run(['serve', '--port', '0', '--grpc-port', '0', '--data', data]), /data directory .*held is in use by another process \(pid \d+.*stop it, or use another --data/);
    // a key command on that directory points at this collector's own address (its port is not 4318)
    const keys = await run(['keys', 'list', '--data', data]);
    assert.equal(keys.code, 1, keys.stderr);
    assert.ok(keys.stderr.includes(`add --url ${first.url} and`), keys.stderr);
  } finally {
    await first.stop();
  }
  assert.equal(existsSync(join(data, 'spanhouse-collector.json')), false, 'the address goes with the collector');
  const file = join(tmp.dir, 'a-file');
  writeFileSync(file, '');
  assertPlainFailure(await run(['serve', '--port', '0', '--grpc-port', '0', '--data', join(file, 'data')]), /cannot be created or written \(ENOTDIR\).*--data <dir>/);
});

test('an unreachable ClickHouse server is said plainly, without the client\'s log', async () => {
  const closed = await listening();
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const result = await run(['serve', '--port', '0', '--grpc-port', '0', '--clickhouse-url', `http://127.0.0.1:${port}`]);
  assertPlainFailure(result, /cannot reach ClickHouse at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\).*CLICKHOUSE_URL/);
  assertPlainFailure(await run(['serve', '--port', '0', '--grpc-port', '0', '--clickhouse-url', 'localhost:8123']), /must start with http:\/\//);
});

test('invalid config values name the setting and exit 1', async () => {
  const data = join(tmp.dir, 'config');
  assertPlainFailure(await run(['serve', '--grpc-port', 'abc', '--data', data]), /--grpc-port must be a port number .*"abc".*--help/);
  assertPlainFailure(await run(['serve', '--port', '70000', '--data', data]), /--port must be a port number/);
  assertPlainFailure(await run(['serve', '--data', data], { SPANHOUSE_BATCH_MAX_SPANS: 'many' }), /SPANHOUSE_BATCH_MAX_SPANS must be a whole number/);
  const config = join(tmp.dir, 'bad.json');
  writeFileSync(config, '{"retentionDays": "forever"}');
  assertPlainFailure(await run(['serve', '--config', config, '--data', data]), /invalid config file .*retentionDays/);
  const unknown = await run(['serve', '--bogus']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Unknown option '--bogus'.*spanhouse serve --help/);
});

test("the README's --config price-override example is accepted", async () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const example = /Price overrides[\s\S]*?```json\n([^`]+)```/.exec(readme)?.[1];
  assert.ok(example, 'the README has the example');
  const config = join(tmp.dir, 'prices.json');
  writeFileSync(config, example);
  const collector = await serveInBackground(['--config', config, '--data', join(tmp.dir, 'prices')]);
  await collector.stop();
});

test('key commands that only read make no store where there is none: one line, exit 1', async () => {
  const missing = join(tmp.dir, 'no-such-data');
  const empty = join(tmp.dir, 'empty-data');
  mkdirSync(empty);
  const cwd = join(tmp.dir, 'a-project');
  mkdirSync(cwd);
  for (const [args, dir, where] of [
    [['keys', 'list', '--data', missing], missing, undefined],
    [['keys', 'tenants', '--data', empty], empty, undefined],
    [['keys', 'revoke', '0123456789abcdef', '--data', missing], missing, undefined],
    // the default, ./spanhouse-data
    [['keys', 'tenants'], join(cwd, 'spanhouse-data'), cwd],
  ] as const) {
    const result = await run([...args], { SPANHOUSE_DATA_DIR: '', SPANHOUSE_URL: '', CLICKHOUSE_URL: '' }, where);
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`^spanhouse keys ${args[1]}: no Spanhouse data in ${dir}: .*--data <dir>.*--url <collector>`));
  }
  assert.equal(existsSync(missing), false);
  assert.deepEqual(readdirSync(empty), []);
  assert.deepEqual(readdirSync(cwd), []);
  // creating a key does make the store (the README's first step, before `serve`)
  const created = await run(['keys', 'create', '--tenant', 'acme', '--data', empty]);
  assert.equal(created.code, 0, created.stderr);
  assert.match((await run(['keys', 'list', '--data', empty])).stdout, /tenant=acme/);
});

test('every subcommand answers --help', async () => {
  for (const [command, expected] of [
    ['serve', /--grpc-port/],
    ['keys', /create --tenant/],
    ['demo', /--url/],
  ] as const) {
    const result = await run([command, '--help']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^Usage: spanhouse ${command}`));
    assert.match(result.stdout, expected);
  }
  const top = await run(['--help']);
  assert.match(top.stdout, /spanhouse <command> --help/);
  assert.match(top.stdout, /keys .*\(create, list, revoke, tenants, generate\)/);
  assert.match((await run(['serve', '--help'])).stdout, /--config <file> .*\n.*`gateway` section/);
});
