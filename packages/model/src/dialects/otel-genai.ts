// OpenTelemetry GenAI semantic conventions, current (v1.37+) and older forms (v1.26+).
// Names: @opentelemetry/semantic-conventions/incubating (gen_ai.*).
import type { AttributeReader } from '../attributes.ts';
import { asString, parseJsonValue } from '../attributes.ts';
import type { Dialect, GenAiFields } from '../dialect.ts';
import { toMessages } from '../messages.ts';
import type { Attributes, AttributeValue, OtlpEvent } from '../otlp.ts';
import type { Message, RequestParams } from '../types.ts';

/** Understood and kept as span attributes only (the first-class request parameters are read below). */
const KNOWN_KEYS = [
  'gen_ai.request.stop_sequences',
  'gen_ai.request.choice.count',
  'gen_ai.request.encoding_formats',
  'gen_ai.response.id',
  'gen_ai.openai.request.service_tier',
  'gen_ai.openai.response.service_tier',
  'gen_ai.openai.response.system_fingerprint',
  'gen_ai.tool.type',
  'gen_ai.tool.description',
  'gen_ai.tool.definitions',
  'gen_ai.agent.description',
  'gen_ai.data_source.id',
  'server.address',
  'server.port',
];

/** Per-message events of conventions v1.28–1.36 (as span events; log records are joined by the collector). */
const INPUT_EVENT_ROLES: Record<string, string> = {
  'gen_ai.system.message': 'system',
  'gen_ai.user.message': 'user',
  'gen_ai.assistant.message': 'assistant',
  'gen_ai.tool.message': 'tool',
};

/** Names only the current (v1.37+, "2026") conventions use, and names only older ones use. */
const CURRENT_KEYS = ['gen_ai.provider.name', 'gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.system_instructions', 'gen_ai.conversation.id', 'gen_ai.usage.cache_read.input_tokens', 'gen_ai.usage.cache_creation.input_tokens', 'gen_ai.usage.reasoning.output_tokens', 'gen_ai.tool.call.arguments', 'gen_ai.tool.call.result', 'gen_ai.tool.definitions', 'gen_ai.request.stream', 'gen_ai.response.time_to_first_chunk', 'gen_ai.workflow.name', 'gen_ai.agent.version'];
const LEGACY_KEYS = ['gen_ai.system', 'gen_ai.usage.prompt_tokens', 'gen_ai.usage.completion_tokens', 'gen_ai.prompt', 'gen_ai.completion', 'gen_ai.usage.cache_read_input_tokens', 'gen_ai.usage.cache_creation_input_tokens'];
const LEGACY_EVENTS = new Set(['gen_ai.content.prompt', 'gen_ai.content.completion', 'gen_ai.choice', 'gen_ai.system.message', 'gen_ai.user.message', 'gen_ai.assistant.message', 'gen_ai.tool.message']);

/** `gen_ai.request.<name>` → first-class request parameter. */
const REQUEST_PARAMS = ['temperature', 'top_p', 'top_k', 'max_tokens', 'seed', 'frequency_penalty', 'presence_penalty'] as const;
/** gen_ai.usage.* keys read into the main token fields (or cost); every other numeric one is a token detail. */
const MAIN_USAGE_KEYS = new Set(['input_tokens', 'prompt_tokens', 'output_tokens', 'completion_tokens', 'cache_read.input_tokens', 'cache_read_input_tokens', 'cache_creation.input_tokens', 'cache_creation_input_tokens', 'reasoning.output_tokens', 'reasoning_tokens', 'total_tokens', 'cost']);

/** Which conventions generation the span's gen_ai names follow (see MappingInfo.semconv). */
export function semconvGeneration(keys: string[], events: OtlpEvent[]): string | undefined {
  const current = CURRENT_KEYS.some((k) => keys.includes(k)) || events.some((e) => e.name === 'gen_ai.client.inference.operation.details');
  const legacy = LEGACY_KEYS.some((k) => keys.includes(k)) || keys.some((k) => /^gen_ai\.(?:prompt|completion)\.\d/.test(k)) || events.some((e) => LEGACY_EVENTS.has(e.name));
  if (current && legacy) return 'mixed';
  return current ? '2026' : legacy ? 'legacy' : undefined;
}

