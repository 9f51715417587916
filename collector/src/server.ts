// Wires receivers, pipeline, store, API and UI into one HTTP server.
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express, { type Request } from 'express';
import { apiErrorHandler, notFound } from './api/errors.ts';
import { traceRoutes } from './api/traces.ts';
import { defaultConfig, type CollectorConfig } from './config.ts';
import { BatchWriter } from './pipeline/batch-writer.ts';
import { IngestPipeline } from './pipeline/ingest.ts';
import type { SpanProcessor } from './pipeline/processor.ts';
import { otlpReceiver } from './receivers/otlp-http.ts';
import { SpanStore } from './store/span-store.ts';

export const DEFAULT_TENANT = 'default';

export interface RunningCollector {
  url: string;
  host: string;
  port: number;
  store: SpanStore;
  config: CollectorConfig;
  /** Stops accepting requests, stores what was accepted, closes ClickHouse. */
  close(): Promise<void>;
}

export async function startCollector(overrides: Partial<CollectorConfig> = {}, processors: SpanProcessor[] = []): Promise<RunningCollector> {
  const config: CollectorConfig = { ...defaultConfig(), ...overrides };
  const store = await SpanStore.open({
    dataDir: config.dataDir,
    url: config.clickhouseUrl,
    username: config.clickhouseUser,
    password: config.clickhousePassword,
    database: config.clickhouseDatabase,
  });
  const writer = new BatchWriter(store, { maxSpans: config.batchMaxSpans, maxDelayMs: config.batchMaxDelayMs });
  const pipeline = new IngestPipeline(writer, store, processors);
  // Until API keys exist every request belongs to the default tenant (or the one it names).
  const tenantOf = (_req: Request, requested?: string) => requested ?? DEFAULT_TENANT;

  const app = express();
  app.disable('x-powered-by');
  app.use(otlpReceiver({ pipeline, maxBodyBytes: config.maxBodyBytes, tenantOf: (req) => tenantOf(req), log: config.log }));
  app.get('/healthz', async (_req, res) => {
    const ok = await store.client.ping().then((r) => r.success, () => false);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', storage: store.mode });
  });
  app.use('/api', express.json({ limit: config.maxBodyBytes }), traceRoutes({ store, tenantOf }));
  app.use('/api', (req) => {
    throw notFound(`route ${req.method} ${req.originalUrl.split('?')[0]}`);
  });
  app.use('/api', apiErrorHandler(config.log));
  serveUi(app, config.uiDir);

  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${hostForUrl}:${port}`,
    host: config.host,
    port,
    store,
    config,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await writer.close();
        await store.close();
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
  app.use(express.static(uiDir, { index: 'index.html', maxAge: '1h' }));
  app.get(/^\/(?!api\/|v1\/).*/, (_req, res) => res.sendFile(index));
}
