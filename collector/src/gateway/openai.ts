// The OpenAI chat-completions wire format: the gateway's own language (clients speak it, and
// so do OpenAI, Gemini's OpenAI-compatible endpoint, Groq, Ollama, vLLM, LiteLLM and
// OpenRouter). Upstreams that speak it get the request as it came, with the model replaced.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { request as undiciRequest } from 'undici';
import type { ProviderSettings } from './settings.ts';

/** A chat request body; only the fields the gateway reads are typed, the rest pass through. */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  tools?: unknown[];
  tool_choice?: unknown;
  temperature?: number | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  top_p?: number | null;
  stop?: string | string[] | null;
  [key: string]: unknown;
}

export interface ToolCallOut {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatMessage {
  role: string;
  content?: string | Array<{ type: string; text?: string; [key: string]: unknown }> | null;
  name?: string;
  tool_calls?: ToolCallOut[];
  tool_call_id?: string;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number };
  /** Anthropic's cache writes, kept for the span (not an OpenAI field). */
  cache_creation_input_tokens?: number;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{ index: number; message: ChatMessage & { role: 'assistant'; content: string | null }; finish_reason: string | null; logprobs?: null }>;
  usage?: Usage;
}

export interface ChunkToolCall {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

export interface ChatChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<{ index: number; delta: { role?: string; content?: string | null; tool_calls?: ChunkToolCall[] }; finish_reason: string | null; logprobs?: null }>;
  usage?: Usage | null;
}

/** OpenAI's error body, which every gateway error uses. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export const openAiError = (message: string, type = 'invalid_request_error', code: string | null = null): OpenAiErrorBody => ({ error: { message, type, param: null, code } });

/** What one upstream attempt answered. A thrown error is a network failure, a timeout or a cancel. */
export type UpstreamAnswer =
  | { kind: 'json'; status: number; body: unknown }
  | { kind: 'stream'; status: number; chunks: AsyncIterable<ChatChunk> }
  | { kind: 'error'; status: number; body: OpenAiErrorBody; retryAfterMs?: number };

/** One request to one upstream: the provider, its model, and the key to use. */
export interface UpstreamRequest {
  provider: ProviderSettings;
  /** The key for this call (the provider's, or the client's when allowed). */
  apiKey?: string;
  signal: AbortSignal;
}

/** An error an upstream sent in the middle of a stream. */
export class UpstreamStreamError extends Error {
  constructor(
    message: string,
    readonly type = 'upstream_error',
  ) {
    super(message);
  }
}

/** An upstream's answer with its body not yet read (undici.request's, narrowed to what the gateway uses). */
export interface UpstreamResponse {
  status: number;
  header(name: string): string | null;
  body: AsyncIterable<Uint8Array> & { text(): Promise<string>; json(): Promise<unknown>; destroy(error?: Error): unknown };
}

/** One header of node's or undici's header record as a string (repeated ones joined, as HTTP folds them). */
export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * POST a JSON body upstream with undici.request, not fetch: no WHATWG streams or Response
 * objects on the hop (the profile's third of a call's event-loop time), the same keep-alive
 * pooling. `signal` cancels the request and its body (client disconnect, attempt timeout).
 */
export async function postUpstream(url: string, headers: Record<string, string>, body: unknown, signal: AbortSignal): Promise<UpstreamResponse> {
  const response = await undiciRequest(url, { method: 'POST', headers, body: JSON.stringify(body), signal });
  return {
    status: response.statusCode,
    header: (name) => headerValue(response.headers, name) ?? null,
    body: response.body,
  };
}

/** True for a 2xx answer. */
export const isOk = (response: UpstreamResponse) => response.status >= 200 && response.status < 300;

/** SSE events of a response body, parsed by eventsource-parser; the body is released however the loop ends. */
export async function* sseEvents(body: UpstreamResponse['body']): AsyncGenerator<EventSourceMessage> {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  const decoder = new TextDecoder();
  try {
    for await (const bytes of body) {
      parser.feed(decoder.decode(bytes, { stream: true }));
      while (events.length > 0) yield events.shift()!;
    }
    parser.feed(decoder.decode());
    yield* events.splice(0);
  } finally {
    body.destroy();
  }
}

