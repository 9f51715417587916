// User prices that win over the bundled genai-prices table: fine-tunes, self-hosted models,
// negotiated discounts, models newer than the installed data.
//
// Config file (JSON):
// {
//   "version": "acme-2025-06",                 // optional label, recorded in span.pricing.version
//   "prices": [
//     {
//       "provider": "openai",                   // Spanhouse provider id; omit or "*" for any provider
//       "model": "ft:gpt-4o-mini:acme:v3",      // exact model name (case-insensitive), or
//                                               // {"starts_with": "acme-"} or {"regex": "^acme-(small|large)$"}
//                                               // (regexes are case-insensitive)
//       "input_mtok": 0.3,                      // USD per million input tokens (required)
//       "output_mtok": 1.2,                     // USD per million output tokens (required; 0 for embeddings)
//       "cache_read_mtok": 0.15,                // optional; cache reads cost input_mtok when absent
//       "cache_write_mtok": 0.375,              // optional; cache writes cost input_mtok when absent
//       "reasoning_mtok": 1.2                   // optional; reasoning costs output_mtok when absent
//     }
//   ]
// }
// The first entry that matches a span's provider and model wins.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ModelPrice } from '@pydantic/genai-prices';
import { normaliseProvider } from '@spanhouse/model';
import { z } from 'zod';

const price = z.number().nonnegative();

const modelMatch = z.union([
  z.string().min(1),
  z.object({ equals: z.string().min(1) }).strict(),
  z.object({ starts_with: z.string().min(1) }).strict(),
  z.object({ regex: z.string().min(1) }).strict(),
]);

const priceOverrideSchema = z
  .object({
    provider: z.string().optional(),
    model: modelMatch,
    input_mtok: price,
    output_mtok: price,
    cache_read_mtok: price.optional(),
    cache_write_mtok: price.optional(),
    reasoning_mtok: price.optional(),
  })
  .strict();

export const priceOverridesFileSchema = z
  .object({
    version: z.string().optional(),
    prices: z.array(priceOverrideSchema),
  })
  .strict();

export type PriceOverride = z.infer<typeof priceOverrideSchema>;
export type PriceOverridesFile = z.infer<typeof priceOverridesFileSchema>;

/** An override ready to match: provider normalised, model matcher compiled, prices in genai-prices keys. */
export interface CompiledOverride {
  /** Normalised Spanhouse provider id, or '' for any provider. */
  provider: string;
  /** Human-readable form of the model match, recorded in span.pricing.model. */
  modelLabel: string;
  matches: (model: string) => boolean;
  prices: ModelPrice;
}

export interface CompiledOverrides {
  version: string;
  entries: CompiledOverride[];
}

export const NO_OVERRIDES: CompiledOverrides = { version: '', entries: [] };

/** Validates and compiles override config (already parsed JSON). Throws with the offending path on bad input. */
export function compileOverrides(config: unknown): CompiledOverrides {
  const parsed = priceOverridesFileSchema.safeParse(config);
  if (!parsed.success) throw new Error(`invalid price overrides: ${z.prettifyError(parsed.error)}`);
  const { prices, version } = parsed.data;
  const contentHash = createHash('sha256').update(JSON.stringify(prices)).digest('hex').slice(0, 8);
  return {
    version: `override:${version ?? contentHash}`,
    entries: prices.map((entry, index) => compileEntry(entry, index)),
  };
}

/** Reads, validates and compiles a JSON override file. */
export function loadPriceOverrides(path: string): CompiledOverrides {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read price overrides ${path}: ${(error as Error).message}`);
  }
  return compileOverrides(json);
}

/** The first override for this provider and model, if any. */
export function findOverride(overrides: CompiledOverrides, provider: string, model: string): CompiledOverride | undefined {
  const normalisedProvider = normaliseProvider(provider);
  return overrides.entries.find(
    (entry) => (entry.provider === '' || entry.provider === normalisedProvider) && entry.matches(model),
  );
}

function compileEntry(entry: PriceOverride, index: number): CompiledOverride {
  const provider = entry.provider === undefined || entry.provider === '*' ? '' : normaliseProvider(entry.provider);
  const { matches, label } = compileModelMatch(entry.model, index);
  const prices: ModelPrice = { input_mtok: entry.input_mtok, output_mtok: entry.output_mtok };
  if (entry.cache_read_mtok !== undefined) prices.cache_read_mtok = entry.cache_read_mtok;
  if (entry.cache_write_mtok !== undefined) prices.cache_write_mtok = entry.cache_write_mtok;
  if (entry.reasoning_mtok !== undefined) prices.output_reasoning_mtok = entry.reasoning_mtok;
  return { provider, modelLabel: label, matches, prices };
}

function compileModelMatch(match: PriceOverride['model'], index: number): { matches: (model: string) => boolean; label: string } {
  const lower = (s: string) => s.trim().toLowerCase();
  if (typeof match === 'string') return { matches: (m) => lower(m) === lower(match), label: match };
  if ('equals' in match) return { matches: (m) => lower(m) === lower(match.equals), label: match.equals };
  if ('starts_with' in match) return { matches: (m) => lower(m).startsWith(lower(match.starts_with)), label: `${match.starts_with}*` };
  let regex: RegExp;
  try {
    regex = new RegExp(match.regex, 'i');
  } catch (error) {
    throw new Error(`invalid price overrides: prices[${index}].model.regex: ${(error as Error).message}`);
  }
  return { matches: (m) => regex.test(m.trim()), label: `/${match.regex}/` };
}
