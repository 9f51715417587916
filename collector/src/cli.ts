// spanhouse serve | keys | demo | help (each with --help). Flags override SPANHOUSE_* / CLICKHOUSE_* variables.
// Start-up problems are one plain line saying what to do, and exit code 1.
// Modules load when a command needs them (the server, the store and chDB take a while), so
// `--help`, `keys --url` and `demo` start at once.
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CreatedKey, PublicKeyRecord, TenantSummary } from './auth/admin.ts';
import { isTenantId } from './auth/keys.ts';
import type { CollectorConfig } from './config.ts';
import { StartupError } from './startup-checks.ts';
import type { SpanStore } from './store/span-store.ts';

const USAGE = `Usage: spanhouse <command> [options]

Commands:
  serve     Run the collector: OTLP/HTTP, REST API and web UI on one port, OTLP/gRPC on another
  keys      Manage API keys and tenants (create, list, revoke, tenants, generate), offline or through a running collector
  demo      Send the sample traces to a running collector
  help      Show this help

\`spanhouse <command> --help\` describes a command's options.
`;

const SERVE_HELP = `Usage: spanhouse serve [options]

Runs the collector. Flags override environment variables, which override defaults.

Options:
  --port <n>             OTLP/HTTP, API and UI port (default 4318, env SPANHOUSE_PORT)
  --grpc-port <n|off>    OTLP/gRPC port (default 4317, env SPANHOUSE_GRPC_PORT; 0 = any free port)
  --host <addr>          Interface (default 127.0.0.1, env SPANHOUSE_HOST)
  --data <dir>           Embedded ClickHouse data directory (default ./spanhouse-data, env SPANHOUSE_DATA_DIR)
  --clickhouse-url <url> Use a ClickHouse server instead of the embedded one (env CLICKHOUSE_URL;
                         CLICKHOUSE_USER, CLICKHOUSE_PASSWORD, CLICKHOUSE_DATABASE)
  --config <file>        JSON settings: privacy, retention, prices, embeddings, and the LLM gateway
                         (its \`gateway\` section: providers, routing aliases, retries) (env SPANHOUSE_CONFIG)
  -h, --help             Show this help
`;

const KEYS_HELP = `Usage: spanhouse keys <action> [options]

Actions:
  create --tenant <name> [--admin] [--trusted-relay] [--name <label>]
                         Make a key; it is printed once (stdout), only its sha256 is stored.
                           Through --url, a collector's first key must be --admin
  list [--tenant <name>] List keys (ids, tenants, traits; never the keys)
  revoke <key id>        Revoke a key (a running collector refuses it within a second)
  tenants                List tenants and their active keys
  generate               Print a new key without storing it, for SPANHOUSE_ADMIN_KEY (the collector
                           registers it as an admin key of tenant "default" when it starts)

Where the keys live, one of:
  --url <collector>      A running collector's admin API, e.g. http://127.0.0.1:4318 (env SPANHOUSE_URL),
  --key <admin key>        with an admin key (env SPANHOUSE_API_KEY; none needed while the collector has no keys)
  --data <dir>           The embedded data directory (default ./spanhouse-data, env SPANHOUSE_DATA_DIR),
                           with the collector stopped: chDB opens a directory in one process only
  --clickhouse-url <url> A ClickHouse server (env CLICKHOUSE_URL), at any time

Options:
  -h, --help             Show this help
`;

const DEMO_HELP = `Usage: spanhouse demo [options]

Sends the sample traces to a running collector over OTLP/HTTP.

Options:
  --url <collector>      Collector base URL (default http://127.0.0.1:4318, env SPANHOUSE_URL)
  --key <api key>        API key, when the collector has keys (env SPANHOUSE_API_KEY)
  -h, --help             Show this help
`;

