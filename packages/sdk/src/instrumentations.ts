// Auto-instrumentation by existing, maintained instrumentations, each loaded only at init (and
// only if installed: the OpenAI one ships with the SDK, the others are optional peers the app
// installs next to its client library). Each must be enabled before the app loads the client.
import { metrics } from '@opentelemetry/api';
import type { LoggerProvider } from '@opentelemetry/api-logs';
import type { SpanhouseConfig } from './config.ts';
import { loadOptional, resolveFrom } from './optional.ts';

/** The parts of an OTel Instrumentation used here (versions of @opentelemetry/instrumentation differ). */
interface Instrumentation {
  instrumentationName: string;
  setMeterProvider(provider: unknown): void;
  setLoggerProvider?(provider: LoggerProvider): void;
  disable(): void;
}

interface Known {
  library: string;
  package: string;
  create(module: any, config: SpanhouseConfig): Instrumentation;
}

export const KNOWN_INSTRUMENTATIONS: Known[] = [
  {
    library: 'openai',
    package: '@opentelemetry/instrumentation-openai',
    create(module, config) {
      rememberBaseUrlAttributes();
      const instrumentation = new module.OpenAIInstrumentation();
      // The constructor lets OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT win; init's option wins here.
      instrumentation.setConfig({ ...instrumentation.getConfig(), captureMessageContent: config.captureContent });
      return instrumentation;
    },
  },
  {
    library: '@anthropic-ai/sdk',
    package: '@traceloop/instrumentation-anthropic',
    create: (module, config) => new module.AnthropicInstrumentation({ traceContent: config.captureContent }),
  },
  {
    library: '@langchain/core',
    package: '@arizeai/openinference-instrumentation-langchain',
    create: (module, config) =>
      new module.LangChainInstrumentation({ traceConfig: { hideInputs: !config.captureContent, hideOutputs: !config.captureContent } }),
  },
];

type BaseUrlAttributes = (baseURL: string | undefined, ...rest: unknown[]) => Record<string, string | number> | undefined;
const BASE_URLS_REMEMBERED = 32;

/**
 * The OpenAI instrumentation parses the client's base URL on every call for `server.address`
 * and `server.port` (a `new URL()`, about 3 µs inside a call): remember the answer per URL.
 * It calls its helper through the module's exports, so replacing the export is enough; a
 * version laid out otherwise keeps its own.
 */
function rememberBaseUrlAttributes(): void {
  let utils: { getAttrsFromBaseURL?: BaseUrlAttributes & { remembered?: true } };
  try {
    utils = loadOptional(resolveFrom('@opentelemetry/instrumentation-openai', './utils.js')) ?? {};
  } catch {
    return;
  }
  const parse = utils.getAttrsFromBaseURL;
  if (typeof parse !== 'function' || parse.remembered) return;
  const known = new Map<string, ReturnType<BaseUrlAttributes>>();
  utils.getAttrsFromBaseURL = Object.assign(
    (baseURL: string | undefined, ...rest: unknown[]) => {
      if (typeof baseURL !== 'string') return parse(baseURL, ...rest);
      if (known.has(baseURL)) return known.get(baseURL);
      if (known.size >= BASE_URLS_REMEMBERED) known.clear();
      const attributes = parse(baseURL, ...rest);
      known.set(baseURL, attributes && Object.freeze(attributes));
      return attributes;
    },
    { remembered: true as const },
  );
}

/**
 * Enables every known instrumentation that is installed. Spans go to the global tracer provider
 * (the SDK's, or the app's own); content log records to the SDK's logger provider.
 */
export function enableInstrumentations(config: SpanhouseConfig, loggerProvider: LoggerProvider): Instrumentation[] {
  const enabled: Instrumentation[] = [];
  for (const known of KNOWN_INSTRUMENTATIONS) {
    const module = loadOptional(known.package);
    if (!module) continue;
    // Constructing one enables it: it hooks require (and import, with the register entry).
    const instrumentation = known.create(module, config);
    instrumentation.setLoggerProvider?.(loggerProvider);
    // Creates its metric instruments (no-ops unless the app has a meter provider).
    instrumentation.setMeterProvider(metrics.getMeterProvider());
    enabled.push(instrumentation);
  }
  return enabled;
}