export const otelGenAi: Dialect = {
  name: 'otel-genai',
  map({ span, attrs }) {
    const fields: GenAiFields = {};
    fields.operation = attrs.str('gen_ai.operation.name');
    fields.provider = attrs.firstStr('gen_ai.provider.name', 'gen_ai.system');
    fields.request_model = attrs.str('gen_ai.request.model');
    fields.model = attrs.str('gen_ai.response.model') || fields.request_model;

    fields.input_tokens = attrs.firstNum('gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens');
    fields.output_tokens = attrs.firstNum('gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens');
    fields.cache_read_tokens = attrs.firstNum('gen_ai.usage.cache_read.input_tokens', 'gen_ai.usage.cache_read_input_tokens');
    fields.cache_write_tokens = attrs.firstNum(
      'gen_ai.usage.cache_creation.input_tokens',
      'gen_ai.usage.cache_creation_input_tokens',
    );
    fields.reasoning_tokens = attrs.firstNum('gen_ai.usage.reasoning.output_tokens', 'gen_ai.usage.reasoning_tokens');
    fields.total_tokens = attrs.num('gen_ai.usage.total_tokens');
    fields.cost_usd = attrs.num('gen_ai.usage.cost');

    fields.finish_reasons = attrs.strings('gen_ai.response.finish_reasons');
    const ttftSeconds = attrs.firstNum('gen_ai.response.time_to_first_chunk', 'gen_ai.client.operation.time_to_first_chunk');
    if (ttftSeconds !== undefined) fields.ttft_ms = ttftSeconds * 1000;

    fields.error_type = attrs.str('error.type');
    fields.session_id = attrs.firstStr('gen_ai.conversation.id', 'session.id');
    fields.user_id = attrs.str('user.id');
    fields.agent_name = attrs.str('gen_ai.agent.name');
    fields.agent_id = attrs.str('gen_ai.agent.id');
    fields.agent_version = attrs.str('gen_ai.agent.version');
    fields.workflow_name = attrs.str('gen_ai.workflow.name');
    fields.output_type = attrs.str('gen_ai.output.type');
    fields.tool_name = attrs.str('gen_ai.tool.name');
    fields.tool_call_id = attrs.str('gen_ai.tool.call.id');
    fields.request_params = requestParams(attrs);
    fields.token_details = tokenDetails(attrs);
    for (const key of KNOWN_KEYS) attrs.raw(key);
    const genAiKeys = Object.keys(span.attributes).filter((k) => k.startsWith('gen_ai.'));
    if (genAiKeys.length > 0 || span.events.some((e) => e.name.startsWith('gen_ai.'))) fields.semconv = semconvGeneration(genAiKeys, span.events);

    const input = readInput(attrs, span.events);
    const output = readOutput(attrs, span.events);
    const toolArgs = attrs.raw('gen_ai.tool.call.arguments');
    const toolResult = attrs.raw('gen_ai.tool.call.result');
    if (input.length === 0 && toolArgs !== undefined) input.push(toolMessage(toolArgs, fields.tool_call_id));
    if (output.length === 0 && toolResult !== undefined) output.push(toolMessage(toolResult, fields.tool_call_id));
    if (input.length > 0) fields.input_messages = input;
    if (output.length > 0) fields.output_messages = output;
    return fields;
  },
};

