// OpenTelemetry GenAI semantic conventions, current (v1.37+) and older forms (v1.26+).
// Names: @opentelemetry/semantic-conventions/incubating (gen_ai.*).
import type { AttributeReader } from '../attributes.ts';
import { asString, parseJsonValue } from '../attributes.ts';
import type { Dialect, GenAiFields } from '../dialect.ts';
import { toMessages } from '../messages.ts';
import type { Attributes, AttributeValue, OtlpEvent } from '../otlp.ts';
import type { Message } from '../types.ts';

/** Request parameters we understand and keep as span attributes only. */
const REQUEST_PARAMS = [
  'gen_ai.request.temperature',
  'gen_ai.request.max_tokens',
  'gen_ai.request.top_p',
  'gen_ai.request.top_k',
  'gen_ai.request.frequency_penalty',
  'gen_ai.request.presence_penalty',
  'gen_ai.request.stop_sequences',
  'gen_ai.request.seed',
  'gen_ai.request.stream',
  'gen_ai.request.choice.count',
  'gen_ai.request.encoding_formats',
  'gen_ai.output.type',
  'gen_ai.response.id',
  'gen_ai.openai.request.service_tier',
  'gen_ai.openai.response.service_tier',
  'gen_ai.openai.response.system_fingerprint',
  'gen_ai.tool.type',
  'gen_ai.tool.description',
  'gen_ai.tool.definitions',
  'gen_ai.agent.id',
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
    fields.tool_name = attrs.str('gen_ai.tool.name');
    fields.tool_call_id = attrs.str('gen_ai.tool.call.id');
    for (const key of REQUEST_PARAMS) attrs.raw(key);

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