/** Milliseconds a Retry-After header asks for (seconds or an HTTP date); undefined when absent. */
export function retryAfterMs(header: string | null, nowMs = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** An upstream error response in OpenAI's shape (kept when it already is, wrapped otherwise). */
export async function upstreamError(response: UpstreamResponse, providerName: string, translate?: (body: unknown) => OpenAiErrorBody | null): Promise<UpstreamAnswer> {
  const text = await response.body.text().catch(() => '');
  let parsed: unknown = undefined;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: its text is the message
  }
  const body =
    translate?.(parsed) ??
    (isOpenAiError(parsed) ? normaliseError(parsed) : openAiError(`${providerName} answered ${response.status}: ${text.slice(0, 500) || 'no body'}`, 'upstream_error'));
  return { kind: 'error', status: response.status, body, retryAfterMs: retryAfterMs(response.header('retry-after')) };
}

function isOpenAiError(value: unknown): value is { error: Record<string, unknown> } {
  return !!value && typeof value === 'object' && !!(value as { error?: unknown }).error && typeof (value as { error: unknown }).error === 'object';
}

function normaliseError(value: { error: Record<string, unknown> }): OpenAiErrorBody {
  const e = value.error;
  return {
    error: {
      message: typeof e.message === 'string' ? e.message : JSON.stringify(e),
      type: typeof e.type === 'string' ? e.type : 'upstream_error',
      param: typeof e.param === 'string' ? e.param : null,
      code: typeof e.code === 'string' || typeof e.code === 'number' ? String(e.code) : null,
    },
  };
}

function headersFor(request: UpstreamRequest): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...request.provider.headers };
  if (request.apiKey) headers.authorization = `Bearer ${request.apiKey}`;
  return headers;
}

/** Chunks of an OpenAI-format stream; an `error` event or body becomes an UpstreamStreamError. */
async function* openAiChunks(body: UpstreamResponse['body']): AsyncIterable<ChatChunk> {
  for await (const event of sseEvents(body)) {
    if (event.data === '[DONE]') return;
    let parsed: any;
    try {
      parsed = JSON.parse(event.data);
    } catch {
      throw new UpstreamStreamError(`the upstream sent a chunk that is not JSON: ${event.data.slice(0, 200)}`);
    }
    if (parsed?.error) throw new UpstreamStreamError(String(parsed.error.message ?? JSON.stringify(parsed.error)), String(parsed.error.type ?? 'upstream_error'));
    yield parsed as ChatChunk;
  }
}

/** POST {baseUrl}/chat/completions; streams ask for usage in the last chunk. */
export async function openAiChat(body: ChatRequest, request: UpstreamRequest): Promise<UpstreamAnswer> {
  const upstreamBody = body.stream ? { ...body, stream_options: { ...(body.stream_options ?? {}), include_usage: true } } : body;
  const response = await postUpstream(`${request.provider.baseUrl}/chat/completions`, headersFor(request), upstreamBody, request.signal);
  if (!isOk(response)) return upstreamError(response, request.provider.providerName);
  if (body.stream && (response.header('content-type') ?? '').includes('text/event-stream')) {
    return { kind: 'stream', status: response.status, chunks: openAiChunks(response.body) };
  }
  return { kind: 'json', status: response.status, body: await response.body.json() };
}

/** POST {baseUrl}/embeddings, as it came. */
export async function openAiEmbeddings(body: Record<string, unknown>, request: UpstreamRequest): Promise<UpstreamAnswer> {
  const response = await postUpstream(`${request.provider.baseUrl}/embeddings`, headersFor(request), body, request.signal);
  if (!isOk(response)) return upstreamError(response, request.provider.providerName);
  return { kind: 'json', status: response.status, body: await response.body.json() };
}
