// @spanhouse/sdk: instrument a Node.js LLM app for Spanhouse.
export { init, getSpanhouse, type Spanhouse } from './init.ts';
export { registerLoaderHook } from './loader-hook.ts';
export type { SpanhouseOptions, BatchOptions, Protocol } from './config.ts';
export { observe, observed, type ObserveOptions, type ObservationType } from './observe.ts';
export { withContext, getTraceContext, currentTraceId, currentSpanId, type TraceContext } from './context.ts';
export { logTrace, feedback, score, SpanhouseApiError, type LogTraceInput, type LoggedTrace } from './api.ts';
export { redactText } from './redact.ts';
export type { ExportStats, SignalStats } from './stats.ts';
