// Which price table genai-prices is using, and optional periodic refresh of it from a URL.
//
// genai-prices keeps one process-wide table (bundled data until replaced). Its `updatePrices(factory)`
// hands the factory a `setProviderData` that swaps the table; we capture that setter once and feed it
// JSON fetched in the same format as genai-prices' REMOTE_DATA_JSON_URL (an array of providers).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { REMOTE_DATA_JSON_URL, updatePrices, type Provider, type StorageFactoryParams } from '@pydantic/genai-prices';
import { z } from 'zod';

function installedGenAiPricesVersion(): string {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@pydantic/genai-prices');
  const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

/** Version label of the price data shipped inside the installed genai-prices package. */
export const BUNDLED_PRICE_VERSION = `genai-prices@${installedGenAiPricesVersion()}`;

let activeVersion = BUNDLED_PRICE_VERSION;

/** Version label of the table calcPrice uses right now (bundled, or the last good refresh). */
export function activePriceVersion(): string {
  return activeVersion;
}

let setProviderData: StorageFactoryParams['setProviderData'] | undefined;

function providerDataSetter(): StorageFactoryParams['setProviderData'] {
  if (!setProviderData) {
    updatePrices((params) => {
      setProviderData = params.setProviderData;
    });
  }
  return setProviderData!;
}

/** Loose shape check: enough to refuse an empty or wrong document before it replaces a good table. */
const providerDataSchema = z
  .array(
    z.looseObject({
      id: z.string().min(1),
      name: z.string(),
      api_pattern: z.string(),
      models: z.array(
        z.looseObject({
          id: z.string().min(1),
          match: z.record(z.string(), z.unknown()),
          prices: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown()).min(1)]),
        }),
      ),
    }),
  )
  .min(1);

/** Validates provider data and makes it the active table. Throws (and keeps the old table) when it is unusable. */
export function applyPriceData(data: unknown, version: string): void {
  const parsed = providerDataSchema.safeParse(data);
  if (!parsed.success) throw new Error(`price data has the wrong shape: ${z.prettifyError(parsed.error)}`);
  // Synchronous for a plain array: genai-prices normalises it and throws before swapping if it cannot.
  providerDataSetter()(parsed.data as unknown as Provider[]);
  activeVersion = version;
}

export type PriceLog = (level: 'info' | 'warn', message: string) => void;

export interface PriceRefreshOptions {
  /** JSON in genai-prices' data format. Default: genai-prices' REMOTE_DATA_JSON_URL. */
  url?: string;
  /** Default 6 hours. */
  intervalMs?: number;
  /** Per-request timeout. Default 30 s. */
  timeoutMs?: number;
  log?: PriceLog;
}

export interface PriceRefresher {
  /** Fetches now; resolves true when the table is current (updated or unchanged), false on failure. */
  refresh(): Promise<boolean>;
  stop(): void;
}

export const DEFAULT_REFRESH_INTERVAL_MS = 6 * 60 * 60 * 1000;
const DEFAULT_REFRESH_TIMEOUT_MS = 30_000;

const defaultLog: PriceLog = (level, message) => (level === 'warn' ? console.warn(message) : console.info(message));

/**
 * Starts refreshing the price table: once now, then every intervalMs (timer unref'd so it never keeps
 * the process alive). A failed fetch or bad document is logged and the last good table stays.
 */
export function startPriceRefresh(options: PriceRefreshOptions = {}): PriceRefresher {
  const url = options.url ?? REMOTE_DATA_JSON_URL;
  const timeoutMs = options.timeoutMs ?? DEFAULT_REFRESH_TIMEOUT_MS;
  const log = options.log ?? defaultLog;
  let etag: string | undefined;
  let inFlight: Promise<boolean> | undefined;

  const fetchAndApply = async (): Promise<boolean> => {
    try {
      const response = await fetch(url, {
        headers: etag ? { 'if-none-match': etag } : {},
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.status === 304) return true;
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const data: unknown = await response.json();
      applyPriceData(data, `remote:${new Date().toISOString()}`);
      etag = response.headers.get('etag') ?? undefined;
      log('info', `prices: loaded ${(data as unknown[]).length} providers from ${url}`);
      return true;
    } catch (error) {
      log('warn', `prices: refresh from ${url} failed, keeping ${activePriceVersion()}: ${(error as Error).message}`);
      return false;
    }
  };

  const refresh = () => {
    inFlight ??= fetchAndApply().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  void refresh();
  const timer = setInterval(refresh, options.intervalMs ?? DEFAULT_REFRESH_INTERVAL_MS);
  timer.unref();
  return { refresh, stop: () => clearInterval(timer) };
}
