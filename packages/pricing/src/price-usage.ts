// Token usage (OTel GenAI semantics) -> USD, through @pydantic/genai-prices' calcPrice.
//
// Counting rules, OTel and genai-prices agree:
// - input_tokens is the total input and INCLUDES cache_read and cache_write tokens; genai-prices
//   charges the uncached remainder at input_mtok and the cache parts at their own rates.
// - output_tokens INCLUDES reasoning tokens; genai-prices' `output_reasoning_tokens` is a part of
//   output_tokens, charged at output_reasoning_mtok only where a model has that price, else at output_mtok.
// Some instrumentations leak provider-native counts (Anthropic's input_tokens excludes the cache,
// Gemini's candidates exclude thoughts). When a part exceeds its total that cannot be a partition,
// so the part is added to the total instead of failing (see toGenAiPricesUsage).
import { calcPrice, type ModelInfo, type ModelPrice, type PriceCalculation, type Provider, type Usage } from '@pydantic/genai-prices';
import { roundUsd, type PricingInfo } from '@spanhouse/model';
import { findOverride, NO_OVERRIDES, type CompiledOverride, type CompiledOverrides } from './overrides.ts';
import { activePriceVersion } from './price-data.ts';
import { toGenAiPricesProvider } from './providers.ts';
import { priceTokens, tierRate } from './token-prices.ts';

export interface UsageToPrice {
  /** Spanhouse provider id (openai, anthropic, aws.bedrock, …); empty when unknown. */
  provider?: string;
  model: string;
  input_tokens?: number;
  output_tokens?: number;
  cache_read_tokens?: number;
  cache_write_tokens?: number;
  reasoning_tokens?: number;
  /** When the call happened (prices change over time). Default: now. */
  at?: Date;
}

/**
 * USD per part. The parts partition cost_usd: `input` is the uncached input, `cache_read`/`cache_write`
 * the cache parts (at the input rate when the model has no cache price), `output` the output tokens
 * (reasoning included unless the model prices reasoning separately, then it is in `reasoning`).
 * `other` holds anything else the price charges (e.g. per-request fees).
 */
export interface CostDetails {
  input: number;
  output: number;
  cache_read: number;
  cache_write: number;
  reasoning?: number;
  other?: number;
}

export interface PricedUsage {
  unpriced: false;
  cost_usd: number;
  cost_details: CostDetails;
  pricing: PricingInfo;
}

export interface UnpricedUsage {
  unpriced: true;
  /** Why no price applied (no model, no price for it, usage the price table rejects). */
  reason: string;
}

export type PriceResult = PricedUsage | UnpricedUsage;

const count = (n: number | undefined) => (typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0);

/** OTel-style counts -> genai-prices Usage (parts included in totals; see the file comment). */
export function toGenAiPricesUsage(usage: UsageToPrice): Usage {
  const cacheRead = count(usage.cache_read_tokens);
  const cacheWrite = count(usage.cache_write_tokens);
  const reasoning = count(usage.reasoning_tokens);
  let input = count(usage.input_tokens);
  let output = count(usage.output_tokens);
  if (cacheRead + cacheWrite > input) input += cacheRead + cacheWrite;
  if (reasoning > output) output += reasoning;
  const result: Usage = { input_tokens: input, output_tokens: output };
  if (cacheRead > 0) result.cache_read_tokens = cacheRead;
  if (cacheWrite > 0) result.cache_write_tokens = cacheWrite;
  if (reasoning > 0) result.output_reasoning_tokens = reasoning;
  return result;
}

/** Prices one call's usage. Overrides win over the genai-prices table; no price means `unpriced`, never $0. */
export function priceUsage(usage: UsageToPrice, overrides: CompiledOverrides = NO_OVERRIDES): PriceResult {
  const model = usage.model.trim();
  if (model === '') return { unpriced: true, reason: 'no model name' };
  const provider = usage.provider ?? '';
  const tokens = toGenAiPricesUsage(usage);
  const timestamp = usage.at ?? new Date();
  try {
    const override = findOverride(overrides, provider, model);
    if (override) {
      const result = calcPrice(tokens, model, { provider: overrideProvider(override, model), timestamp });
      if (!result) return { unpriced: true, reason: `override for ${model} did not apply` };
      return priced(result, tokens, {
        provider: override.provider || provider,
        model: override.modelLabel,
        source: 'override',
        version: overrides.version,
      });
    }
    const result = lookUpBundled(tokens, provider, model, timestamp);
    if (!result) return { unpriced: true, reason: `no price for ${provider ? `${provider}/` : ''}${model}` };
    return priced(result, tokens, {
      provider: result.provider.id,
      model: result.model.id,
      source: 'genai-prices',
      version: activePriceVersion(),
    });
  } catch (error) {
    return { unpriced: true, reason: `cannot price ${model}: ${(error as Error).message}` };
  }
}