function requestParams(attrs: AttributeReader): RequestParams | undefined {
  const out: RequestParams = {};
  for (const name of REQUEST_PARAMS) {
    const value = attrs.num(`gen_ai.request.${name}`);
    if (value !== undefined) out[name] = value;
  }
  const stream = attrs.raw('gen_ai.request.stream');
  if (stream !== undefined) out.stream = stream === true || stream === 'true';
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Per-modality and other detailed counts (`gen_ai.usage.<anything else>`), keyed without the prefix. */
function tokenDetails(attrs: AttributeReader): Record<string, number> | undefined {
  const out: Record<string, number> = {};
  for (const key of Object.keys(attrs.attributes)) {
    if (!key.startsWith('gen_ai.usage.')) continue;
    const name = key.slice('gen_ai.usage.'.length);
    if (MAIN_USAGE_KEYS.has(name)) continue;
    const value = attrs.num(key);
    if (value !== undefined) out[name] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function readInput(attrs: AttributeReader, events: OtlpEvent[]): Message[] {
  const messages: Message[] = [];
  const system = parseJsonValue(attrs.raw('gen_ai.system_instructions'));
  if (system !== undefined) {
    const text = Array.isArray(system)
      ? system.map((part) => asString(typeof part === 'object' && part !== null && !Array.isArray(part) ? part.content ?? part.text : part)).join('\n')
      : asString(system) ?? '';
    if (text) messages.push({ role: 'system', content: text });
  }
  const current = attrs.raw('gen_ai.input.messages');
  if (current !== undefined) return [...messages, ...toMessages(current, 'user')];
  const legacy = attrs.raw('gen_ai.prompt');
  if (legacy !== undefined) return [...messages, ...toMessages(legacy, 'user')];

  const systemCount = messages.length;
  for (const event of events) {
    if (event.name === 'gen_ai.content.prompt') messages.push(...toMessages(event.attributes['gen_ai.prompt'], 'user'));
    else if (event.name === 'gen_ai.client.inference.operation.details') {
      messages.push(...toMessages(event.attributes['gen_ai.input.messages'], 'user'));
    } else if (Object.hasOwn(INPUT_EVENT_ROLES, event.name)) messages.push(...eventMessages(event.attributes, INPUT_EVENT_ROLES[event.name]));
  }
  // System instructions alone are not the input: leave it to a dialect that has the
  // messages (pydantic-ai agent spans keep them in pydantic_ai.all_messages).
  return messages.length > systemCount ? messages : [];
}

function readOutput(attrs: AttributeReader, events: OtlpEvent[]): Message[] {
  const current = attrs.raw('gen_ai.output.messages');
  if (current !== undefined) return toMessages(current, 'assistant');
  const legacy = attrs.raw('gen_ai.completion');
  if (legacy !== undefined) return toMessages(legacy, 'assistant');

  const messages: Message[] = [];
  for (const event of events) {
    if (event.name === 'gen_ai.content.completion') messages.push(...toMessages(event.attributes['gen_ai.completion'], 'assistant'));
    else if (event.name === 'gen_ai.client.inference.operation.details') {
      messages.push(...toMessages(event.attributes['gen_ai.output.messages'], 'assistant'));
    } else if (event.name === 'gen_ai.choice') messages.push(...eventMessages(event.attributes, 'assistant'));
  }
  return messages;
}

/** A per-message event's attributes (or log body): `{content, role?, tool_calls?, id?}` or a choice `{message, …}`. */
export function eventMessages(body: Attributes | AttributeValue, role: string): Message[] {
  const parsed = parseJsonValue(body as AttributeValue);
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
    const bodyObject = { ...parsed } as Record<string, AttributeValue>;
    // Some senders nest the body under gen_ai.event.content as a JSON string.
    const nested = parseJsonValue(bodyObject['gen_ai.event.content']);
    const source = nested && typeof nested === 'object' && !Array.isArray(nested) ? nested : bodyObject;
    // gen_ai.tool.message names the call it answers `id` (v1.28–1.36).
    const toolCallId = role === 'tool' && source.tool_call_id === undefined ? { tool_call_id: source.id } : {};
    return toMessages({ role, ...toolCallId, ...source } as AttributeValue, role);
  }
  return toMessages(parsed, role);
}

function toolMessage(value: AttributeValue, toolCallId: string | undefined): Message {
  const message: Message = { role: 'tool', content: asString(value) ?? '' };
  if (toolCallId) message.tool_call_id = toolCallId;
  return message;
}
