// Arize OpenInference (Phoenix, openinference-instrumentation-*). Names:
// @arizeai/openinference-semantic-conventions 2.12 / spec/semantic_conventions.md.
import type { AttributeReader } from '../attributes.ts';
import { asNumber, asString, parseJsonValue } from '../attributes.ts';
import type { Dialect, GenAiFields } from '../dialect.ts';
import type { AttributeValue } from '../otlp.ts';
import type { Message, MessagePart, SpanType, ToolCall } from '../types.ts';
import { cleanList, indexedList, isObj, looseMessages, metadataMap, nonEmpty } from './shared.ts';

const KIND_TYPES: Record<string, SpanType> = {
  LLM: 'generation',
  EMBEDDING: 'embedding',
  CHAIN: 'chain',
  RETRIEVER: 'retriever',
  RERANKER: 'retriever',
  TOOL: 'tool',
  AGENT: 'agent',
};

/** `llm.cost.*` paths, renamed to the keys Spanhouse uses in cost_details. */
const COST_KEYS: Record<string, string> = {
  total: 'total',
  prompt: 'input',
  completion: 'output',
  'prompt_details.cache_read': 'cache_read',
  'prompt_details.cache_write': 'cache_write',
  'completion_details.reasoning': 'reasoning',
};

/** Understood and kept only in span_attributes (tool definitions, templates, raw params). */
const KNOWN_KEYS = [
  'llm.invocation_parameters',
  'embedding.invocation_parameters',
  'llm.function_call',
  'llm.prompt_template.template',
  'llm.prompt_template.variables',
  'llm.prompt_template.version',
  'tool.description',
  'tool.parameters',
  'tool.json_schema',
  'input.value',
  'output.value',
  'input.mime_type',
  'output.mime_type',
  'reranker.query',
  'reranker.top_k',
];
const KNOWN_PREFIXES = ['llm.tools.', 'llm.prompts.', 'llm.choices.', 'llm.token_count.', 'embedding.embeddings.', 'retrieval.documents.', 'reranker.input_documents.', 'reranker.output_documents.'];

export const openInference: Dialect = {
  name: 'openinference',
  keyPrefixes: ['openinference.', 'llm.', 'input.value', 'output.value', 'tool.', 'embedding.', 'reranker.', 'retrieval.', 'tag.tags'],
  map({ attrs }) {
    const fields: GenAiFields = {};
    const kind = attrs.str('openinference.span.kind')?.toUpperCase();
    if (kind) fields.typeHint = Object.hasOwn(KIND_TYPES, kind) ? KIND_TYPES[kind] : 'span';

    const params = parseJsonValue(attrs.raw('llm.invocation_parameters'));
    const paramModel = isObj(params) ? asString(params.model ?? params.model_name) : undefined;
    const anyModel = attrs.firstStr('llm.model_name', 'embedding.model_name', 'reranker.model_name');
    // The OpenAI instrumentation overwrites llm.model_name with the response model; the
    // invocation parameters still hold the model that was asked for.
    fields.request_model = attrs.firstStr('llm.request.model_name') ?? paramModel ?? anyModel;
    fields.model = attrs.firstStr('llm.response.model_name') ?? anyModel ?? fields.request_model;
    fields.provider = provider(attrs.str('llm.provider'), attrs.str('llm.system'));

    fields.input_tokens = attrs.num('llm.token_count.prompt');
    fields.output_tokens = attrs.num('llm.token_count.completion');
    fields.total_tokens = attrs.num('llm.token_count.total');
    fields.cache_read_tokens = attrs.num('llm.token_count.prompt_details.cache_read');
    fields.cache_write_tokens = attrs.num('llm.token_count.prompt_details.cache_write');
    fields.reasoning_tokens = attrs.num('llm.token_count.completion_details.reasoning');
    readCost(attrs, fields);

    fields.finish_reasons = attrs.strings('llm.finish_reason');
    fields.tool_name = attrs.str('tool.name');
    fields.tool_call_id = attrs.str('tool.id');
    fields.agent_name = attrs.str('agent.name');
    fields.tags = attrs.strings('tag.tags');
    // `metadata` is a generic name: only claim it when the span is an OpenInference span.
    if (kind || attrs.has('input.value') || attrs.has('output.value')) fields.metadata = nonEmpty(metadataMap(attrs.raw('metadata')));
    // session.id and user.id are shared with the OTel conventions, which read them first.

    for (const key of KNOWN_KEYS) attrs.raw(key);
    for (const prefix of KNOWN_PREFIXES) attrs.withPrefix(prefix);

    const input = readMessages(attrs, 'llm.input_messages', 'user');
    const output = readMessages(attrs, 'llm.output_messages', 'assistant');
    fields.input_messages = withSystemPrompt(input, params) ?? readPrompts(attrs) ?? readValue(attrs, 'input') ?? embeddingTexts(attrs);
    fields.output_messages = output ?? readChoices(attrs) ?? readValue(attrs, 'output') ?? documentTexts(attrs);
    if (!fields.finish_reasons) fields.finish_reasons = cleanList((fields.output_messages ?? []).map((m) => m.finish_reason));
    return fields;
  },
};

