// genai-prices' arithmetic for the common case, without its per-call validation.
//
// calcPrice checks the unit registry, the price keys and the usage on every call: ~38 KB of
// garbage and ~13 µs a span, for a sum of five products. Once a (provider, model) pair has been
// matched (price-usage.ts), a model with one price (no dated or time-of-day variants) and no
// per-request fee is priced here from the five token counts Spanhouse reports, with the same
// leaves, the same tiers and the same order of additions as calcPrice, so totals agree to the bit
// (token-prices.test.ts checks every model in the bundled table). Its other keys (audio, image,
// web searches, …) charge usage Spanhouse never reports, which calcPrice prices at 0. Anything
// else returns undefined and goes through calcPrice.
import type { ModelInfo, ModelPrice, PriceCalculation, Provider, Usage } from '@pydantic/genai-prices';

type Rate = number | { base: number; tiers: ReadonlyArray<{ start: number; price: number }> };

/** Price key -> the usage it charges and its direction (genai-prices' unit registry, for these five). */
const TOKEN_UNITS: Readonly<Record<string, { usage: string; direction: 'input' | 'output' }>> = {
  input_mtok: { usage: 'input_tokens', direction: 'input' },
  cache_read_mtok: { usage: 'cache_read_tokens', direction: 'input' },
  cache_write_mtok: { usage: 'cache_write_tokens', direction: 'input' },
  output_mtok: { usage: 'output_tokens', direction: 'output' },
  output_reasoning_mtok: { usage: 'output_reasoning_tokens', direction: 'output' },
};

/** A model's token rates, and the usage keys they price. */
interface TokenRates {
  rates: Array<[string, Rate]>;
  priced: ReadonlySet<string>;
}

/** The model's rates when they are token rates only, else undefined; remembered per model object. */
function tokenRatesOf(model: ModelInfo): TokenRates | undefined {
  const known = rates.get(model);
  if (known !== undefined || rates.has(model)) return known;
  const found = Array.isArray(model.prices) ? undefined : tokenRates(model.prices);
  const entry = found && { rates: found, priced: new Set(found.map(([key]) => TOKEN_UNITS[key].usage)) };
  rates.set(model, entry);
  return entry;
}
const rates = new WeakMap<ModelInfo, TokenRates | undefined>();

const PER_REQUEST = 'requests_kcount';

function tokenRates(prices: ModelPrice): Array<[string, Rate]> | undefined {
  const out: Array<[string, Rate]> = [];
  for (const [key, price] of Object.entries(prices)) {
    if (price === undefined) continue;
    if (key === PER_REQUEST) return undefined; // charged on every call, whatever the usage
    if (!Object.hasOwn(TOKEN_UNITS, key)) continue; // its usage is never reported: 0
    if (typeof price === 'number') {
      if (!Number.isFinite(price) || price < 0) return undefined;
      out.push([key, price]);
    } else {
      if (typeof price !== 'object' || price === null || !Array.isArray(price.tiers) || typeof price.base !== 'number') return undefined;
      out.push([key, { base: price.base, tiers: [...price.tiers].sort((a, b) => a.start - b.start) }]);
    }
  }
  return out;
}

const REPORTED = new Set(Object.values(TOKEN_UNITS).map((unit) => unit.usage));

const count = (usage: Usage, key: string) => usage[key] ?? 0;

/**
 * What calcPrice(usage, model.id, { provider }) returns for a model priced by token rates alone,
 * or undefined when the model's prices need calcPrice (or the usage is not a partition).
 */
export function priceTokens(usage: Usage, provider: Provider, model: ModelInfo): PriceCalculation | undefined {
  const known = tokenRatesOf(model);
  if (!known) return undefined;
  for (const key in usage) if (!REPORTED.has(key)) return undefined;
  const { rates: modelRates, priced } = known;
  // leaves: a total less the priced parts inside it (an unpriced part stays at its total's rate)
  const leaf: Record<string, number> = {
    cache_read_tokens: count(usage, 'cache_read_tokens'),
    cache_write_tokens: count(usage, 'cache_write_tokens'),
    output_reasoning_tokens: count(usage, 'output_reasoning_tokens'),
  };
  let inputParts = 0;
  if (priced.has('cache_read_tokens')) inputParts += leaf.cache_read_tokens;
  if (priced.has('cache_write_tokens')) inputParts += leaf.cache_write_tokens;
  leaf.input_tokens = count(usage, 'input_tokens') - inputParts;
  leaf.output_tokens = count(usage, 'output_tokens') - (priced.has('output_reasoning_tokens') ? leaf.output_reasoning_tokens : 0);
  if (leaf.input_tokens < 0 || leaf.output_tokens < 0) return undefined;
  // a tiered rate picks its tier by the whole input, as calcPrice does
  const totalInput = modelRates.some(([, rate]) => typeof rate === 'object') ? count(usage, 'input_tokens') : 0;
  let inputPrice = 0;
  let outputPrice = 0;
  for (const [key, rate] of modelRates) {
    const unit = TOKEN_UNITS[key];
    const tokens = leaf[unit.usage];
    // calcPrice's own arithmetic, operation for operation (a tier's price scaled back by 1e6), so totals match to the bit
    const price = typeof rate === 'number' ? (rate * tokens) / 1e6 : tokens <= 0 ? 0 : (((tierRate(rate, totalInput) * tokens) / 1e6) * 1e6) / 1e6;
    if (unit.direction === 'input') inputPrice += price;
    else outputPrice += price;
  }
  return {
    auto_update_timestamp: undefined,
    model,
    model_price: model.prices as ModelPrice,
    provider,
    input_price: inputPrice,
    output_price: outputPrice,
    total_price: inputPrice + outputPrice + 0,
  };
}

/** A tiered rate's price per million for a call of `totalInput` input tokens (tiers sorted by start): the last tier it passes. */
export function tierRate(rate: { base: number; tiers: ReadonlyArray<{ start: number; price: number }> }, totalInput: number): number {
  let applied = rate.base;
  for (const tier of rate.tiers) if (totalInput > tier.start) applied = tier.price;
  return applied;
}
