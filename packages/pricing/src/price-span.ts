// The pricing stage's per-span work, and a Pricer bundling overrides + optional refresh for the collector.
import type { SpanhouseSpan } from '@spanhouse/model';
import { loadPriceOverrides, NO_OVERRIDES, compileOverrides, type CompiledOverrides } from './overrides.ts';
import { startPriceRefresh, type PriceLog, type PriceRefreshOptions, type PriceRefresher } from './price-data.ts';
import { priceUsage, type PriceResult } from './price-usage.ts';
import { inferProvider } from './providers.ts';

const PRICED_TYPES = new Set(['generation', 'embedding']);

function hasUsage(span: SpanhouseSpan): boolean {
  return span.input_tokens > 0 || span.output_tokens > 0 || span.cache_read_tokens > 0 || span.cache_write_tokens > 0;
}

/** A cost the instrumentation reported always wins; Spanhouse only fills in what is missing. */
function hasClientCost(span: SpanhouseSpan): boolean {
  return span.cost_source === 'client' || (span.cost_usd !== null && span.cost_source !== 'computed');
}

/**
 * Fills cost_usd / cost_source='computed' / cost_details / pricing on generation and embedding spans
 * that have token usage and no client cost; marks them `unpriced` when no price covers the model.
 * Other spans come back unchanged (same object).
 */
export function priceSpan(span: SpanhouseSpan, overrides: CompiledOverrides = NO_OVERRIDES): SpanhouseSpan {
  if (!PRICED_TYPES.has(span.type) || hasClientCost(span) || !hasUsage(span)) return span;
  const result = priceSpanUsage(span, overrides);
  if (result.unpriced) {
    return { ...span, cost_usd: null, cost_source: '', cost_details: {}, pricing: null, unpriced: true };
  }
  return {
    ...span,
    cost_usd: result.cost_usd,
    cost_source: 'computed',
    cost_details: { ...result.cost_details },
    pricing: result.pricing,
    unpriced: false,
  };
}

/**
 * A generation or embedding span that names a model but no provider gets the provider the
 * price tables know for that model, marked as inferred in `mapping.inferred`.
 */
export function withInferredProvider(span: SpanhouseSpan): SpanhouseSpan {
  if (span.provider !== '' || !PRICED_TYPES.has(span.type)) return span;
  const provider = inferProvider(span.model) ?? inferProvider(span.request_model);
  if (!provider) return span;
  return { ...span, provider, mapping: { ...span.mapping, inferred: [...new Set([...(span.mapping.inferred ?? []), 'provider'])] } };
}

/** Response model first, then the requested one (a deployment alias may hide the real name in one of them). */
function priceSpanUsage(span: SpanhouseSpan, overrides: CompiledOverrides): PriceResult {
  const models = [...new Set([span.model, span.request_model].filter((m) => m.trim() !== ''))];
  let result: PriceResult = { unpriced: true, reason: 'no model name' };
  for (const model of models) {
    result = priceUsage(
      {
        provider: span.provider,
        model,
        input_tokens: span.input_tokens,
        output_tokens: span.output_tokens,
        cache_read_tokens: span.cache_read_tokens,
        cache_write_tokens: span.cache_write_tokens,
        reasoning_tokens: span.reasoning_tokens,
        at: new Date(span.start_time_us / 1000),
      },
      overrides,
    );
    if (!result.unpriced) return result;
  }
  return result;
}

export interface PricerOptions {
  /** Parsed override config (see overrides.ts for the shape). */
  overrides?: unknown;
  /** Path of a JSON override file; read once at creation. */
  overridesFile?: string;
  /** Periodic refresh of the price table; off by default. `true` uses genai-prices' data URL. */
  updatePrices?: boolean | PriceRefreshOptions;
  log?: PriceLog;
}

export interface Pricer {
  priceSpan(span: SpanhouseSpan): SpanhouseSpan;
  priceSpans(spans: SpanhouseSpan[]): SpanhouseSpan[];
  overrides: CompiledOverrides;
  /** Present when updatePrices is on. */
  refresher?: PriceRefresher;
  stop(): void;
}

/** Everything the collector's pricing stage needs, configured once. Throws on an invalid override file. */
export function createPricer(options: PricerOptions = {}): Pricer {
  const fromFile = options.overridesFile ? loadPriceOverrides(options.overridesFile) : NO_OVERRIDES;
  const inline = options.overrides !== undefined ? compileOverrides(options.overrides) : NO_OVERRIDES;
  // Inline entries first: a config value set in code is the more specific statement.
  const overrides: CompiledOverrides = {
    version: [inline.version, fromFile.version].filter(Boolean).join('+'),
    entries: [...inline.entries, ...fromFile.entries],
  };
  const refresher = options.updatePrices
    ? startPriceRefresh({ log: options.log, ...(options.updatePrices === true ? {} : options.updatePrices) })
    : undefined;
  const price = (span: SpanhouseSpan) => priceSpan(withInferredProvider(span), overrides);
  return {
    priceSpan: price,
    priceSpans: (spans) => spans.map(price),
    overrides,
    refresher,
    stop: () => refresher?.stop(),
  };
}
