// Text -> vector, for clustering prompts. Two embedders behind one interface: a local hashing
// embedder (no network, no model files, deterministic everywhere) and any OpenAI-compatible
// /v1/embeddings endpoint.

import { setImmediate as nextTurn } from 'node:timers/promises';
import { stemmer } from 'stemmer';

export interface Embedder {
  /** Identifies the vector space: vectors (and stored centroids) from different ids must never be compared. */
  readonly id: string;
  readonly dimensions: number;
  /** One L2-normalised vector per text, in order. */
  embed(texts: string[]): Promise<Float32Array[]>;
}

// ---------------------------------------------------------------- tokens

/**
 * English function words plus the boilerplate of prompts ("can you please help me write…"): words
 * that say nothing about the topic and would otherwise pull unrelated prompts together. A fixed list
 * (not a package) because it is tuned to prompts and small enough to read.
 */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing done down during each either else even ever every few for from further get gets getting got had has have having ' +
    'he her here hers herself him himself his how however i if im in into is isnt it its itself just let lets like me might mine more most ' +
    'much must my myself no nor not now of off on once one only or other our ours ourselves out over own per please put quite rather really ' +
    're same shall she should so some still such than that thats the their theirs them themselves then there these they thing things this ' +
    'those through thru to too under until up upon us use used using very via want wanted wants was way we well were what whats when where ' +
    'whether which while who whom whose why will with within without would yes yet you youre your yours yourself yourselves ' +
    // prompt boilerplate
    'help hi hello hey thanks thank tell show give make need needs know ask asking question questions answer explain describe write ' +
    'something anything someone anyone good better best quick quickly simple simply sure maybe kind sort lot lots ok okay ' +
    'suggest check find look looking change improve list new next try trying work working go going ' +
    'dont doesnt didnt cant wont ive id ill youll youve'
  ).split(/\s+/),
);

const WORD = /[\p{L}\p{N}]+/gu;

