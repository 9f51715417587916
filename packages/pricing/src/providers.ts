// Spanhouse provider ids (what normaliseProvider in @spanhouse/model produces) -> genai-prices provider ids.
import { calcPrice, findProvider } from '@pydantic/genai-prices';

/**
 * Only ids that differ from genai-prices' own, or that its provider_match would get wrong, need an
 * entry; anything else is looked up in genai-prices by id / provider_match (see toGenAiPricesProvider).
 */
export const PROVIDER_IDS: Readonly<Record<string, string>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  google: 'google',
  // Vertex serves Gemini and (through genai-prices' fallback) Claude at Google's list prices.
  'google.vertex': 'google',
  azure: 'azure',
  'aws.bedrock': 'aws',
  mistral: 'mistral',
  xai: 'x-ai',
  groq: 'groq',
  deepseek: 'deepseek',
  cohere: 'cohere',
  perplexity: 'perplexity',
  together: 'together',
  together_ai: 'together',
  fireworks: 'fireworks',
  fireworks_ai: 'fireworks',
  cerebras: 'cerebras',
  openrouter: 'openrouter',
  moonshot: 'moonshotai',
  moonshotai: 'moonshotai',
  zhipu: 'zhipuai',
  zhipuai: 'zhipuai',
  voyage: 'voyageai',
  voyageai: 'voyageai',
  cloudflare: 'cloudflare',
};

/** The genai-prices provider id for a Spanhouse provider id, or undefined when genai-prices knows no such provider. */
export function toGenAiPricesProvider(spanhouseProvider: string): string | undefined {
  const id = spanhouseProvider.trim().toLowerCase();
  if (id === '') return undefined;
  if (Object.hasOwn(PROVIDER_IDS, id)) return PROVIDER_IDS[id];
  return findProvider({ providerId: id })?.id;
}

/** genai-prices provider id -> Spanhouse provider id (the first Spanhouse id mapping to it). */
const FROM_GENAI_PRICES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(PROVIDER_IDS)
    .reverse()
    .map(([spanhouse, genaiPrices]) => [genaiPrices, spanhouse]),
);
/** First-party providers tried, in order, for a model no provider's name pattern claims (text-embedding-3-small). */
const FIRST_PARTY = ['openai', 'anthropic', 'google', 'mistral', 'cohere', 'voyageai', 'x-ai', 'deepseek'];

/**
 * The provider that serves `model`, as a Spanhouse provider id, from the price tables (for spans
 * that name a model but no provider, such as Langfuse's); undefined when no table knows the model.
 */
export function inferProvider(model: string): string | undefined {
  const name = model.trim();
  if (name === '') return undefined;
  // a dated snapshot (`…-2024-07-18`, `…-20241022`) is served by whoever serves the model
  const undated = name.replace(/-(?:\d{4}-\d{2}-\d{2}|\d{8})$/, '');
  for (const candidate of undated === name ? [name] : [name, undated]) {
    const id =
      findProvider({ modelId: candidate })?.id ??
      FIRST_PARTY.find((providerId) => calcPrice({ input_tokens: 1 }, candidate, { providerId })?.provider.id === providerId);
    if (id) return FROM_GENAI_PRICES[id] ?? id;
  }
  return undefined;
}