/**
 * Tries, in order: the span's provider mapped to genai-prices; genai-prices' own provider matching
 * by model name; and for router-style names (`openai/gpt-4o`) the vendor prefix as the provider.
 */
function lookUpBundled(tokens: Usage, provider: string, model: string, timestamp: Date): PriceCalculation | null {
  // Matching a model name against every provider's table is the costly part of pricing, and
  // spans repeat a handful of (provider, model) pairs: remember which entry matched.
  const key = `${activePriceVersion()}\u0000${provider}\u0000${model}`;
  let match = matches.get(key);
  if (match === undefined) {
    const found = searchBundled(tokens, provider, model, timestamp);
    match = found ? { provider: found.provider, model: found.model } : null;
    if (matches.size >= MATCH_CACHE_LIMIT) matches.clear();
    matches.set(key, match);
    return found;
  }
  if (match === null) return null;
  const byTokenRates = priceTokens(tokens, match.provider, match.model);
  if (byTokenRates) return byTokenRates;
  const onlyThisModel: Provider = { ...match.provider, models: [{ ...match.model, match: { equals: model } }] };
  return calcPrice(tokens, model, { provider: onlyThisModel, timestamp });
}

const matches = new Map<string, { provider: Provider; model: ModelInfo } | null>();
const MATCH_CACHE_LIMIT = 10_000;

function searchBundled(tokens: Usage, provider: string, model: string, timestamp: Date): PriceCalculation | null {
  const providerId = toGenAiPricesProvider(provider);
  if (providerId) {
    const result = calcPrice(tokens, model, { providerId, timestamp });
    if (result) return result;
  }
  const byModelName = calcPrice(tokens, model, { timestamp });
  if (byModelName) return byModelName;
  const slash = model.indexOf('/');
  if (slash > 0) {
    const vendor = toGenAiPricesProvider(model.slice(0, slash));
    if (vendor) return calcPrice(tokens, model.slice(slash + 1), { providerId: vendor, timestamp });
  }
  return null;
}

/** A one-model genai-prices provider, so overrides get exactly the same arithmetic as bundled prices. */
function overrideProvider(override: CompiledOverride, model: string): Provider {
  return {
    id: 'spanhouse-override',
    name: 'Spanhouse price override',
    api_pattern: '',
    models: [{ id: model, match: { equals: model }, prices: override.prices }],
  };
}

function priced(result: PriceCalculation, tokens: Usage, pricing: PricingInfo): PricedUsage {
  const details = costDetails(result, tokens);
  for (const part of Object.keys(details) as Array<keyof CostDetails>) details[part] = roundUsd(details[part] ?? 0);
  return { unpriced: false, cost_usd: roundUsd(result.total_price), cost_details: details, pricing };
}

/** Splits genai-prices' total into parts using the same rates it applied (incl. input-size tiers). */
export function costDetails(result: PriceCalculation, tokens: Usage): CostDetails {
  const totalInput = tokens.input_tokens ?? 0;
  const rate = (key: string) => perMillion(result.model_price, key, totalInput);
  const inputRate = rate('input_mtok') ?? 0;
  const outputRate = rate('output_mtok') ?? 0;
  const reasoningRate = rate('output_reasoning_mtok');
  const cacheRead = tokens.cache_read_tokens ?? 0;
  const cacheWrite = tokens.cache_write_tokens ?? 0;
  const reasoning = tokens.output_reasoning_tokens ?? 0;
  const separateReasoning = reasoningRate !== undefined ? reasoning : 0;

  const details: CostDetails = {
    input: ((totalInput - cacheRead - cacheWrite) * inputRate) / 1e6,
    output: (((tokens.output_tokens ?? 0) - separateReasoning) * outputRate) / 1e6,
    cache_read: (cacheRead * (rate('cache_read_mtok') ?? inputRate)) / 1e6,
    cache_write: (cacheWrite * (rate('cache_write_mtok') ?? inputRate)) / 1e6,
  };
  if (reasoningRate !== undefined) details.reasoning = (separateReasoning * reasoningRate) / 1e6;
  const parts = Object.values(details).reduce((sum, v) => sum + v, 0);
  const other = result.total_price - parts;
  if (Math.abs(other) > 1e-12 * Math.max(1, result.total_price)) details.other = other;
  return details;
}

/** USD per million tokens for a price key; tiered prices pick the tier the total input size reaches. */
function perMillion(prices: ModelPrice, key: string, totalInput: number): number | undefined {
  const price = prices[key];
  if (price === undefined) return undefined;
  if (typeof price === 'number') return price;
  return tierRate({ base: price.base, tiers: [...price.tiers].sort((a, b) => a.start - b.start) }, totalInput);
}