/** Lower-cased, accent-free words of a text (apostrophes joined: "don't" -> "dont"). */
export function words(text: string): string[] {
  // Accent folding only when there is something to fold (most prompts are ASCII).
  const folded = (ASCII.test(text) ? text : text.normalize('NFKD').replace(/\p{M}/gu, '')).toLowerCase().replace(/['’]/g, '');
  return folded.match(WORD) ?? [];
}

const ASCII = /^[\x00-\x7f]*$/;

/** Words that carry topic: no stopwords, no bare numbers, no single letters. */
export function contentWords(text: string): string[] {
  return words(text).filter((w) => w.length > 1 && !STOPWORDS.has(w) && !/^\d+$/.test(w));
}

// ---------------------------------------------------------------- hashing embedder

/** FNV-1a over UTF-16 code units, then murmur3's fmix32 so nearby strings spread over all bits. */
export function hash32(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export interface HashingEmbedderOptions {
  /** Vector size. Default 512. */
  dimensions?: number;
  /** Changes every hash; part of the id. Default 0x5eed. */
  seed?: number;
  /** Relative weight of whole words, word pairs and character 3/4-grams. */
  weights?: { words?: number; bigrams?: number; chars?: number };
}

/** Texts embedded per turn of the event loop. */
const EMBED_SLICE = 64;

/** Entries per memo (stems, feature slots) before it starts over. */
const CACHE_LIMIT = 200_000;

/** Tuned on the labelled prompts in cluster.test.ts: pairs of words help a little, character n-grams a lot. */
const DEFAULT_WEIGHTS = { words: 1, bigrams: 0.3, chars: 0.8 };

/**
 * Feature hashing of stemmed content-word unigrams and bigrams plus character 3- and 4-grams of each
 * stem (so "refund"/"refunded"/"refunds" overlap, and typos half-match), with sublinear term
 * frequency and a hashed sign per feature (collisions cancel instead of piling up). Pure arithmetic
 * on the text: the same text gives the same vector in every process and on every machine.
 */
export class HashingEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;
  private readonly seed: number;
  private readonly weights: { words: number; bigrams: number; chars: number };

  constructor(options: HashingEmbedderOptions = {}) {
    this.dimensions = options.dimensions ?? 512;
    if (!Number.isInteger(this.dimensions) || this.dimensions < 8) throw new Error('dimensions must be an integer >= 8');
    this.seed = options.seed ?? 0x5eed;
    this.weights = { ...DEFAULT_WEIGHTS, ...options.weights };
    const w = this.weights;
    this.id = `hashing-v1:stem:d${this.dimensions}:s${this.seed}:w${w.words}/${w.bigrams}/${w.chars}`;
  }

  // Vocabularies are small and skewed: stems and feature slots are worth remembering.
  private readonly stems = new Map<string, string>();
  private readonly slots = new Map<string, { h: number; sign: number }>();

  private readonly stemFeatures = new Map<string, { wordFeature: string; gramFeatures: string[]; gramWeight: number }>();

  /** The features one stem always contributes: itself and its character 3/4-grams. */
  private featuresOf(stem: string): { wordFeature: string; gramFeatures: string[]; gramWeight: number } {
    let features = this.stemFeatures.get(stem);
    if (features === undefined) {
      const grams = charGrams(stem);
      features = { wordFeature: `w:${stem}`, gramFeatures: grams.map((g) => `c:${g}`), gramWeight: this.weights.chars / Math.sqrt(grams.length) };
      if (this.stemFeatures.size >= CACHE_LIMIT) this.stemFeatures.clear();
      this.stemFeatures.set(stem, features);
    }
    return features;
  }

  private stem(word: string): string {
    let stem = this.stems.get(word);
    if (stem === undefined) {
      stem = stemmer(word);
      if (this.stems.size >= CACHE_LIMIT) this.stems.clear();
      this.stems.set(word, stem);
    }
    return stem;
  }

  private slot(feature: string): { h: number; sign: number } {
    let slot = this.slots.get(feature);
    if (slot === undefined) {
      slot = { h: hash32(feature, this.seed), sign: hash32(feature, this.seed ^ 0x9e3779b9) & 1 ? 1 : -1 };
      if (this.slots.size >= CACHE_LIMIT) this.slots.clear();
      this.slots.set(feature, slot);
    }
    return slot;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const vectors: Float32Array[] = [];
    for (let i = 0; i < texts.length; i++) {
      vectors.push(this.embedOne(texts[i]));
      // a turn of the event loop between slices: a request's 400 prompts in one go held it ~25 ms
      if (i % EMBED_SLICE === EMBED_SLICE - 1 && i < texts.length - 1) await nextTurn();
    }
    return vectors;
  }

  /** Synchronous form of embed for one text. An empty or all-stopword text gives the zero vector. */
  embedOne(text: string): Float32Array {
    const features = new Map<string, number>();
    const add = (feature: string, weight: number) => features.set(feature, (features.get(feature) ?? 0) + weight);
    // Porter stems, so "flight"/"flights" and "refund"/"refunded" are one feature.
    const tokens = contentWords(text).map((word) => this.stem(word));
    for (let i = 0; i < tokens.length; i++) {
      const word = tokens[i];
      const { wordFeature, gramFeatures, gramWeight } = this.featuresOf(word);
      add(wordFeature, this.weights.words);
      if (i > 0) add(`b:${tokens[i - 1]} ${word}`, this.weights.bigrams);
      for (const gram of gramFeatures) add(gram, gramWeight);
    }
    const vector = new Float32Array(this.dimensions);
    for (const [feature, weight] of features) {
      const { h, sign } = this.slot(feature);
      // Sublinear: a word repeated ten times is not ten times the topic.
      vector[h % this.dimensions] += sign * Math.sign(weight) * Math.log1p(Math.abs(weight));
    }
    return normalise(vector);
  }
}

function charGrams(word: string): string[] {
  const padded = `<${word}>`;
  const grams: string[] = [];
  for (const n of [3, 4]) for (let i = 0; i + n <= padded.length; i++) grams.push(padded.slice(i, i + n));
  return grams;
}

/** In place; the zero vector stays zero. */
export function normalise(vector: Float32Array): Float32Array {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += vector[i] * vector[i];
  if (norm === 0) return vector;
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < vector.length; i++) vector[i] *= scale;
  return vector;
}

// ---------------------------------------------------------------- OpenAI-compatible embedder

export interface OpenAIEmbedderOptions {
  /** Base URL (`https://api.openai.com/v1`, `http://localhost:11434/v1`) or the full `/embeddings` URL. */
  url: string;
  model: string;
  /** Vector size the model returns; responses of another size are an error. */
  dimensions: number;
  apiKey?: string;
  /** Send `dimensions` in the request (text-embedding-3-* can shorten vectors; most servers reject it). */
  requestDimensions?: boolean;
  /** Texts per request. Default 64. */
  batchSize?: number;
  /** Per request. Default 30 s. */
  timeoutMs?: number;
}

interface EmbeddingsResponse {
  data?: Array<{ index?: number; embedding?: unknown }>;
}

/** Any server speaking OpenAI's embeddings API (OpenAI, Azure-compatible gateways, vLLM, Ollama, LiteLLM, TEI). */
export class OpenAIEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;
  private readonly endpoint: string;

  constructor(private readonly options: OpenAIEmbedderOptions) {
    const base = options.url.replace(/\/+$/, '');
    this.endpoint = base.endsWith('/embeddings') ? base : `${base}/embeddings`;
    this.dimensions = options.dimensions;
    this.id = `openai-compatible:${options.model}:d${options.dimensions}`;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const batchSize = this.options.batchSize ?? 64;
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += batchSize) {
      out.push(...(await this.embedBatch(texts.slice(start, start + batchSize))));
    }
    return out;
  }

  private async embedBatch(input: string[]): Promise<Float32Array[]> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    const body: Record<string, unknown> = { model: this.options.model, input, encoding_format: 'float' };
    if (this.options.requestDimensions) body.dimensions = this.dimensions;
    let response: Response;
    try {
      response = await fetch(this.endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      throw new Error(`embeddings request to ${this.endpoint} failed: ${(error as Error).message}`);
    }
    if (!response.ok) {
      const detail = (await response.text().catch(() => '')).slice(0, 300);
      throw new Error(`embeddings request to ${this.endpoint} failed: HTTP ${response.status} ${detail}`);
    }
    const json = (await response.json()) as EmbeddingsResponse;
    const data = json.data ?? [];
    if (data.length !== input.length) throw new Error(`embeddings response has ${data.length} vectors for ${input.length} texts`);
    // The API may answer out of order; `index` says which input each vector belongs to.
    const ordered = [...data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    return ordered.map((item) => {
      const embedding = item.embedding;
      if (!Array.isArray(embedding) || embedding.length !== this.dimensions || !embedding.every((v) => typeof v === 'number')) {
        throw new Error(`embeddings response vector is not ${this.dimensions} numbers (encoding must be float)`);
      }
      return normalise(Float32Array.from(embedding as number[]));
    });
  }
}
