export { startCollector, DEFAULT_TENANT, type RunningCollector } from './server.ts';
export { defaultConfig, configFromEnv, type CollectorConfig } from './config.ts';
export { SpanStore, type TraceFilter, type TracePage } from './store/span-store.ts';
export type { SpanRecord } from './store/rows.ts';
export type { SpanProcessor } from './pipeline/processor.ts';
