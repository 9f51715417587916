export {
  priceUsage,
  toGenAiPricesUsage,
  costDetails,
  type UsageToPrice,
  type CostDetails,
  type PriceResult,
  type PricedUsage,
  type UnpricedUsage,
} from './price-usage.ts';
export { priceSpan, withInferredProvider, createPricer, type Pricer, type PricerOptions } from './price-span.ts';
export {
  compileOverrides,
  loadPriceOverrides,
  findOverride,
  priceOverridesFileSchema,
  NO_OVERRIDES,
  type PriceOverride,
  type PriceOverridesFile,
  type CompiledOverride,
  type CompiledOverrides,
} from './overrides.ts';
export {
  startPriceRefresh,
  applyPriceData,
  activePriceVersion,
  BUNDLED_PRICE_VERSION,
  DEFAULT_REFRESH_INTERVAL_MS,
  type PriceLog,
  type PriceRefresher,
  type PriceRefreshOptions,
} from './price-data.ts';
export { inferProvider, toGenAiPricesProvider, PROVIDER_IDS } from './providers.ts';
