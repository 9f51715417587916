// Anthropic's Messages API behind the OpenAI wire format: requests are translated to
// /v1/messages (system turns, tool calls and tool results included), answers and stream
// events back into chat.completion(.chunk) objects. The translations are pure.
import {
  isOk,
  postUpstream,
  sseEvents,
  upstreamError,
  UpstreamStreamError,
  type ChatChunk,
  type ChatCompletion,
  type ChatMessage,
  type ChatRequest,
  type OpenAiErrorBody,
  type ToolCallOut,
  type UpstreamAnswer,
  type UpstreamRequest,
  type UpstreamResponse,
  type Usage,
} from './openai.ts';

export const ANTHROPIC_VERSION = '2023-06-01';
/** Anthropic requires max_tokens; OpenAI does not. */
export const DEFAULT_MAX_TOKENS = 4096;

type Block = Record<string, unknown>;
interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: Block[];
}

const textOf = (content: ChatMessage['content']): string =>
  typeof content === 'string' ? content : Array.isArray(content) ? content.map((p) => (p.type === 'text' && typeof p.text === 'string' ? p.text : '')).join('') : '';

function contentBlocks(content: ChatMessage['content']): Block[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) return [];
  return content.flatMap((part): Block[] => {
    if (part.type === 'text') return [{ type: 'text', text: String(part.text ?? '') }];
    if (part.type === 'image_url') {
      const url = String((part.image_url as { url?: string } | undefined)?.url ?? '');
      const data = /^data:([^;]+);base64,(.*)$/s.exec(url);
      return [{ type: 'image', source: data ? { type: 'base64', media_type: data[1], data: data[2] } : { type: 'url', url } }];
    }
    return [];
  });
}

function parseArguments(text: string): unknown {
  try {
    return text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    return { _raw: text };
  }
}

function toolChoice(choice: unknown): Block | undefined {
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'required') return { type: 'any' };
  if (choice === 'none') return { type: 'none' };
  const name = (choice as { function?: { name?: string } } | undefined)?.function?.name;
  return name ? { type: 'tool', name } : undefined;
}

/** Pure: an OpenAI chat request as a Messages API request (for `model`, the upstream's model id). */
export function toAnthropicRequest(body: ChatRequest, model: string): Record<string, unknown> {
  const system: string[] = [];
  const messages: AnthropicMessage[] = [];
  const push = (role: 'user' | 'assistant', blocks: Block[]) => {
    if (blocks.length === 0) return;
    const last = messages[messages.length - 1];
    // Anthropic wants user and assistant turns to alternate: consecutive turns of one role merge.
    if (last?.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  };
  for (const m of body.messages) {
    if (m.role === 'system' || m.role === 'developer') system.push(textOf(m.content));
    else if (m.role === 'tool') push('user', [{ type: 'tool_result', tool_use_id: m.tool_call_id ?? '', content: textOf(m.content) }]);
    else if (m.role === 'assistant') {
      const calls = (m.tool_calls ?? []).map((c) => ({ type: 'tool_use', id: c.id, name: c.function.name, input: parseArguments(c.function.arguments) }));
      push('assistant', [...contentBlocks(m.content), ...calls]);
    } else push('user', contentBlocks(m.content));
  }
  const out: Record<string, unknown> = { model, messages, max_tokens: body.max_completion_tokens ?? body.max_tokens ?? DEFAULT_MAX_TOKENS };
  if (system.length > 0) out.system = system.join('\n\n');
  if (body.temperature !== undefined && body.temperature !== null) out.temperature = Math.min(1, body.temperature);
  if (body.top_p !== undefined && body.top_p !== null) out.top_p = body.top_p;
  if (body.stop) out.stop_sequences = Array.isArray(body.stop) ? body.stop : [body.stop];
  if (body.tools?.length) {
    out.tools = body.tools.map((t) => {
      const fn = (t as { function?: { name?: string; description?: string; parameters?: unknown } }).function ?? {};
      return { name: fn.name, description: fn.description, input_schema: fn.parameters ?? { type: 'object', properties: {} } };
    });
    const choice = toolChoice(body.tool_choice);
    if (choice) out.tool_choice = choice;
  }
  if (typeof body.user === 'string') out.metadata = { user_id: body.user };
  if (body.stream) out.stream = true;
  return out;
}

const FINISH_REASONS: Record<string, string> = { end_turn: 'stop', stop_sequence: 'stop', max_tokens: 'length', tool_use: 'tool_calls', refusal: 'content_filter', pause_turn: 'stop' };
export const finishReason = (stop: unknown): string | null => (typeof stop === 'string' ? (FINISH_REASONS[stop] ?? stop) : null);

interface AnthropicUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

/** Pure: Anthropic counts cached input apart; OpenAI's prompt_tokens include it. */
export function toOpenAiUsage(usage: AnthropicUsage): Usage {
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  const prompt = (usage.input_tokens ?? 0) + cacheRead + cacheWrite;
  const completion = usage.output_tokens ?? 0;
  const out: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: cacheRead } };
  if (cacheWrite) out.cache_creation_input_tokens = cacheWrite;
  return out;
}

