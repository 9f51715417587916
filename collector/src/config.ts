// Collector configuration: defaults, then environment variables, then CLI flags.
import { resolve } from 'node:path';
import { BUILT_UI_DIR } from './assets.ts';
import { keyIdOf } from './auth/keys.ts';
import { loadEnrichmentSettings, readSettingsFile, type EnrichmentSettings } from './enrichment/settings.ts';
import { loadGatewaySettings, type GatewaySettings } from './gateway/settings.ts';
import { DEFAULT_HTTP_LIMITS, type HttpLimits } from './http-limits.ts';
import { DEFAULT_UNCOMPRESSED_CACHE_MIB } from './store/client.ts';

/** HTTP bounds (http-limits.ts) are flat fields of the config, so each has its variable. */
export interface CollectorConfig extends HttpLimits {
  /** Interface to listen on; loopback unless configured. */
  host: string;
  /** One port for OTLP/HTTP, the API and the UI (4318, the OTLP/HTTP default). */
  port: number;
  /** OTLP/gRPC port (4317, the OTLP/gRPC default); 0 picks a free one, null turns gRPC off. */
  grpcPort: number | null;
  /** Embedded chDB data directory (used when no ClickHouse URL is set). */
  dataDir: string;
  clickhouseUrl?: string;
  clickhouseUser?: string;
  clickhousePassword?: string;
  clickhouseDatabase?: string;
  /** Embedded chDB: MiB of decompressed blocks kept for reads to share (0: none). */
  uncompressedCacheMiB: number;
  /** Largest OTLP or API request body accepted, after decompression. */
  maxBodyBytes: number;
  /** Spans per insert at most. */
  batchMaxSpans: number;
  /** Longest a request waits for its batch to fill before the insert starts. */
  batchMaxDelayMs: number;
  /** Where the built web UI lives; served at `/` when present. */
  uiDir: string;
  /** Privacy, retention, prices and clustering (config file SPANHOUSE_CONFIG plus SPANHOUSE_TRACE_* variables). */
  enrichment: EnrichmentSettings;
  /** LLM gateway: providers, routing aliases, retries (config file `gateway` section plus OPENAI_API_KEY and friends). */
  gateway: GatewaySettings;
  /** POST /api/sql limits: seconds, bytes of memory and rows per query. */
  sqlMaxExecutionSeconds: number;
  sqlMaxMemoryBytes: number;
  sqlMaxResultRows: number;
  /** POST /api/sql fair share: queries at once in all, per tenant, waiting per tenant, and the longest wait. */
  sqlMaxConcurrent: number;
  sqlMaxConcurrentPerTenant: number;
  sqlMaxQueuedPerTenant: number;
  sqlQueueTimeoutMs: number;
  /** The durable spool (pipeline/spool.ts): off unless set; its directory and size cap. */
  spool: boolean;
  spoolDir?: string;
  spoolMaxBytes: number;
  /**
   * An admin key (tenant `default`) registered at start unless already stored
   * (SPANHOUSE_ADMIN_KEY; from `spanhouse keys generate`): how a container that listens on
   * 0.0.0.0 gets its first key. A revoked one stays revoked.
   */
  adminKey?: string;
  /** On close (SIGTERM): milliseconds to finish requests in flight before their connections are cut. */
  shutdownTimeoutMs: number;
  log: (message: string) => void;
}

