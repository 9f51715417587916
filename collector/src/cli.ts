// spanhouse serve | help. Flags override SPANHOUSE_* / CLICKHOUSE_* variables.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { configFromEnv, type CollectorConfig } from './config.ts';
import { startCollector } from './server.ts';

const USAGE = `Usage: spanhouse <command> [options]

Commands:
  serve     Run the collector: OTLP/HTTP receiver, REST API and web UI on one port
  help      Show this help

Options for serve:
  --port <n>             Port (default 4318, env SPANHOUSE_PORT)
  --host <addr>          Interface (default 127.0.0.1, env SPANHOUSE_HOST)
  --data <dir>           Embedded ClickHouse data directory (default ./spanhouse-data, env SPANHOUSE_DATA_DIR)
  --clickhouse-url <url> Use a ClickHouse server instead of the embedded one (env CLICKHOUSE_URL;
                         CLICKHOUSE_USER, CLICKHOUSE_PASSWORD, CLICKHOUSE_DATABASE)
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return 0;
  }
  if (command === 'serve') return serve(rest);
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
      },
      strict: true,
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  let config: Partial<CollectorConfig>;
  try {
    config = configFromEnv(process.env);
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

  const collector = await startCollector(config);
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
