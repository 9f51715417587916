// The playground: replay a stored generation through the gateway with edited turns, another
// model or alias, other parameters or tools. Pure helpers: the request a run sends (from
// the source span and the overrides), and the side-by-side summary of a span.
import type { Message, RunSummary } from '@spanhouse/model';
import { z } from 'zod';
import type { ChatMessage, ChatRequest } from './openai.ts';
import { parseTarget, type GatewaySettings } from './settings.ts';

/** The tag and metadata keys that mark a playground run and link it to its source span. */
export const PLAYGROUND_TAG = 'playground';
export const SOURCE_SPAN_KEY = 'playground.source_span_id';
export const SOURCE_TRACE_KEY = 'playground.source_trace_id';

const toolCallSchema = z.looseObject({ id: z.string().max(500).optional(), name: z.string().max(500).optional(), arguments: z.string().optional() });
/** A turn in the stored shape (Message) or OpenAI's: both are accepted. */
const turnSchema = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(z.unknown()), z.null()]).optional(),
  tool_calls: z.array(toolCallSchema).max(128).optional(),
  tool_call_id: z.string().max(500).optional(),
  name: z.string().max(500).optional(),
});

export const playgroundRunBody = z
  .object({
    /** The generation span to replay (its turns, model, parameters and tools are the defaults). */
    span_id: z.string().regex(/^[0-9a-fA-F]{16}$/, 'must be 16 hex characters').optional(),
    messages: z.array(turnSchema).min(1).max(10_000).optional(),
    /** A model, `provider/model`, or routing alias. */
    model: z.string().min(1).max(500).optional(),
    temperature: z.number().min(0).max(2).nullable().optional(),
    max_tokens: z.number().int().min(1).max(1_000_000).nullable().optional(),
    tools: z.array(z.unknown()).max(128).nullable().optional(),
    stream: z.boolean().optional(),
    tenant_id: z.string().max(63).optional(),
  })
  .strict();

export type PlaygroundRunBody = z.infer<typeof playgroundRunBody>;

/** What the playground reads of a source span. */
export interface SourceSpan {
  trace_id: string;
  span_id: string;
  type: string;
  model: string;
  request_model: string;
  provider: string;
  input_messages?: Message[];
  span_attributes: Record<string, string>;
}

/** Pure: turns (stored or OpenAI shape) as OpenAI chat messages; tool calls get OpenAI's nesting. */
export function toChatMessages(turns: Array<Record<string, unknown>>): ChatMessage[] {
  return turns.map((turn) => {
    const out: ChatMessage = { role: String(turn.role), content: (turn.content as ChatMessage['content']) ?? '' };
    const calls = Array.isArray(turn.tool_calls) ? (turn.tool_calls as Array<Record<string, any>>) : [];
    if (calls.length > 0) {
      out.tool_calls = calls.map((c) => ({
        id: String(c.id ?? ''),
        type: 'function',
        function: { name: String(c.function?.name ?? c.name ?? ''), arguments: String(c.function?.arguments ?? c.arguments ?? '') },
      }));
      if (out.content === '') out.content = null;
    }
    if (typeof turn.tool_call_id === 'string' && turn.tool_call_id) out.tool_call_id = turn.tool_call_id;
    if (typeof turn.name === 'string' && turn.name) out.name = turn.name;
    return out;
  });
}

const numberAttribute = (attrs: Record<string, string>, key: string): number | undefined => {
  const n = Number(attrs[key]);
  return attrs[key] !== undefined && attrs[key] !== '' && Number.isFinite(n) ? n : undefined;
};

function toolsOf(attrs: Record<string, string>): unknown[] | undefined {
  try {
    const tools = JSON.parse(attrs['gen_ai.tool.definitions'] ?? '');
    return Array.isArray(tools) && tools.length > 0 ? tools : undefined;
  } catch {
    return undefined;
  }
}

type RouteSettings = Pick<GatewaySettings, 'providers' | 'aliases' | 'defaultProvider'>;

/**
 * Pure: where a replay of the source span's own model goes. A span the gateway made names its
 * alias or `provider/model`, or a model of the default provider; a span an SDK sent straight to
 * its provider (provider `anthropic`, model `claude-sonnet-4`) names a bare model, which the
 * gateway would send to its default provider: it goes to the configured provider of the span's
 * provider instead (the default one when several match, else the first with a key).
 */
export function replayModel(model: string, spanProvider: string, settings: RouteSettings): string {
  if (Object.hasOwn(settings.aliases, model) || parseTarget(model, settings).provider !== settings.defaultProvider) return model;
  const matching = Object.values(settings.providers).filter((p) => p.providerName === spanProvider);
  if (matching.length === 0 || matching.some((p) => p.name === settings.defaultProvider)) return model;
  // one with a key of its own first (attemptKey refuses a provider that needs one and has none)
  const usable = matching.find((p) => p.apiKey || !p.apiKeyEnv) ?? matching[0];
  return `${usable.name}/${model}`;
}

/**
 * Pure: the chat request of a run: the overrides, else the source span's turns, model,
 * temperature, max tokens and tools. An explicit null removes a parameter. The source's own
 * model (given or left out) goes to the source's provider (replayModel).
 * Returns an error message when something required is missing.
 */
export function playgroundRequest(body: PlaygroundRunBody, source: SourceSpan | null, settings: RouteSettings): ChatRequest | string {
  const attrs = source?.span_attributes ?? {};
  const turns = body.messages ?? source?.input_messages ?? [];
  if (turns.length === 0) return 'messages: give the turns to run, or a span_id whose input has them';
  const sourceModel = source?.request_model || source?.model;
  const asked = body.model ?? sourceModel;
  if (!asked) return 'model: give a model or alias (the source span names none)';
  const model = source && asked === sourceModel ? replayModel(asked, source.provider, settings) : asked;
  const request: ChatRequest = { model, messages: toChatMessages(turns as Array<Record<string, unknown>>) };
  const temperature = body.temperature === undefined ? numberAttribute(attrs, 'gen_ai.request.temperature') : body.temperature;
  const maxTokens = body.max_tokens === undefined ? numberAttribute(attrs, 'gen_ai.request.max_tokens') : body.max_tokens;
  const tools = body.tools === undefined ? toolsOf(attrs) : body.tools;
  if (temperature !== undefined && temperature !== null) request.temperature = temperature;
  if (maxTokens !== undefined && maxTokens !== null) request.max_tokens = maxTokens;
  if (tools && tools.length > 0) request.tools = tools;
  if (body.stream) request.stream = true;
  return request;
}

/** The fields the side-by-side comparison shows (RunSummary, declared with the UI's in @spanhouse/model). */
export type { RunSummary };

export function runSummary(span: RunSummary & Record<string, unknown>): RunSummary {
  return {
    trace_id: span.trace_id,
    span_id: span.span_id,
    status: span.status,
    model: span.model,
    routing_alias: span.routing_alias,
    output_messages: span.output_messages ?? [],
    output_text: span.output_text,
    input_tokens: span.input_tokens,
    output_tokens: span.output_tokens,
    total_tokens: span.total_tokens,
    cost_usd: span.cost_usd,
    latency_ms: span.latency_ms,
    ttft_ms: span.ttft_ms,
    error_message: span.error_message,
  };
}