/** Pure: a Messages API answer as a chat.completion. */
export function fromAnthropicResponse(message: any): ChatCompletion {
  const blocks: Block[] = Array.isArray(message?.content) ? message.content : [];
  const text = blocks.filter((b) => b.type === 'text').map((b) => String(b.text ?? '')).join('');
  const toolCalls: ToolCallOut[] = blocks
    .filter((b) => b.type === 'tool_use')
    .map((b) => ({ id: String(b.id ?? ''), type: 'function', function: { name: String(b.name ?? ''), arguments: JSON.stringify(b.input ?? {}) } }));
  const msg: ChatCompletion['choices'][number]['message'] = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
  if (toolCalls.length > 0) msg.tool_calls = toolCalls;
  return {
    id: String(message?.id ?? ''),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: String(message?.model ?? ''),
    choices: [{ index: 0, message: msg, finish_reason: finishReason(message?.stop_reason), logprobs: null }],
    usage: toOpenAiUsage(message?.usage ?? {}),
  };
}

/** Pure: Anthropic's `{type:"error", error:{type, message}}` in OpenAI's shape. */
export function fromAnthropicError(body: unknown): OpenAiErrorBody | null {
  const e = (body as { error?: { type?: unknown; message?: unknown } } | undefined)?.error;
  if (!e || typeof e !== 'object') return null;
  const type = typeof e.type === 'string' ? e.type : 'upstream_error';
  return { error: { message: typeof e.message === 'string' ? e.message : JSON.stringify(e), type, param: null, code: type } };
}

/**
 * Stream events to chunks, one event at a time (pure per event, state in the instance):
 * message_start → the role chunk; text deltas → content; tool_use blocks → tool_calls with
 * their index among this answer's tool calls; message_delta → finish_reason; usage last.
 */
export class AnthropicStreamTranslator {
  private id = '';
  private model = '';
  private readonly created = Math.floor(Date.now() / 1000);
  private usage: AnthropicUsage = {};
  /** content block index → tool call index */
  private readonly toolIndex = new Map<number, number>();

  private chunk(delta: ChatChunk['choices'][number]['delta'], finish: string | null = null): ChatChunk {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [{ index: 0, delta, finish_reason: finish }] };
  }

  translate(type: string | undefined, data: any): ChatChunk[] {
    switch (type ?? data?.type) {
      case 'message_start':
        this.id = String(data.message?.id ?? '');
        this.model = String(data.message?.model ?? '');
        this.usage = { ...data.message?.usage };
        return [this.chunk({ role: 'assistant', content: '' })];
      case 'content_block_start':
        if (data.content_block?.type === 'tool_use') {
          const index = this.toolIndex.size;
          this.toolIndex.set(data.index, index);
          return [this.chunk({ tool_calls: [{ index, id: String(data.content_block.id), type: 'function', function: { name: String(data.content_block.name), arguments: '' } }] })];
        }
        if (data.content_block?.type === 'text' && data.content_block.text) return [this.chunk({ content: String(data.content_block.text) })];
        return [];
      case 'content_block_delta':
        if (data.delta?.type === 'text_delta') return [this.chunk({ content: String(data.delta.text ?? '') })];
        if (data.delta?.type === 'input_json_delta') {
          const index = this.toolIndex.get(data.index) ?? 0;
          return [this.chunk({ tool_calls: [{ index, function: { arguments: String(data.delta.partial_json ?? '') } }] })];
        }
        return [];
      case 'message_delta':
        Object.assign(this.usage, data.usage ?? {});
        return [this.chunk({}, finishReason(data.delta?.stop_reason) ?? 'stop')];
      case 'message_stop':
        return [{ ...this.chunk({}), choices: [], usage: toOpenAiUsage(this.usage) }];
      case 'error':
        throw new UpstreamStreamError(String(data.error?.message ?? 'the upstream stream failed'), String(data.error?.type ?? 'upstream_error'));
      default:
        return []; // ping, content_block_stop, and events added later
    }
  }
}

async function* anthropicChunks(body: UpstreamResponse['body']): AsyncIterable<ChatChunk> {
  const translator = new AnthropicStreamTranslator();
  for await (const event of sseEvents(body)) {
    let data: unknown;
    try {
      data = JSON.parse(event.data);
    } catch {
      throw new UpstreamStreamError(`the upstream sent an event that is not JSON: ${event.data.slice(0, 200)}`);
    }
    yield* translator.translate(event.event, data);
  }
}

/** POST {baseUrl}/messages with the request translated; the answer translated back. */
export async function anthropicChat(body: ChatRequest, request: UpstreamRequest): Promise<UpstreamAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'anthropic-version': ANTHROPIC_VERSION, ...request.provider.headers };
  if (request.apiKey) headers['x-api-key'] = request.apiKey;
  const response = await postUpstream(`${request.provider.baseUrl}/messages`, headers, toAnthropicRequest(body, body.model), request.signal);
  if (!isOk(response)) return upstreamError(response, request.provider.providerName, fromAnthropicError);
  if (body.stream) return { kind: 'stream', status: response.status, chunks: anthropicChunks(response.body) };
  return { kind: 'json', status: response.status, body: fromAnthropicResponse(await response.body.json()) };
}
