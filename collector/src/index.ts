export { startCollector, DEFAULT_TENANT, type RunningCollector } from './server.ts';
export { defaultConfig, configFromEnv, type CollectorConfig } from './config.ts';
export { SpanStore } from './store/span-store.ts';
export type { SpanRecord } from './store/span-columns.ts';
export type { SpanProcessor } from './pipeline/processor.ts';
export { loadEnrichmentSettings, readSettingsFile, policyFor, type EnrichmentSettings, type TenantPolicy } from './enrichment/settings.ts';
