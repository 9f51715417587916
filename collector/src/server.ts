// Wires receivers, pipeline, store, API and UI into one HTTP server.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import { adminRoutes } from './api/admin.ts';
import { CursorCodec } from './api/cursor.ts';
import { datasetRoutes } from './api/datasets.ts';
import { enrichmentRoutes } from './api/enrichment.ts';
import { demoRoutes } from './api/demo.ts';
import { errorHandler, unknownRoute } from './api/errors.ts';
import { metricsRoutes } from './api/metrics.ts';
import { openapiRoutes } from './api/openapi.ts';
import { otelMetricsRoutes } from './api/otel-metrics.ts';
import { sessionRoutes } from './api/sessions.ts';
import { playgroundRoutes } from './api/playground.ts';
import { sqlRoutes } from './api/sql.ts';
import { traceRoutes } from './api/traces.ts';
import { valueRoutes } from './api/values.ts';
import { writeRoutes } from './api/writes.ts';
import { ensureAdminKey } from './auth/admin.ts';
import { Authenticator, authOf, DEFAULT_TENANT, otlpTenant, type HeaderCarrier } from './auth/authenticate.ts';
import { defaultConfig, isLoopbackHost, type CollectorConfig } from './config.ts';
import { createEnrichment } from './enrichment/index.ts';
import { Gateway } from './gateway/gateway.ts';
import { directGatewayRoutes, gatewayRoutes, isGatewayPath, writeOpenAiProblem } from './gateway/routes.ts';
import { policyFor } from './enrichment/settings.ts';
import { BatchWriter } from './pipeline/batch-writer.ts';
import { applyServerLimits, boundedJsonBody, Drainer, HealthCache, InFlightLimit, jsonBodyOnly, validQueryEncoding } from './http-limits.ts';
import { IngestPipeline } from './pipeline/ingest.ts';
import { Spool } from './pipeline/spool.ts';
import { SpanMapper } from './pipeline/span-mapper.ts';
import { ingestHealthRoutes } from './api/ingest-health.ts';
import { IngestHealthStore } from './store/ingest-health.ts';
import type { ClickHouseOptions } from './store/client.ts';
import { SpanRewriter } from './pipeline/rewrite.ts';
import type { SpanProcessor } from './pipeline/processor.ts';
import { otlpReceiver, writeOtlpProblem } from './receivers/otlp-http.ts';
import { otlpExport } from './receivers/otlp-export.ts';
import { startOtlpGrpc, type RunningGrpcReceiver } from './receivers/otlp-grpc.ts';
import { MetricsReceiver } from './receivers/otlp-metrics.ts';
import { DatasetStore } from './store/datasets.ts';
import { KeyStore } from './store/keys.ts';
import { MetricsStore } from './store/metrics.ts';
import { OtelMetricsStore } from './store/otel-metrics.ts';
import { ScoreStore } from './store/scores.ts';
import { SearchStore } from './store/search.ts';
import { SessionStore } from './store/sessions.ts';
import { SpanEventStore } from './store/span-events.ts';
import { SpanStore } from './store/span-store.ts';
import { SqlStore } from './store/sql.ts';
import { ValueStore } from './store/values.ts';

export { DEFAULT_TENANT };

/** Why a collector reachable from other machines will not start without API keys. */
export const NO_KEYS_MESSAGE = (host: string) =>
  `refusing to listen on ${host} without API keys: anyone who can reach it could read and write every trace.\n` +
  'Create a key first (with the collector stopped), then start again:\n' +
  '  spanhouse keys create --tenant <name>\n' +
  'or give it an admin key in SPANHOUSE_ADMIN_KEY (from `spanhouse keys generate`),\n' +
  'or listen on 127.0.0.1 only (the default) for keyless local use.';

export interface RunningCollector {
  url: string;
  host: string;
  port: number;
  /** OTLP/gRPC port; null when gRPC is off. */
  grpcPort: number | null;
  store: SpanStore;
  /** POST /api/sql's store (its fair queue is visible to tests). */
  sql: SqlStore;
  config: CollectorConfig;
  /** The Express app (route tables for the OpenAPI parity test). */
  app: express.Express;
  /** Stops accepting requests, stores what was accepted, closes ClickHouse. */
  close(): Promise<void>;
}

