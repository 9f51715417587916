// init(): tracer and logger providers exporting OTLP to Spanhouse, with the helpers' span
// processor, auto-instrumentation and flush on exit. An app that already registered its own
// OpenTelemetry tracer provider keeps it: the SDK adds its processors to it instead.
import { diag, ProxyTracerProvider, trace, type TracerProvider } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { defaultResource, detectResources, envDetector, hostDetector, osDetector, processDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { resolveConfig, type SpanhouseConfig, type SpanhouseOptions } from './config.ts';
import { TraceContextProcessor } from './context.ts';
import { createLogExporter, createSpanExporter } from './exporters.ts';
import { enableInstrumentations } from './instrumentations.ts';
import { ExportingLogProcessor, ExportingSpanProcessor } from './pipeline.ts';
import { redactText } from './redact.ts';
import { SDK_NAME, SDK_VERSION, state } from './state.ts';
import type { ExportStats } from './stats.ts';

export interface Spanhouse {
  readonly config: SpanhouseConfig;
  /** The SDK's own tracer provider, or undefined when it joined the app's. */
  readonly tracerProvider?: NodeTracerProvider;
  readonly loggerProvider: LoggerProvider;
  /** Names of the client libraries whose instrumentation is enabled. */
  readonly instrumented: string[];
  /** Exports everything ended so far and waits for the collector's answer. */
  flush(): Promise<void>;
  /** Flushes, then stops exporting and removes the instrumentations. Never rejects (failures go to OTel's diag log). */
  shutdown(): Promise<void>;
  /** What happened to the spans and log records so far (exported, queued, dropped). */
  stats(): ExportStats;
}

/** An existing OTel JS tracer provider takes our processors: public API in 1.x, internal list in 2.x. */
function joinProvider(provider: TracerProvider, processors: SpanProcessor[]): boolean {
  const p = provider as any;
  if (typeof p.addSpanProcessor === 'function') {
    for (const processor of processors) p.addSpanProcessor(processor);
    return true;
  }
  // OTel JS 2.x takes processors only in the constructor and keeps them in a MultiSpanProcessor.
  const list = p._activeSpanProcessor?._spanProcessors;
  if (Array.isArray(list)) {
    list.push(...processors);
    return true;
  }
  return false;
}

/** The app's registered tracer provider, if it has one. */
function registeredProvider(): TracerProvider | undefined {
  const global = trace.getTracerProvider();
  const delegate = global instanceof ProxyTracerProvider ? global.getDelegate() : global;
  return delegate === new ProxyTracerProvider().getDelegate() ? undefined : delegate;
}

function exitHooks(shutdown: () => Promise<void>): () => void {
  const onBeforeExit = () => void shutdown();
  const onSignal = (signal: NodeJS.Signals) => {
    remove();
    // Flush (bounded by the export timeout), then let the signal do what it would have done.
    void shutdown().finally(() => process.kill(process.pid, signal));
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  // A handler of our own would stop Node's default exit; apps with their own handlers keep control.
  const ours = signals.filter((s) => process.listenerCount(s) === 0);
  process.once('beforeExit', onBeforeExit);
  for (const s of ours) process.once(s, onSignal);
  function remove() {
    process.off('beforeExit', onBeforeExit);
    for (const s of ours) process.off(s, onSignal);
  }
  return remove;
}

/**
 * Starts sending traces and logs to Spanhouse. Call it once, before the app loads its LLM
 * client libraries (for ES modules: `node --import @spanhouse/sdk/register app.js`).
 * A second call returns the running instance.
 */
export function init(options: SpanhouseOptions = {}): Spanhouse {
  if (state.instance) return state.instance as Spanhouse;
  const config = resolveConfig(options);
  const redact = config.redact === true ? redactText : config.redact || undefined;
  const resource = defaultResource()
    .merge(detectResources({ detectors: [envDetector, hostDetector, osDetector, processDetector] }))
    .merge(resourceFromAttributes({ 'service.name': config.serviceName, 'telemetry.distro.name': SDK_NAME, 'telemetry.distro.version': SDK_VERSION, ...config.resourceAttributes }));

  const spanExport = new ExportingSpanProcessor(createSpanExporter(config), config.batch, redact);
  const logExport = new ExportingLogProcessor(createLogExporter(config), config.batch, redact);
  const processors: SpanProcessor[] = [new TraceContextProcessor(), spanExport];

  let tracerProvider: NodeTracerProvider | undefined;
  const existing = registeredProvider();
  if (existing) {
    if (!joinProvider(existing, processors)) {
      throw new Error(`${SDK_NAME}: the registered tracer provider takes no span processors; call init() before registering it, or instead of it`);
    }
  } else {
    const sampler = config.sampleRate < 1 ? new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sampleRate) }) : new AlwaysOnSampler();
    tracerProvider = new NodeTracerProvider({ resource, sampler, spanProcessors: processors });
    if (!config.disabled) tracerProvider.register();
  }
  const loggerProvider = new LoggerProvider({ resource, processors: [logExport] });
  if (!config.disabled) logs.setGlobalLoggerProvider(loggerProvider); // keeps an app's own, if it set one

  const instrumentations = config.instrument && !config.disabled ? enableInstrumentations(config, loggerProvider) : [];

  const flush = async () => {
    await Promise.all([spanExport.forceFlush(), logExport.forceFlush()]);
  };
  let stopping: Promise<void> | undefined;
  const shutdown = () =>
    (stopping ??= (async () => {
      removeExitHooks();
      for (const i of instrumentations) i.disable();
      // Never rejects: it runs at exit, where a rejection would crash the app over lost telemetry.
      const report = (err: unknown) => diag.warn(`${SDK_NAME}: export at shutdown failed: ${err}`);
      await flush().catch(report);
      await Promise.all([tracerProvider?.shutdown() ?? spanExport.shutdown(), loggerProvider.shutdown()]).catch(report);
      if (state.instance === instance) Object.assign(state, { instance: undefined, config: undefined, flush: undefined });
    })());
  const removeExitHooks = config.flushOnExit ? exitHooks(shutdown) : () => {};

  const instance: Spanhouse = {
    config,
    tracerProvider,
    loggerProvider,
    instrumented: instrumentations.map((i) => i.instrumentationName),
    flush,
    shutdown,
    stats: () => ({ spans: spanExport.counter.snapshot(), logs: logExport.counter.snapshot() }),
  };
  Object.assign(state, { instance, config, flush });
  return instance;
}

/** The running instance from init(), if any. */
export function getSpanhouse(): Spanhouse | undefined {
  return state.instance as Spanhouse | undefined;
}
