// Pydantic Logfire and pydantic-ai (instrumentation v2–v5). Chat and tool spans use the
// OTel names (otel-genai); this reads the agent-run span extras, Logfire's own keys and
// the request_data/response_data of Logfire's OpenAI/Anthropic instrumentation.
import type { AttributeReader } from '../attributes.ts';
import { asNumber, asString, parseJsonValue } from '../attributes.ts';
import type { Dialect, GenAiFields } from '../dialect.ts';
import { toMessages } from '../messages.ts';
import type { AttributeValue } from '../otlp.ts';
import type { Message } from '../types.ts';
import { isObj, looseMessages, metadataMap, nonEmpty, toolMessage } from './shared.ts';

/** Understood and kept only in span_attributes. */
const KNOWN_KEYS = [
  'logfire.msg',
  'logfire.msg_template',
  'logfire.span_type',
  'logfire.json_schema',
  'logfire.level_num',
  'pydantic_ai.new_message_index',
  'pydantic_ai.variable_instructions',
  // pydantic-ai chat spans: tool definitions and output mode (gen_ai.tool.definitions repeats the tools)
  'model_request_parameters',
];

export const logfire: Dialect = {
  name: 'logfire',
  keyPrefixes: [
    'logfire.',
    'pydantic_ai.',
    'gen_ai.aggregated_usage.',
    'operation.cost',
    'final_result',
    'request_data',
    'response_data',
    'model_request_parameters',
    'tool_arguments',
    'tool_response',
  ],
  map({ attrs }) {
    const fields: GenAiFields = {};
    const isPydanticAi = attrs.has('pydantic_ai.all_messages') || attrs.has('agent_name') || attrs.has('final_result');
    // Only agent-run spans carry `agent_name`. Older pydantic-ai releases send no operation name
    // there but do send a model and the run's usage, which would otherwise make it a generation.
    if (attrs.has('agent_name')) fields.typeHint = 'agent';
    fields.tags = attrs.strings('logfire.tags');
    fields.cost_usd = attrs.num('operation.cost');
    fields.agent_name = attrs.str('agent_name');
    // `model_name` and `metadata` are generic names: only claimed on pydantic-ai agent spans.
    if (isPydanticAi) {
      const modelName = attrs.str('model_name');
      if (modelName && modelName !== 'no-model') fields.model = modelName;
      fields.metadata = nonEmpty(metadataMap(attrs.raw('metadata')));
    }
    readAggregatedUsage(attrs, fields);
    for (const key of KNOWN_KEYS) attrs.raw(key);

    const agentInput = agentMessages(attrs);
    const finalResult = attrs.raw('final_result');
    const request = parseJsonValue(attrs.raw('request_data'));
    const response = parseJsonValue(attrs.raw('response_data'));
    if (isObj(request)) {
      fields.request_model = asString(request.model);
      fields.model ??= fields.request_model;
    }
    if (isObj(response)) readResponseUsage(response.usage, fields);

    const requestMessages = isObj(request) && Array.isArray(request.messages) ? toMessages(request.messages, 'user') : undefined;
    fields.input_messages = agentInput && finalResult !== undefined ? withoutFinalAnswer(agentInput) : agentInput ?? requestMessages;
    const output = finalResult !== undefined ? looseMessages(finalResult, 'assistant') : isObj(response) ? responseMessages(response) : [];
    fields.output_messages = output.length > 0 ? output : undefined;
    readToolV2(attrs, fields);
    return fields;
  },
};

/**
 * pydantic-ai instrumentation version 2 tool spans ("running tool") carry the call as
 * `tool_arguments`/`tool_response`; version 3+ uses gen_ai.tool.call.*, read by otel-genai.
 * Generic names: only claimed next to gen_ai.tool.name.
 */
function readToolV2(attrs: AttributeReader, fields: GenAiFields): void {
  if (!attrs.has('gen_ai.tool.name')) return;
  const toolCallId = attrs.str('gen_ai.tool.call.id');
  const args = attrs.raw('tool_arguments');
  const result = attrs.raw('tool_response');
  if (args !== undefined) fields.input_messages ??= [toolMessage(args, toolCallId)];
  if (result !== undefined) fields.output_messages ??= [toolMessage(result, toolCallId)];
}

/**
 * Agent-run usage under pydantic-ai's `gen_ai.aggregated_usage.*` (the run's children summed).
 * Only used when the span has no gen_ai.usage.* (otel-genai reads those first and wins).
 */
function readAggregatedUsage(attrs: AttributeReader, fields: GenAiFields): void {
  const usage: Record<string, number> = {};
  for (const [key, value] of attrs.withPrefix('gen_ai.aggregated_usage.')) {
    const n = asNumber(value);
    if (n !== undefined) usage[key] = n;
  }
  fields.input_tokens = usage.input_tokens;
  fields.output_tokens = usage.output_tokens;
  fields.cache_read_tokens = usage['cache_read.input_tokens'];
  fields.cache_write_tokens = usage['cache_creation.input_tokens'];
  fields.reasoning_tokens = usage['reasoning.output_tokens'] ?? usage['details.reasoning_tokens'];
}

/** `pydantic_ai.all_messages` (OTel message shape), with the run's system instructions first. */
function agentMessages(attrs: AttributeReader): Message[] | undefined {
  const all = attrs.raw('pydantic_ai.all_messages');
  if (all === undefined) return undefined;
  const messages = toMessages(all, 'user');
  // otel-genai reads gen_ai.system_instructions too; on agent spans they belong with all_messages.
  const system = parseJsonValue(attrs.raw('gen_ai.system_instructions'));
  const systemText = Array.isArray(system)
    ? system.map((part) => asString(isObj(part) ? part.content ?? part.text : part) ?? '').join('\n')
    : asString(system) ?? '';
  if (systemText && !messages.some((m) => m.role === 'system')) messages.unshift({ role: 'system', content: systemText });
  return messages;
}

/** all_messages ends with the final answer, which final_result already holds as output. */
function withoutFinalAnswer(messages: Message[]): Message[] {
  let end = messages.length;
  while (end > 0 && messages[end - 1].role === 'assistant' && !messages[end - 1].tool_calls) end--;
  return messages.slice(0, end);
}

/** OpenAI `{message, usage:{prompt_tokens…}}` or Anthropic `{message:{content}, usage:{input_tokens…}}`. */
function responseMessages(response: Record<string, AttributeValue>): Message[] {
  const message = parseJsonValue(response.message);
  if (isObj(message)) return toMessages({ role: 'assistant', ...message }, 'assistant');
  // Streamed responses keep the joined text instead.
  const combined = asString(response.combined_chunk_content);
  return combined ? [{ role: 'assistant', content: combined }] : [];
}

function readResponseUsage(raw: AttributeValue | undefined, fields: GenAiFields): void {
  const usage = parseJsonValue(raw);
  if (!isObj(usage)) return;
  fields.input_tokens ??= asNumber(usage.prompt_tokens ?? usage.input_tokens);
  fields.output_tokens ??= asNumber(usage.completion_tokens ?? usage.output_tokens);
  fields.total_tokens ??= asNumber(usage.total_tokens);
}
