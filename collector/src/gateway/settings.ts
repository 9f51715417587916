// Gateway settings: upstream providers, routing aliases, retries and timeouts. Read from the
// `gateway` section of the config file (SPANHOUSE_CONFIG) and provider keys from the
// environment (config.ts calls loadGatewaySettings). Provider keys live here only: never in traces.
import { z } from 'zod';

/** How a provider speaks: the OpenAI chat-completions wire format, or Anthropic's Messages API. */
export const WIRE_FORMATS = ['openai', 'anthropic'] as const;
export type WireFormat = (typeof WIRE_FORMATS)[number];

export const STRATEGIES = ['fallback', 'weighted', 'cheapest'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** How a provider's name is spelled (the keys of gateway.providers). */
const PROVIDER_NAME = /^[a-z0-9][a-z0-9._-]*$/;

const providerSchema = z
  .object({
    /** Wire format (default: anthropic for the provider named "anthropic", else openai). */
    type: z.enum(WIRE_FORMATS).optional(),
    /** Base URL including the version path, e.g. https://api.openai.com/v1 or http://localhost:11434/v1. */
    baseUrl: z.url().optional(),
    apiKey: z.string().min(1).optional(),
    /** Environment variable holding the key (default: the built-in's, e.g. OPENAI_API_KEY). */
    apiKeyEnv: z.string().min(1).optional(),
    /** gen_ai.provider.name recorded on spans (default: the built-in's, else the provider's name). */
    providerName: z.string().min(1).optional(),
    /** Models listed by GET /v1/models as `<provider>/<model>`. */
    models: z.array(z.string().min(1)).optional(),
    /** Extra headers sent upstream (e.g. OpenRouter's HTTP-Referer). */
    headers: z.record(z.string(), z.string()).optional(),
  })
  .strict();

const targetSchema = z.union([z.string().min(1), z.object({ model: z.string().min(1), weight: z.number().positive().optional() }).strict()]);

const aliasSchema = z
  .object({
    targets: z.array(targetSchema).min(1).max(20),
    strategy: z.enum(STRATEGIES).default('fallback'),
    /** Milliseconds one attempt may take (until the answer, or between two stream chunks). */
    timeoutMs: z.number().int().min(1).optional(),
    /** Retries of one target on 429, 5xx, timeouts and network errors before the next target. */
    retries: z.number().int().min(0).max(10).optional(),
  })
  .strict();

export const gatewaySettingsSchema = z
  .object({
    providers: z.record(z.string().regex(PROVIDER_NAME, 'lower-case letters, digits, ".", "_" and "-"'), providerSchema).optional(),
    aliases: z.record(z.string().min(1).max(200), aliasSchema).optional(),
    /** Provider of a model named without one (`gpt-4.1` rather than `openai/gpt-4.1`). */
    defaultProvider: z.string().min(1).optional(),
    /** Lets clients send their own upstream key in x-spanhouse-upstream-key. */
    allowClientKeys: z.boolean().optional(),
    timeoutMs: z.number().int().min(1).optional(),
    retries: z.number().int().min(0).max(10).optional(),
    /** First backoff before a retry (doubled each time, capped at 10 s; a Retry-After header wins when shorter). */
    retryBackoffMs: z.number().int().min(0).optional(),
    /** Store the call's span before the client's answer completes (default true); false answers first. */
    durableResponses: z.boolean().optional(),
  })
  .strict();

export type GatewaySettingsFile = z.infer<typeof gatewaySettingsSchema>;

export interface ProviderSettings {
  name: string;
  type: WireFormat;
  baseUrl: string;
  apiKey?: string;
  /**
   * Set when the provider needs a key: the variable to put it in. The built-ins need one (unless
   * given a baseUrl of one's own), other providers when their settings name an apiKeyEnv.
   */
  apiKeyEnv?: string;
  providerName: string;
  models: string[];
  headers: Record<string, string>;
}

export interface AliasTarget {
  provider: string;
  model: string;
  weight: number;
}

export interface AliasSettings {
  targets: AliasTarget[];
  strategy: Strategy;
  timeoutMs?: number;
  retries?: number;
}

export interface GatewaySettings {
  providers: Record<string, ProviderSettings>;
  aliases: Record<string, AliasSettings>;
  defaultProvider: string;
  allowClientKeys: boolean;
  timeoutMs: number;
  retries: number;
  retryBackoffMs: number;
  durableResponses: boolean;
}

/** Providers every install knows; each needs only its key (from the environment or the file). */
export const BUILT_IN_PROVIDERS: Record<string, { type: WireFormat; baseUrl: string; apiKeyEnv: string; providerName: string }> = {
  openai: { type: 'openai', baseUrl: 'https://api.openai.com/v1', apiKeyEnv: 'OPENAI_API_KEY', providerName: 'openai' },
  anthropic: { type: 'anthropic', baseUrl: 'https://api.anthropic.com/v1', apiKeyEnv: 'ANTHROPIC_API_KEY', providerName: 'anthropic' },
  gemini: { type: 'openai', baseUrl: 'https://generativelanguage.googleapis.com/v1beta/openai', apiKeyEnv: 'GEMINI_API_KEY', providerName: 'gcp.gemini' },
  groq: { type: 'openai', baseUrl: 'https://api.groq.com/openai/v1', apiKeyEnv: 'GROQ_API_KEY', providerName: 'groq' },
};

export const DEFAULT_GATEWAY_TIMEOUT_MS = 60_000;

/** Splits `provider/model` when `provider` is configured; anything else is a model of the default provider. */
export function parseTarget(target: string, settings: Pick<GatewaySettings, 'providers' | 'defaultProvider'>): { provider: string; model: string } {
  const slash = target.indexOf('/');
  if (slash > 0 && Object.hasOwn(settings.providers, target.slice(0, slash))) return { provider: target.slice(0, slash), model: target.slice(slash + 1) };
  return { provider: settings.defaultProvider, model: target };
}

/**
 * Pure: why an alias target is refused, or null. A target `x/…` whose `x` is spelled like a
 * provider name but is no configured provider is a typo (`anthropc/claude-…`), unless the default
 * provider lists the whole name among its models (an `org/model` id such as OpenRouter's).
 * `provider/org/model` and names whose first part cannot be a provider (`Qwen/Qwen2.5-7B`) pass.
 */
export function targetProblem(target: string, settings: Pick<GatewaySettings, 'providers' | 'defaultProvider'>): string | null {
  const slash = target.indexOf('/');
  const prefix = target.slice(0, slash);
  if (slash <= 0 || !PROVIDER_NAME.test(prefix) || Object.hasOwn(settings.providers, prefix)) return null;
  if (settings.providers[settings.defaultProvider]?.models.includes(target)) return null;
  return (
    `"${target}" names no configured provider "${prefix}" (providers: ${Object.keys(settings.providers).join(', ')}); ` +
    `add it under gateway.providers, or write "${settings.defaultProvider}/${target}" for a model of the default provider whose name has a slash`
  );
}

/** The `gateway` section of the config file (unchecked JSON) plus the environment, checked and resolved. */
export function loadGatewaySettings(raw: unknown, env: NodeJS.ProcessEnv): GatewaySettings {
  const parsed = gatewaySettingsSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new Error(`invalid gateway settings: ${parsed.error.issues.map((i) => `gateway.${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const file = parsed.data;
  const providers: Record<string, ProviderSettings> = {};
  const names = new Set([...Object.keys(BUILT_IN_PROVIDERS), ...Object.keys(file.providers ?? {})]);
  for (const name of names) {
    const builtIn = BUILT_IN_PROVIDERS[name];
    const own = file.providers?.[name] ?? {};
    const baseUrl = own.baseUrl ?? builtIn?.baseUrl;
    if (!baseUrl) throw new Error(`invalid gateway settings: gateway.providers.${name}.baseUrl: required for a provider that is not built in`);
    const keyEnv = own.apiKeyEnv ?? builtIn?.apiKeyEnv;
    // a built-in moved to a base URL of one's own (a local proxy) may need no key
    const needsKey = own.apiKeyEnv !== undefined || (builtIn !== undefined && own.baseUrl === undefined);
    providers[name] = {
      name,
      type: own.type ?? builtIn?.type ?? 'openai',
      baseUrl: baseUrl.replace(/\/+$/, ''),
      apiKey: own.apiKey ?? (keyEnv ? env[keyEnv] || undefined : undefined),
      apiKeyEnv: needsKey ? keyEnv : undefined,
      providerName: own.providerName ?? builtIn?.providerName ?? name,
      models: own.models ?? [],
      headers: own.headers ?? {},
    };
  }
  const defaultProvider = file.defaultProvider ?? 'openai';
  if (!providers[defaultProvider]) throw new Error(`invalid gateway settings: gateway.defaultProvider: no provider "${defaultProvider}"`);
  const base = { providers, defaultProvider };
  const aliases: Record<string, AliasSettings> = {};
  const problems: string[] = [];
  for (const [alias, a] of Object.entries(file.aliases ?? {})) {
    aliases[alias] = {
      strategy: a.strategy,
      timeoutMs: a.timeoutMs,
      retries: a.retries,
      targets: a.targets.map((t, i) => {
        const spec = typeof t === 'string' ? { model: t } : t;
        const problem = targetProblem(spec.model, base);
        if (problem) problems.push(`gateway.aliases.${alias}.targets.${i}${typeof t === 'string' ? '' : '.model'}: ${problem}`);
        return { ...parseTarget(spec.model, base), weight: 'weight' in spec && spec.weight !== undefined ? spec.weight : 1 };
      }),
    };
  }
  if (problems.length > 0) throw new Error(`invalid gateway settings: ${problems.join('; ')}`);
  const allowClientKeys = env.SPANHOUSE_GATEWAY_ALLOW_CLIENT_KEYS ? /^(1|true|yes|on)$/i.test(env.SPANHOUSE_GATEWAY_ALLOW_CLIENT_KEYS) : (file.allowClientKeys ?? false);
  return {
    providers,
    aliases,
    defaultProvider,
    allowClientKeys,
    timeoutMs: file.timeoutMs ?? DEFAULT_GATEWAY_TIMEOUT_MS,
    retries: file.retries ?? 1,
    retryBackoffMs: file.retryBackoffMs ?? 250,
    durableResponses: file.durableResponses ?? false,
  };
}