/**
 * Anthropic takes the system prompt beside the messages (`system`), so OpenInference's
 * Anthropic instrumentation records it only in the invocation parameters: put it first.
 */
function withSystemPrompt(messages: Message[] | undefined, params: AttributeValue | undefined): Message[] | undefined {
  if (!messages || !isObj(params) || messages.some((m) => m.role === 'system')) return messages;
  const system = params.system;
  const text = Array.isArray(system)
    ? system.map((block) => (isObj(block) ? asString(block.text) ?? '' : asString(block) ?? '')).filter((t) => t !== '').join('\n')
    : asString(system);
  return text ? [{ role: 'system', content: text }, ...messages] : messages;
}

/** `llm.provider` is the host (azure, aws, google), `llm.system` the model family (openai, vertexai). */
function provider(host: string | undefined, system: string | undefined): string | undefined {
  const h = host?.toLowerCase();
  const s = system?.toLowerCase();
  if (h === 'google' && (s === 'vertexai' || s === 'vertex_ai')) return 'google.vertex';
  return host || system;
}

function readCost(attrs: AttributeReader, fields: GenAiFields): void {
  const costs: Record<string, number> = {};
  for (const [path, value] of attrs.withPrefix('llm.cost.')) {
    const n = asNumber(value);
    if (n !== undefined) costs[Object.hasOwn(COST_KEYS, path) ? COST_KEYS[path] : path] = n;
  }
  if (Object.keys(costs).length === 0) return;
  fields.cost_details = costs;
  fields.cost_usd = costs.total ?? (costs.input !== undefined || costs.output !== undefined ? (costs.input ?? 0) + (costs.output ?? 0) : undefined);
}

/** `llm.input_messages.N.message.{role,content,name,tool_call_id,contents.J…,tool_calls.K…}`. */
function readMessages(attrs: AttributeReader, prefix: string, defaultRole: string): Message[] | undefined {
  const items = indexedList(attrs, prefix);
  if (!items) return undefined;
  return items.map((item) => toMessage(isObj(item.message) ? item.message : item, defaultRole));
}