/** True when `host` only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}

export const DEFAULT_UI_DIR = BUILT_UI_DIR;

export function defaultConfig(): CollectorConfig {
  return {
    host: '127.0.0.1',
    port: 4318,
    grpcPort: 4317,
    dataDir: resolve('spanhouse-data'),
    uncompressedCacheMiB: DEFAULT_UNCOMPRESSED_CACHE_MIB,
    maxBodyBytes: 20 * 1024 * 1024,
    batchMaxSpans: 5_000,
    batchMaxDelayMs: 50,
    uiDir: DEFAULT_UI_DIR,
    enrichment: loadEnrichmentSettings(undefined, {}),
    gateway: loadGatewaySettings(undefined, process.env),
    sqlMaxExecutionSeconds: 10,
    sqlMaxMemoryBytes: 1024 * 1024 * 1024,
    sqlMaxResultRows: 10_000,
    sqlMaxConcurrent: 2,
    sqlMaxConcurrentPerTenant: 1,
    sqlMaxQueuedPerTenant: 4,
    sqlQueueTimeoutMs: 15_000,
    spool: false,
    spoolMaxBytes: 1024 * 1024 * 1024,
    ...DEFAULT_HTTP_LIMITS,
    shutdownTimeoutMs: 10_000,
    log: (message) => console.log(`[spanhouse] ${message}`),
  };
}

function intFromEnv(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got "${value}"`);
  return n;
}

function onOff(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  const v = value.trim().toLowerCase();
  if (['on', 'true', '1', 'yes'].includes(v)) return true;
  if (['off', 'false', '0', 'no'].includes(v)) return false;
  throw new Error(`${name} must be on or off, got "${value}"`);
}

/** A port number (0: any free port), or null for `off`. */
export function portOrOff(name: string, value: string): number | null {
  if (value.trim().toLowerCase() === 'off') return null;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number (0-65535) or "off", got "${value}"`);
  return n;
}

function adminKeyFromEnv(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (keyIdOf(value.trim()) === null) throw new Error('SPANHOUSE_ADMIN_KEY is not a Spanhouse key: make one with `spanhouse keys generate`');
  return value.trim();
}

/** Settings from SPANHOUSE_* and CLICKHOUSE_* variables (unset ones are left out). */
export function configFromEnv(env: NodeJS.ProcessEnv, configFile = env.SPANHOUSE_CONFIG): Partial<CollectorConfig> {
  const file = configFile ? readSettingsFile(configFile) : undefined;
  const out: Partial<CollectorConfig> = {
    enrichment: loadEnrichmentSettings(file, env),
    gateway: loadGatewaySettings(file?.gateway, env),
    host: env.SPANHOUSE_HOST || undefined,
    port: intFromEnv('SPANHOUSE_PORT', env.SPANHOUSE_PORT),
    grpcPort: env.SPANHOUSE_GRPC_PORT ? portOrOff('SPANHOUSE_GRPC_PORT', env.SPANHOUSE_GRPC_PORT) : undefined,
    dataDir: env.SPANHOUSE_DATA_DIR ? resolve(env.SPANHOUSE_DATA_DIR) : undefined,
    clickhouseUrl: env.CLICKHOUSE_URL || undefined,
    adminKey: adminKeyFromEnv(env.SPANHOUSE_ADMIN_KEY),
    clickhouseUser: env.CLICKHOUSE_USER || undefined,
    clickhousePassword: env.CLICKHOUSE_PASSWORD || undefined,
    clickhouseDatabase: env.CLICKHOUSE_DATABASE || undefined,
    uncompressedCacheMiB: intFromEnv('SPANHOUSE_UNCOMPRESSED_CACHE_MB', env.SPANHOUSE_UNCOMPRESSED_CACHE_MB),
    maxBodyBytes: intFromEnv('SPANHOUSE_MAX_BODY_BYTES', env.SPANHOUSE_MAX_BODY_BYTES),
    batchMaxSpans: intFromEnv('SPANHOUSE_BATCH_MAX_SPANS', env.SPANHOUSE_BATCH_MAX_SPANS),
    batchMaxDelayMs: intFromEnv('SPANHOUSE_BATCH_MAX_DELAY_MS', env.SPANHOUSE_BATCH_MAX_DELAY_MS),
    sqlMaxExecutionSeconds: intFromEnv('SPANHOUSE_SQL_MAX_SECONDS', env.SPANHOUSE_SQL_MAX_SECONDS),
    sqlMaxMemoryBytes: intFromEnv('SPANHOUSE_SQL_MAX_MEMORY_BYTES', env.SPANHOUSE_SQL_MAX_MEMORY_BYTES),
    sqlMaxResultRows: intFromEnv('SPANHOUSE_SQL_MAX_ROWS', env.SPANHOUSE_SQL_MAX_ROWS),
    sqlMaxConcurrent: intFromEnv('SPANHOUSE_SQL_MAX_CONCURRENT', env.SPANHOUSE_SQL_MAX_CONCURRENT),
    sqlMaxConcurrentPerTenant: intFromEnv('SPANHOUSE_SQL_MAX_CONCURRENT_PER_TENANT', env.SPANHOUSE_SQL_MAX_CONCURRENT_PER_TENANT),
    sqlMaxQueuedPerTenant: intFromEnv('SPANHOUSE_SQL_MAX_QUEUED_PER_TENANT', env.SPANHOUSE_SQL_MAX_QUEUED_PER_TENANT),
    sqlQueueTimeoutMs: intFromEnv('SPANHOUSE_SQL_QUEUE_TIMEOUT_MS', env.SPANHOUSE_SQL_QUEUE_TIMEOUT_MS),
    spool: onOff('SPANHOUSE_SPOOL', env.SPANHOUSE_SPOOL),
    spoolDir: env.SPANHOUSE_SPOOL_DIR ? resolve(env.SPANHOUSE_SPOOL_DIR) : undefined,
    spoolMaxBytes: intFromEnv('SPANHOUSE_SPOOL_MAX_BYTES', env.SPANHOUSE_SPOOL_MAX_BYTES),
    maxConnections: intFromEnv('SPANHOUSE_MAX_CONNECTIONS', env.SPANHOUSE_MAX_CONNECTIONS),
    maxRequestsPerSocket: intFromEnv('SPANHOUSE_MAX_REQUESTS_PER_CONNECTION', env.SPANHOUSE_MAX_REQUESTS_PER_CONNECTION),
    maxInFlight: intFromEnv('SPANHOUSE_MAX_IN_FLIGHT', env.SPANHOUSE_MAX_IN_FLIGHT),
    headersTimeoutMs: intFromEnv('SPANHOUSE_HEADERS_TIMEOUT_MS', env.SPANHOUSE_HEADERS_TIMEOUT_MS),
    requestTimeoutMs: intFromEnv('SPANHOUSE_REQUEST_TIMEOUT_MS', env.SPANHOUSE_REQUEST_TIMEOUT_MS),
    keepAliveTimeoutMs: intFromEnv('SPANHOUSE_KEEP_ALIVE_TIMEOUT_MS', env.SPANHOUSE_KEEP_ALIVE_TIMEOUT_MS),
    shutdownTimeoutMs: intFromEnv('SPANHOUSE_SHUTDOWN_TIMEOUT_MS', env.SPANHOUSE_SHUTDOWN_TIMEOUT_MS),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as Partial<CollectorConfig>;
}