/** Parses a subcommand's flags; a usage error is one line pointing at its --help. */
function parseFlags<O extends ParseArgsConfig['options']>(command: string, argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
  } catch (error) {
    console.error(`spanhouse ${command}: ${(error as Error).message}. See \`spanhouse ${command} --help\`.`);
    return null;
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return 0;
  }
  if (command === 'serve') return serve(rest);
  if (command === 'keys') return keys(rest);
  if (command === 'demo') return demo(rest);
  console.error(`spanhouse: unknown command "${command}". See \`spanhouse --help\`.`);
  return 2;
}

async function serve(argv: string[]): Promise<number> {
  const parsed = parseFlags('serve', argv, {
    port: { type: 'string' },
    'grpc-port': { type: 'string' },
    host: { type: 'string' },
    data: { type: 'string' },
    'clickhouse-url': { type: 'string' },
    config: { type: 'string' },
  });
  if (!parsed) return 2;
  const flags = parsed.values;
  if (flags.help) {
    console.log(SERVE_HELP);
    return 0;
  }
  const { startCollector } = await import('./server.ts');
  let collector;
  try {
    const config = await serveConfig(flags);
    await preflight(config);
    collector = await startCollector(config).catch(async (error) => {
      throw await plainStartError(error, config);
    });
  } catch (error) {
    // one line, never a stack
    console.error(`spanhouse: ${error instanceof StartupError ? '' : 'could not start: '}${String((error as Error).message).replace(/\s*\n\s*/g, ' ')}`);
    return 1;
  }
  const storage = collector.store.mode === 'chdb' ? `embedded ClickHouse in ${collector.config.dataDir}` : `ClickHouse at ${collector.config.clickhouseUrl}`;
  console.log(`Spanhouse listening on ${collector.url}`);
  console.log(`  OTLP/HTTP  ${collector.url}/v1/traces   (OTEL_EXPORTER_OTLP_ENDPOINT=${collector.url})`);
  if (collector.grpcPort !== null) {
    const grpcUrl = collector.url.replace(/:\d+$/, `:${collector.grpcPort}`);
    console.log(`  OTLP/gRPC  ${grpcUrl}   (OTEL_EXPORTER_OTLP_PROTOCOL=grpc OTEL_EXPORTER_OTLP_ENDPOINT=${grpcUrl})`);
  }
  console.log(`  API        ${collector.url}/api/traces`);
  console.log(`  UI         ${collector.url}/`);
  console.log(`  storage    ${storage}`);
  // so `spanhouse keys --data <this directory>` can point at this collector's --url
  const { forgetCollectorUrl, recordCollectorUrl } = await import('./startup-checks.ts');
  if (collector.store.mode === 'chdb') recordCollectorUrl(collector.config.dataDir, collector.url);

  process.on('unhandledRejection', (reason) => console.error('[spanhouse] unhandled rejection:', reason));
  await new Promise<void>((done) => {
    const stop = (signal: string) => {
      console.log(`\n${signal}: storing accepted spans and shutting down…`);
      if (collector.store.mode === 'chdb') forgetCollectorUrl(collector.config.dataDir);
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

/** Environment, then flags; an invalid value is a StartupError naming the setting. */
async function serveConfig(flags: { port?: string; 'grpc-port'?: string; host?: string; data?: string; 'clickhouse-url'?: string; config?: string }): Promise<Partial<CollectorConfig>> {
  const { configFromEnv, portOrOff } = await import('./config.ts');
  let config: Partial<CollectorConfig>;
  try {
    config = configFromEnv(process.env, flags.config ?? process.env.SPANHOUSE_CONFIG);
    if (flags.port !== undefined) {
      const port = portOrOff('--port', flags.port);
      if (port === null) throw new Error('--port cannot be "off": the API and UI need it');
      config.port = port;
    }
    if (flags['grpc-port'] !== undefined) config.grpcPort = portOrOff('--grpc-port', flags['grpc-port']);
  } catch (error) {
    throw new StartupError(`${(error as Error).message}. See \`spanhouse serve --help\`.`);
  }
  if (flags.host) config.host = flags.host;
  if (flags.data) config.dataDir = resolve(flags.data);
  if (flags['clickhouse-url']) config.clickhouseUrl = flags['clickhouse-url'];
  return config;
}

/** Checks what can be checked before the data directory or a server is touched. */
async function preflight(overrides: Partial<CollectorConfig>): Promise<void> {
  const { defaultConfig } = await import('./config.ts');
  const { checkClickHouse, checkDataDir, checkPortFree } = await import('./startup-checks.ts');
  const config = { ...defaultConfig(), ...overrides };
  await checkPortFree(config.host, config.port, 'the HTTP', '--port <n> (env SPANHOUSE_PORT)');
  if (config.grpcPort !== null) await checkPortFree(config.host, config.grpcPort, 'the OTLP/gRPC', '--grpc-port <n> (env SPANHOUSE_GRPC_PORT; off turns gRPC off)');
  if (config.clickhouseUrl) await checkClickHouse(config.clickhouseUrl);
  else checkDataDir(config.dataDir);
}

/** A start failure the checks could not foresee (a race, or chDB's own refusal), in plain words when known. */
async function plainStartError(error: Error & { code?: string }, overrides: Partial<CollectorConfig>): Promise<Error> {
  const { defaultConfig } = await import('./config.ts');
  const { portError } = await import('./startup-checks.ts');
  const { EmbeddedUnsupportedError } = await import('./store/client.ts');
  const config = { ...defaultConfig(), ...overrides };
  if (error.code === 'EADDRINUSE' || error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL') return portError(error, config.host, config.port, 'the HTTP', '--port <n>');
  if (/No address added/.test(error.message)) return new StartupError(`the OTLP/gRPC port ${config.grpcPort} on ${config.host} cannot be listened on (in use?): choose another with --grpc-port <n>, or --grpc-port off`);
  if (!config.clickhouseUrl && /Failed to create connection for path/.test(error.message)) {
    return new StartupError(`data directory ${config.dataDir} is in use by another process (a running collector or spanhouse command): stop it, or use another --data directory`);
  }
  if (error instanceof EmbeddedUnsupportedError) return new StartupError(error.message);
  if (error.message.startsWith('SPANHOUSE_ADMIN_KEY')) return new StartupError(error.message);
  if (error.message.startsWith('refusing to listen')) return new StartupError(error.message.split('\n').join(' '));
  if (error.message.startsWith('invalid price overrides')) {
    return new StartupError(`${error.message.replace(/\s*\n\s*/g, '; ')}: fix the prices in the --config file or SPANHOUSE_PRICES_FILE (shape: README, Configuration)`);
  }
  return error;
}

/**
 * Opens the store a key command works on, saying plainly when a running collector holds the
 * data directory, or when it holds no store for an action that only reads or revokes.
 */
async function openStore(flags: { data?: string; 'clickhouse-url'?: string }, action: KeyAction): Promise<SpanStore | null> {
  const { configFromEnv, defaultConfig } = await import('./config.ts');
  const { collectorUrlOf, dataDirHolder, holdsStore } = await import('./startup-checks.ts');
  const { SpanStore } = await import('./store/span-store.ts');
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
  const holder = url ? null : dataDirHolder(dataDir);
  if (!url && holder === null && action !== 'create' && !holdsStore(dataDir)) {
    // a typo in --data, or the wrong working directory: no store is made for a read
    console.error(`spanhouse keys ${action}: no Spanhouse data in ${dataDir}: point at the collector's data directory with --data <dir> (env SPANHOUSE_DATA_DIR), or at a running collector with --url <collector>`);
    return null;
  }
  try {
    // a directory held by a live process is refused before chDB prints its own error
    if (holder !== null) throw new Error('in use');
    return await SpanStore.open({ dataDir, url, username: config.clickhouseUser, password: config.clickhousePassword, database: config.clickhouseDatabase });
  } catch (error) {
    if (!url) {
      const address = (holder !== null && collectorUrlOf(dataDir, holder)) || "<the collector's URL>";
      console.error(
        `cannot open the data directory ${dataDir}: a running collector (or another spanhouse command) is using it.\n` +
          `Manage keys through the running collector instead: add --url ${address} and, once it has keys, --key <admin key>;\n` +
          'or stop the collector and run this command again; or run it against a ClickHouse server with --clickhouse-url.',
      );
    } else {
      console.error(`cannot reach ClickHouse at ${url}: ${(error as Error).message}`);
    }
    return null;
  }
}

async function keys(argv: string[]): Promise<number> {
  const parsed = parseFlags(
    'keys',
    argv,
    {
      tenant: { type: 'string' },
      name: { type: 'string' },
      admin: { type: 'boolean', default: false },
      'trusted-relay': { type: 'boolean', default: false },
      data: { type: 'string' },
      'clickhouse-url': { type: 'string' },
      url: { type: 'string' },
      key: { type: 'string' },
    },
    true,
  );
  if (!parsed) return 2;
  if (parsed.values.help) {
    console.log(KEYS_HELP);
    return 0;
  }
  const [action, ...args] = parsed.positionals;
  const flags = parsed.values;
  if (action === 'generate') {
    const { generateApiKey } = await import('./auth/keys.ts');
    console.log(generateApiKey().key);
    return 0;
  }
  if (action !== 'create' && action !== 'list' && action !== 'revoke' && action !== 'tenants') {
    console.error('spanhouse keys: expected create, list, revoke, tenants or generate. See `spanhouse keys --help`.');
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
  const url = flags.url ?? (flags.data || flags['clickhouse-url'] ? undefined : process.env.SPANHOUSE_URL);
  const keyAdmin = url ? await remoteKeyAdmin(url, flags.key ?? process.env.SPANHOUSE_API_KEY) : await localKeyAdmin(flags, action);
  if (!keyAdmin) return 1;
  try {
    if (action === 'create') {
      const created = await keyAdmin.create({ tenant: flags.tenant!, name: flags.name, admin: flags.admin!, trustedRelay: flags['trusted-relay']! });
      const { key, record, warning } = created;
      // The key alone on stdout (KEY=$(spanhouse keys create ...)); the explanation on stderr.
      console.log(key);
      console.error(
        `\nAPI key ${record.key_id} for tenant "${record.tenant_id}"${record.admin ? ', admin' : ''}${record.trusted_relay ? ', trusted relay' : ''}.\n` +
          'It is shown only this once: store it now. Send it as\n' +
          `  Authorization: Bearer <key>          (API, UI)\n` +
          `  OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer <key>"   (OpenTelemetry exporters)`,
      );
      if (warning) console.error(`\nWarning: ${warning}`);
    } else if (action === 'list') {
      const all = await keyAdmin.list(flags.tenant);
      if (all.length === 0) console.log('no API keys');
      for (const k of all) {
        const traits = [k.admin ? 'admin' : '', k.trusted_relay ? 'trusted-relay' : '', k.revoked ? 'REVOKED' : ''].filter(Boolean).join(',');
        console.log(`${k.key_id}  tenant=${k.tenant_id}  created=${k.created_at}${k.name ? `  name=${k.name}` : ''}${traits ? `  ${traits}` : ''}`);
      }
    } else if (action === 'tenants') {
      for (const t of await keyAdmin.tenants()) console.log(`${t.tenant_id}  active_keys=${t.active_keys}`);
    } else {
      const revoked = await keyAdmin.revoke(args[0]);
      console.log(revoked ? `revoked ${args[0]}` : `no active key ${args[0]}`);
      if (!revoked) return 1;
    }
    return 0;
  } catch (error) {
    console.error(`spanhouse keys ${action}: ${(error as Error).message}`);
    return 1;
  } finally {
    await keyAdmin.close();
  }
}

/** What `spanhouse keys` does, on the data directory (or a ClickHouse server) or through a running collector. */
interface KeyAdmin {
  create(options: { tenant: string; name?: string; admin: boolean; trustedRelay: boolean }): Promise<CreatedKey>;
  list(tenant?: string): Promise<PublicKeyRecord[]>;
  revoke(keyId: string): Promise<boolean>;
  tenants(): Promise<TenantSummary[]>;
  close(): Promise<void>;
}

type KeyAction = 'create' | 'list' | 'revoke' | 'tenants';

async function localKeyAdmin(flags: { data?: string; 'clickhouse-url'?: string }, action: KeyAction): Promise<KeyAdmin | null> {
  const store = await openStore(flags, action);
  if (!store) return null;
  const { KeyStore } = await import('./store/keys.ts');
  const { createKey, listTenants, publicKey } = await import('./auth/admin.ts');
  const keyStore = new KeyStore(store.client);
  return {
    create: (options) => createKey(keyStore, options),
    list: async (tenant) => (await keyStore.keys(tenant)).map(publicKey),
    revoke: (keyId) => keyStore.revokeKey(keyId),
    tenants: () => listTenants(keyStore),
    close: () => store.close(),
  };
}

/** The admin API of a running collector (GET/POST/DELETE /api/admin/keys, GET /api/admin/tenants). */
async function remoteKeyAdmin(url: string, key: string | undefined): Promise<KeyAdmin | null> {
  const base = url.replace(/\/+$/, '');
  const call = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new Error(`cannot reach a collector at ${base} (${(error as Error).message}): is it running? Without one, leave out --url to work on the data directory`);
    }
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`${base} answered ${res.status} without JSON: is it a Spanhouse collector?`);
    }
    if (res.status === 401) throw new Error(`the collector wants an admin key: --key <admin key> (env SPANHOUSE_API_KEY). It said: ${json?.error?.message}`);
    if (res.status >= 400 && res.status !== 404) throw new Error(`the collector answered ${res.status}: ${json?.error?.message ?? text.slice(0, 300)}`);
    return { status: res.status, body: json as T };
  };
  const ok = <T>(answer: { status: number; body: T }, what: string): T => {
    if (answer.status === 404) throw new Error(`${base} has no ${what} (an older collector?)`);
    return answer.body;
  };
  return {
    async create(options) {
      const body = ok(await call<PublicKeyRecord & { key: string; warning?: string }>('POST', '/api/admin/keys', { tenant: options.tenant, name: options.name, admin: options.admin, trusted_relay: options.trustedRelay }), 'admin API');
      const { key: created, warning, ...record } = body;
      return { key: created, record, warning };
    },
    list: async (tenant) => ok(await call<{ data: PublicKeyRecord[] }>('GET', `/api/admin/keys${tenant ? `?tenant=${encodeURIComponent(tenant)}` : ''}`), 'admin API').data,
    async revoke(keyId) {
      const answer = await call('DELETE', `/api/admin/keys/${encodeURIComponent(keyId)}`);
      return answer.status !== 404;
    },
    tenants: async () => ok(await call<{ data: TenantSummary[] }>('GET', '/api/admin/tenants'), 'admin API').data,
    close: async () => {},
  };
}

async function demo(argv: string[]): Promise<number> {
  const parsed = parseFlags('demo', argv, { url: { type: 'string' }, key: { type: 'string' } });
  if (!parsed) return 2;
  const flags = parsed.values;
  if (flags.help) {
    console.log(DEMO_HELP);
    return 0;
  }
  const base = (flags.url ?? process.env.SPANHOUSE_URL ?? 'http://127.0.0.1:4318').replace(/\/+$/, '');
  const key = flags.key ?? process.env.SPANHOUSE_API_KEY;
  const { buildDemoTraces } = await import('./demo/sample-traces.ts');
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