function toMessage(raw: Record<string, AttributeValue>, defaultRole: string): Message {
  const texts: string[] = [];
  const parts: MessagePart[] = [];
  const content = asString(raw.content);
  if (content) texts.push(content);
  else if (Array.isArray(raw.contents)) {
    for (const part of raw.contents) {
      const inner = isObj(part) && isObj(part.message_content) ? part.message_content : part;
      if (!isObj(inner)) continue;
      const type = asString(inner.type) ?? 'text';
      const text = asString(inner.text);
      // Reasoning and media parts are not the turn's text.
      if (type === 'text' && text) texts.push(text);
      else if (type === 'reasoning') parts.push({ type: 'reasoning', text: text ?? '' });
      else if (type === 'image') {
        // `message_content.image.image.url` (the ImageMessageContent wraps an Image)
        const outer = isObj(inner.image) ? inner.image : {};
        const image = isObj(outer.image) ? outer.image : outer;
        const url = asString(image.url);
        parts.push(url ? { type: 'uri', modality: 'image', uri: url } : { type: 'blob', modality: 'image', ...(asString(image.media_type) ? { mime_type: asString(image.media_type) } : {}) });
      }
    }
  }
  const calls: ToolCall[] = [];
  if (Array.isArray(raw.tool_calls)) {
    for (const entry of raw.tool_calls) {
      const call = isObj(entry) && isObj(entry.tool_call) ? entry.tool_call : entry;
      if (!isObj(call)) continue;
      const fn = isObj(call.function) ? call.function : {};
      calls.push({ id: asString(call.id) ?? '', name: asString(fn.name) ?? '', arguments: asString(fn.arguments) ?? '' });
    }
  }
  const legacyName = asString(raw.function_call_name);
  if (legacyName) calls.push({ id: '', name: legacyName, arguments: asString(raw.function_call_arguments_json) ?? '' });

  const message: Message = { role: asString(raw.role) || defaultRole, content: texts.join('\n') };
  const name = asString(raw.name);
  if (name) message.name = name;
  if (calls.length > 0) message.tool_calls = calls;
  const toolCallId = asString(raw.tool_call_id);
  if (toolCallId) message.tool_call_id = toolCallId;
  if (parts.length > 0) message.parts = parts;
  return message;
}

/** Legacy completions API: `llm.prompts.N.prompt.text`. */
function readPrompts(attrs: AttributeReader): Message[] | undefined {
  const items = indexedList(attrs, 'llm.prompts');
  if (!items) return undefined;
  return items.map((item) => ({ role: 'user', content: asString(isObj(item.prompt) ? item.prompt.text : item.text) ?? '' }));
}

/** Legacy completions API: `llm.choices.N.completion.text`. */
function readChoices(attrs: AttributeReader): Message[] | undefined {
  const items = indexedList(attrs, 'llm.choices');
  if (!items) return undefined;
  return items.map((item) => ({ role: 'assistant', content: asString(isObj(item.completion) ? item.completion.text : item.text) ?? '' }));
}

/** `input.value`/`output.value`: JSON when the mime type says so (or it looks like JSON), else text. */
function readValue(attrs: AttributeReader, side: 'input' | 'output'): Message[] | undefined {
  const value = attrs.raw(`${side}.value`);
  if (value === undefined) return undefined;
  const role = side === 'input' ? 'user' : 'assistant';
  const mime = attrs.str(`${side}.mime_type`);
  if (mime === 'text/plain' && typeof value === 'string') return [{ role, content: value }];
  const messages = looseMessages(value, role);
  return messages.length > 0 ? messages : undefined;
}

function embeddingTexts(attrs: AttributeReader): Message[] | undefined {
  const items = indexedList(attrs, 'embedding.embeddings');
  const texts = (items ?? []).map((item) => asString(isObj(item.embedding) ? item.embedding.text : item.text)).filter((t) => t);
  return texts.length > 0 ? texts.map((content) => ({ role: 'user', content: content as string })) : undefined;
}

function documentTexts(attrs: AttributeReader): Message[] | undefined {
  const items = indexedList(attrs, 'retrieval.documents') ?? indexedList(attrs, 'reranker.output_documents');
  const texts = (items ?? []).map((item) => asString(isObj(item.document) ? item.document.content : item.content)).filter((t) => t);
  return texts.length > 0 ? [{ role: 'assistant', content: texts.join('\n') }] : undefined;
}
