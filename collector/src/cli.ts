// spanhouse serve | keys | demo | help. Flags override SPANHOUSE_* / CLICKHOUSE_* variables.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateApiKey, isTenantId } from './auth/keys.ts';
import { configFromEnv, defaultConfig, type CollectorConfig } from './config.ts';
import { buildDemoTraces } from './demo/sample-traces.ts';
import { startCollector } from './server.ts';
import { KeyStore } from './store/keys.ts';
import { SpanStore } from './store/span-store.ts';

const USAGE = `Usage: spanhouse <command> [options]

Commands:
  serve     Run the collector: OTLP/HTTP receiver, REST API and web UI on one port
  keys      Manage API keys: keys create --tenant <name> [--admin] [--trusted-relay] [--name <label>]
                             keys list [--tenant <name>]
                             keys revoke <key id>
            (on the data directory, with the collector stopped, or on --clickhouse-url)
  demo      Send the sample traces to a running collector: demo [--url <collector>] [--key <api key>]
  help      Show this help

Options for serve:
  --port <n>             Port (default 4318, env SPANHOUSE_PORT)
  --host <addr>          Interface (default 127.0.0.1, env SPANHOUSE_HOST)
  --data <dir>           Embedded ClickHouse data directory (default ./spanhouse-data, env SPANHOUSE_DATA_DIR)
  --clickhouse-url <url> Use a ClickHouse server instead of the embedded one (env CLICKHOUSE_URL;
                         CLICKHOUSE_USER, CLICKHOUSE_PASSWORD, CLICKHOUSE_DATABASE)
  --config <file>        JSON settings: privacy, retention, prices, embeddings (env SPANHOUSE_CONFIG)
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return 0;
  }
  if (command === 'serve') return serve(rest);
  if (command === 'keys') return keys(rest);
  if (command === 'demo') return demo(rest);
  console.error(`unknown command "${command}"\n\n${USAGE}`);
  return 2;
}

async function serve(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let flags;
  try {
    flags = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        data: { type: 'string' },
        'clickhouse-url': { type: 'string' },
        config: { type: 'string' },
      },
      strict: true,
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  let config: Partial<CollectorConfig>;
  try {
    config = configFromEnv(process.env, flags.config ?? process.env.SPANHOUSE_CONFIG);
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  if (flags.port !== undefined) {
    const port = Number(flags.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      console.error(`--port must be a port number, got "${flags.port}"`);
      return 2;
    }
    config.port = port;
  }
  if (flags.host) config.host = flags.host;
  if (flags.data) config.dataDir = resolve(flags.data);
  if (flags['clickhouse-url']) config.clickhouseUrl = flags['clickhouse-url'];

  let collector;
  try {
    collector = await startCollector(config);
  } catch (error) {
    console.error(`spanhouse: ${(error as Error).message}`);
    return 1;
  }
  const storage = collector.store.mode === 'chdb' ? `embedded ClickHouse in ${collector.config.dataDir}` : `ClickHouse at ${collector.config.clickhouseUrl}`;
  console.log(`Spanhouse listening on ${collector.url}`);
  console.log(`  OTLP/HTTP  ${collector.url}/v1/traces   (OTEL_EXPORTER_OTLP_ENDPOINT=${collector.url})`);
  console.log(`  API        ${collector.url}/api/traces`);
  console.log(`  UI         ${collector.url}/`);
  console.log(`  storage    ${storage}`);

  process.on('unhandledRejection', (reason) => console.error('[spanhouse] unhandled rejection:', reason));
  await new Promise<void>((done) => {
    const stop = (signal: string) => {
      console.log(`\n${signal}: storing accepted spans and shutting down…`);
      collector.close().then(done, (error) => {
        console.error(error);
        done();
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}

/** Opens the store a key command works on, saying plainly when a running collector holds the data directory. */
async function openStore(flags: { data?: string; 'clickhouse-url'?: string }): Promise<SpanStore | null> {
  let env: Partial<CollectorConfig>;
  try {
    env = configFromEnv(process.env);
  } catch (error) {
    console.error((error as Error).message);
    return null;
  }
  const config = { ...defaultConfig(), ...env };
  const dataDir = flags.data ? resolve(flags.data) : config.dataDir;
  const url = flags['clickhouse-url'] ?? config.clickhouseUrl;
  try {
    return await SpanStore.open({ dataDir, url, username: config.clickhouseUser, password: config.clickhousePassword, database: config.clickhouseDatabase });
  } catch (error) {
    if (!url) {
      console.error(
        `cannot open the data directory ${dataDir}: a running collector (or another spanhouse command) is using it.\n` +
          'Stop the collector, run this command again, then start the collector; or run it against a ClickHouse server with --clickhouse-url.',
      );
    } else {
      console.error(`cannot reach ClickHouse at ${url}: ${(error as Error).message}`);
    }
    return null;
  }
}

async function keys(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        tenant: { type: 'string' },
        name: { type: 'string' },
        admin: { type: 'boolean', default: false },
        'trusted-relay': { type: 'boolean', default: false },
        data: { type: 'string' },
        'clickhouse-url': { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const [action, ...args] = parsed.positionals;
  const flags = parsed.values;
  if (action !== 'create' && action !== 'list' && action !== 'revoke') {
    console.error(`keys: expected create, list or revoke\n\n${USAGE}`);
    return 2;
  }
  if (action === 'create' && (!flags.tenant || !isTenantId(flags.tenant))) {
    console.error('keys create: --tenant <name> is required: lower-case letters, digits, "-" and "_" (at most 63)');
    return 2;
  }
  if (action === 'revoke' && args.length !== 1) {
    console.error('keys revoke: give the key id (from `spanhouse keys list`)');
    return 2;
  }
  const store = await openStore(flags);
  if (!store) return 1;
  try {
    const keyStore = new KeyStore(store.client);
    if (action === 'create') {
      const tenant = flags.tenant!;
      await keyStore.ensureTenant(tenant);
      const { key, keyId, secretSha256 } = generateApiKey();
      await keyStore.insertKey({ key_id: keyId, secret_sha256: secretSha256, tenant_id: tenant, name: flags.name ?? '', admin: flags.admin!, trusted_relay: flags['trusted-relay']! });
      // The key alone on stdout (KEY=$(spanhouse keys create ...)); the explanation on stderr.
      console.log(key);
      console.error(
        `\nAPI key ${keyId} for tenant "${tenant}"${flags.admin ? ', admin' : ''}${flags['trusted-relay'] ? ', trusted relay' : ''}.\n` +
          'It is shown only this once: store it now. Send it as\n' +
          `  Authorization: Bearer <key>          (API, UI)\n` +
          `  OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer <key>"   (OpenTelemetry exporters)`,
      );
    } else if (action === 'list') {
      const all = await keyStore.keys(flags.tenant);
      if (all.length === 0) console.log('no API keys');
      for (const k of all) {
        const traits = [k.admin ? 'admin' : '', k.trusted_relay ? 'trusted-relay' : '', k.revoked ? 'REVOKED' : ''].filter(Boolean).join(',');
        console.log(`${k.key_id}  tenant=${k.tenant_id}  created=${k.created_at}${k.name ? `  name=${k.name}` : ''}${traits ? `  ${traits}` : ''}`);
      }
    } else {
      const revoked = await keyStore.revokeKey(args[0]);
      console.log(revoked ? `revoked ${args[0]}` : `no active key ${args[0]}`);
      if (!revoked) return 1;
    }
    return 0;
  } finally {
    await store.close();
  }
}

async function demo(argv: string[]): Promise<number> {
  let flags;
  try {
    flags = parseArgs({ args: argv, options: { url: { type: 'string' }, key: { type: 'string' } }, strict: true }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const base = (flags.url ?? process.env.SPANHOUSE_URL ?? 'http://127.0.0.1:4318').replace(/\/+$/, '');
  const key = flags.key ?? process.env.SPANHOUSE_API_KEY;
  const body = buildDemoTraces(Date.now());
  let res: Response;
  try {
    res = await fetch(`${base}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify(body),
    });
  } catch (error) {
    console.error(`cannot reach a collector at ${base}: ${(error as Error).message}. Start one with \`spanhouse serve\`.`);
    return 1;
  }
  if (!res.ok) {
    console.error(`the collector answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
    return 1;
  }
  const spans = body.resourceSpans.reduce((n, rs) => n + rs.scopeSpans.reduce((m, ss) => m + ss.spans.length, 0), 0);
  console.log(`sent ${spans} sample spans to ${base}; open ${base}/ to see them`);
  return 0;
}
