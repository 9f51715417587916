// Enrichment settings: privacy, retention, prices, embeddings. From a JSON config file
// (SPANHOUSE_CONFIG / --config) and environment variables; per-tenant overrides.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const tenantPolicySchema = z
  .object({
    /** Strip emails, phones, cards, IBANs, keys and IPv4 addresses before storage. */
    redact: z.boolean(),
    /** Store prompt and response text at all (false: metadata, tokens and cost only). */
    content: z.boolean(),
    /** Days whole spans are kept. */
    retentionDays: z.number().int().min(1).max(36_500),
    /** Days prompt/response text is kept; null = as long as the span. */
    contentRetentionDays: z.number().int().min(1).max(36_500).nullable(),
  })
  .strict();

export type TenantPolicy = z.infer<typeof tenantPolicySchema>;

export const settingsFileSchema = z
  .object({
    redact: z.boolean().optional(),
    content: z.boolean().optional(),
    retentionDays: z.number().int().min(1).optional(),
    contentRetentionDays: z.number().int().min(1).nullable().optional(),
    /** Extra redaction patterns: `{name: "employee_id", pattern: "EMP-\\d{6}"}` → `[REDACTED_EMPLOYEE_ID]`. */
    redactPatterns: z.array(z.object({ name: z.string().min(1), pattern: z.string().min(1), flags: z.string().optional() }).strict()).optional(),
    tenants: z.record(z.string(), tenantPolicySchema.partial()).optional(),
    /** Price overrides (the @spanhouse/pricing override format), inline or as a file path. */
    prices: z.unknown().optional(),
    pricesFile: z.string().optional(),
    /** Refresh the price table periodically: true for genai-prices' data URL, or {url, intervalMs}. */
    updatePrices: z.union([z.boolean(), z.object({ url: z.string().url().optional(), intervalMs: z.number().int().min(60_000).optional() }).strict()]).optional(),
    /** An OpenAI-compatible /v1/embeddings endpoint for clustering (default: the local hashing embedder). */
    embeddings: z
      .object({ url: z.string().url(), model: z.string().min(1), dimensions: z.number().int().min(8), apiKey: z.string().optional() })
      .strict()
      .optional(),
    /** Cosine similarity a prompt needs to join a cluster (default 0.2 for the local embedder, 0.8 for a model's). */
    clusterThreshold: z.number().min(0).max(1).optional(),
    /** The LLM gateway's section, checked by gateway/settings.ts. */
    gateway: z.unknown().optional(),
  })
  .strict();

export type SettingsFile = z.infer<typeof settingsFileSchema>;

export interface EnrichmentSettings extends Omit<SettingsFile, 'redact' | 'content' | 'retentionDays' | 'contentRetentionDays' | 'tenants' | 'gateway'> {
  defaults: TenantPolicy;
  tenants: Record<string, Partial<TenantPolicy>>;
}

export const DEFAULT_POLICY: TenantPolicy = { redact: false, content: true, retentionDays: 30, contentRetentionDays: null };

function boolFromEnv(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new Error(`${name} must be true or false, got "${value}"`);
}

function daysFromEnv(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number of days, got "${value}"`);
  return n;
}

/** File settings, then environment variables on top (SPANHOUSE_TRACE_REDACT, SPANHOUSE_TRACE_CONTENT, …). */
export function loadEnrichmentSettings(file: SettingsFile | undefined, env: NodeJS.ProcessEnv): EnrichmentSettings {
  const { redact, content, retentionDays, contentRetentionDays, tenants, gateway: _gateway, ...rest } = file ?? {};
  const defaults: TenantPolicy = {
    redact: boolFromEnv('SPANHOUSE_TRACE_REDACT', env.SPANHOUSE_TRACE_REDACT) ?? redact ?? DEFAULT_POLICY.redact,
    content: boolFromEnv('SPANHOUSE_TRACE_CONTENT', env.SPANHOUSE_TRACE_CONTENT) ?? content ?? DEFAULT_POLICY.content,
    retentionDays: daysFromEnv('SPANHOUSE_RETENTION_DAYS', env.SPANHOUSE_RETENTION_DAYS) ?? retentionDays ?? DEFAULT_POLICY.retentionDays,
    contentRetentionDays:
      daysFromEnv('SPANHOUSE_CONTENT_RETENTION_DAYS', env.SPANHOUSE_CONTENT_RETENTION_DAYS) ?? contentRetentionDays ?? DEFAULT_POLICY.contentRetentionDays,
  };
  const settings: EnrichmentSettings = { ...rest, defaults, tenants: tenants ?? {} };
  if (env.SPANHOUSE_PRICES_FILE) settings.pricesFile = env.SPANHOUSE_PRICES_FILE;
  if (env.SPANHOUSE_UPDATE_PRICES_URL) settings.updatePrices = { url: env.SPANHOUSE_UPDATE_PRICES_URL };
  if (env.SPANHOUSE_EMBEDDINGS_URL) {
    settings.embeddings = {
      url: env.SPANHOUSE_EMBEDDINGS_URL,
      model: env.SPANHOUSE_EMBEDDINGS_MODEL ?? 'text-embedding-3-small',
      dimensions: Number(env.SPANHOUSE_EMBEDDINGS_DIMENSIONS ?? 1536),
      apiKey: env.SPANHOUSE_EMBEDDINGS_API_KEY,
    };
  }
  return settings;
}

export function readSettingsFile(path: string): SettingsFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  const parsed = settingsFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`invalid config file ${path}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** The policy of one tenant: its overrides on top of the defaults. */
export function policyFor(settings: EnrichmentSettings, tenantId: string): TenantPolicy {
  let byTenant = policies.get(settings);
  if (!byTenant) policies.set(settings, (byTenant = new Map()));
  let policy = byTenant.get(tenantId);
  if (!policy) byTenant.set(tenantId, (policy = { ...settings.defaults, ...settings.tenants[tenantId] }));
  return policy;
}

/** Settings are fixed once loaded: each tenant's policy is worked out once (stages ask per span). */
const policies = new WeakMap<EnrichmentSettings, Map<string, TenantPolicy>>();