export async function startCollector(overrides: Partial<CollectorConfig> = {}, processors: SpanProcessor[] = []): Promise<RunningCollector> {
  const config: CollectorConfig = { ...defaultConfig(), ...overrides };
  // one ClickHouse, reached alike by the store and by user SQL
  const clickhouse: ClickHouseOptions = {
    dataDir: config.dataDir,
    url: config.clickhouseUrl,
    username: config.clickhouseUser,
    password: config.clickhousePassword,
    database: config.clickhouseDatabase,
    uncompressedCacheMiB: config.uncompressedCacheMiB,
  };
  const store = await SpanStore.open({ ...clickhouse, log: config.log });
  const keys = new KeyStore(store.client);
  if (config.adminKey) {
    await ensureAdminKey(keys, config.adminKey).catch(async (error) => {
      await store.close();
      throw error;
    });
  }
  const loopback = isLoopbackHost(config.host);
  if (!loopback && (await keys.countActiveKeys()) === 0) {
    await store.close();
    throw new Error(NO_KEYS_MESSAGE(config.host));
  }
  const writer = new BatchWriter(store, { maxSpans: config.batchMaxSpans, maxDelayMs: config.batchMaxDelayMs });
  // With the spool on, spans are acknowledged once in its log and stored from there.
  const spool = config.spool
    ? new Spool(writer, { dir: config.spoolDir ?? join(config.dataDir, 'spool'), maxBytes: config.spoolMaxBytes, maxSpans: config.batchMaxSpans, log: config.log })
    : null;
  const enrichment = createEnrichment(config.enrichment, store, config.log);
  const spanProcessors = [...enrichment.spanProcessors, ...processors];
  const rewriter = new SpanRewriter(store, spanProcessors);
  const mapper = new SpanMapper(config.log);
  const pipeline = new IngestPipeline(
    spool ?? writer,
    store.logs,
    rewriter,
    spanProcessors,
    enrichment.logProcessors,
    { retentionDaysOf: (tenantId) => policyFor(config.enrichment, tenantId).retentionDays, spooled: spool !== null },
    mapper,
  );
  const auth = new Authenticator(keys, { loopback });
  await auth.warm();
  const cursors = new CursorCodec(await keys.secret('cursor'));
  const scores = new ScoreStore(store.client);
  const search = new SearchStore(store.client, scores);
  const sql = new SqlStore(
    store.client,
    store.mode,
    clickhouse,
    {
      maxExecutionSeconds: config.sqlMaxExecutionSeconds,
      maxMemoryBytes: config.sqlMaxMemoryBytes,
      maxResultRows: config.sqlMaxResultRows,
      maxQueryChars: 20_000,
      total: config.sqlMaxConcurrent,
      perTenant: config.sqlMaxConcurrentPerTenant,
      maxQueuedPerTenant: config.sqlMaxQueuedPerTenant,
      queueTimeoutMs: config.sqlQueueTimeoutMs,
    },
  );
  // Schema objects are made here, at start-up, never on a request path (issue 10).
  await sql.prepare(DEFAULT_TENANT, config.log);

  const app = express();
  app.disable('x-powered-by');
  const drainer = new Drainer();
  app.use(drainer.middleware);
  // Health reads cached state (one storage check per 2 s at most), before any limit or key.
  const health = new HealthCache(() => store.client.ping().then((r) => r.success));
  app.get('/healthz', async (_req, res) => {
    const ok = await health.healthy();
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', storage: store.mode });
  });
  const inFlight = new InFlightLimit(config.maxInFlight);
  app.use(inFlight.middleware);
  app.use(openapiRoutes({ uiDir: config.uiDir })); // before authentication: the document and its page need no key
  // Every OTLP and API request carries a key (or is keyless on a loopback-only collector without keys).
  app.use(
    ['/v1', '/api'],
    auth.middleware((res, error) => {
      if (isGatewayPath(res.req.originalUrl.split('?')[0])) writeOpenAiProblem(res.req, res, { status: error.status, code: error.code, message: error.message });
      else if (res.req.baseUrl === '/v1') writeOtlpProblem(res.req, res, { status: error.status, code: error.code, message: error.message });
      else res.status(error.status).json({ error: { code: error.code, message: error.message } });
    }),
  );
  const otelMetrics = new OtelMetricsStore(store.client);
  const gateway = new Gateway(config.gateway, pipeline, config.log);
  app.use(gatewayRoutes({ gateway })); // before the OTLP receiver's catch-all under /v1
  // the gateway's POST routes are answered before the app, with the same drain, cap and keys
  const direct = directGatewayRoutes({ gateway, auth, admission: [drainer, inFlight], maxBodyBytes: config.maxBodyBytes, log: config.log });
  const exporter = otlpExport({ pipeline, metrics: new MetricsReceiver(otelMetrics, config.enrichment), log: config.log });
  app.use(otlpReceiver({ exporter, maxBodyBytes: config.maxBodyBytes, tenantOf: (req) => otlpTenant(authOf(req)) }));
  app.use(
    '/api',
    validQueryEncoding,
    jsonBodyOnly,
    express.json({ limit: config.maxBodyBytes }),
    boundedJsonBody,
    traceRoutes({ store, search, scores, cursors }),
    sessionRoutes({ sessions: new SessionStore(store.client), cursors }),
    valueRoutes({ values: new ValueStore(store.client) }),
    writeRoutes({ store, pipeline, rewriter, scores, events: new SpanEventStore(store.client) }),
    metricsRoutes({ metrics: new MetricsStore(store.client) }),
    ingestHealthRoutes({ health: new IngestHealthStore(store.client) }),
    otelMetricsRoutes({ otelMetrics }),
    datasetRoutes({ store, datasets: new DatasetStore(store.client), cursors }),
    sqlRoutes({ sql }),
    demoRoutes({ pipeline }),
    enrichmentRoutes({ rewriter, enrichment }),
    playgroundRoutes({ gateway, store }),
    adminRoutes({ keys, auth }),
  );
  serveUi(app, config.uiDir);
  // One error handler for the whole app: JSON, or google.rpc.Status under /v1; never HTML.
  app.use(unknownRoute);
  app.use(errorHandler(config.log, { '/v1/chat': writeOpenAiProblem, '/v1/embeddings': writeOpenAiProblem, '/v1/models': writeOpenAiProblem, '/v1': writeOtlpProblem }));

  /** Stores what was accepted and closes ClickHouse (after the listeners stopped). */
  const closeStorage = async () => {
    await mapper.close();
    await spool?.close(config.shutdownTimeoutMs);
    await writer.close();
    await enrichment.close();
    await sql.close();
    await store.close();
  };
  const server = await new Promise<Server>((resolve, reject) => {
    const s = createServer((req, res) => {
      if (!direct(req, res)) app(req, res);
    }).listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  }).catch(async (error) => {
    await closeStorage();
    throw error;
  });
  applyServerLimits(server, config);
  const { port } = server.address() as AddressInfo;
  let grpc: RunningGrpcReceiver | null = null;
  if (config.grpcPort !== null) {
    const grpcOptions = { exporter, host: config.host, port: config.grpcPort, maxMessageBytes: config.maxBodyBytes, authenticate: (c: HeaderCarrier) => auth.authenticate(c), tenantOf: otlpTenant };
    grpc = await startOtlpGrpc(grpcOptions).catch(async (error) => {
      await new Promise((resolve) => server.close(resolve));
      await closeStorage();
      throw error;
    });
  }
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${hostForUrl}:${port}`,
    host: config.host,
    port,
    grpcPort: grpc?.port ?? null,
    store,
    sql,
    config,
    app,
    close() {
      closing ??= (async () => {
        await Promise.all([drainer.drain(server, config.shutdownTimeoutMs), grpc?.close()]);
        await gateway.settle(); // calls answered before their spans were stored
        await closeStorage();
      })();
      return closing;
    },
  };
}

/** The built UI at `/`, with every other non-API GET answered by index.html (client-side routes). */
function serveUi(app: express.Express, uiDir: string): void {
  const index = join(uiDir, 'index.html');
  if (!existsSync(index)) {
    app.get('/', (_req, res) => {
      res.type('text/plain').send('Spanhouse is running. The web UI is not built: run `npm run build`.\n');
    });
    return;
  }
  // Hashed assets can be cached for long; index.html must be revalidated so upgrades show at once.
  const noCache = (res: express.Response) => res.setHeader('Cache-Control', 'no-cache');
  const assets = express.static(uiDir, {
    index: 'index.html',
    maxAge: '7d',
    setHeaders: (res, path) => {
      if (path.endsWith('.html')) noCache(res);
    },
  });
  // never for API or OTLP paths (`/v1/..%2f` would otherwise be the UI directory's HTML redirect)
  app.use((req, res, next) => (/^\/(?:api|v1)(?:\/|$)/.test(req.path) ? next() : assets(req, res, next)));
  app.get(/^\/(?!api\/|v1\/).*/, (_req, res) => {
    noCache(res);
    res.sendFile(index);
  });
}
