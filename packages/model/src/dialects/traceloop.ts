// Traceloop OpenLLMetry, legacy attribute names (Python ≤0.53, JS ≤0.22) and the framework
// (workflow/task/agent/tool) spans. Newer OpenLLMetry emits OTel names, read by otel-genai.
// Names: opentelemetry-semantic-conventions-ai (SpanAttributes).
import type { AttributeReader } from '../attributes.ts';
import { parseJsonValue } from '../attributes.ts';
import type { Dialect, GenAiFields } from '../dialect.ts';
import { toMessages } from '../messages.ts';
import type { AttributeValue } from '../otlp.ts';
import type { Message, SpanType } from '../types.ts';
import { cleanList, indexedList, isObj, looseMessages, nonEmpty, prefixedMap } from './shared.ts';

const KIND_TYPES: Record<string, SpanType> = { workflow: 'chain', task: 'chain', agent: 'agent', tool: 'tool' };

/** `llm.request.type` values as OTel operation names. */
const REQUEST_TYPES: Record<string, string> = {
  chat: 'chat',
  completion: 'text_completion',
  embedding: 'embeddings',
  rerank: 'rerank',
};

/** Understood and kept only in span_attributes (request settings, entity bookkeeping). */
const KNOWN_KEYS = [
  'traceloop.entity.path',
  'traceloop.entity.version',
  'traceloop.correlation.id',
  'gen_ai.is_streaming',
  'llm.is_streaming',
  'llm.user',
  'llm.headers',
  'llm.top_k',
  'llm.frequency_penalty',
  'llm.presence_penalty',
  'llm.chat.stop_sequences',
  'llm.request.repetition_penalty',
  'llm.response.stop_reason',
  'gen_ai.openai.api_base',
  'gen_ai.openai.api_version',
  'gen_ai.openai.api_type',
  'gen_ai.openai.system_fingerprint',
];
const KNOWN_PREFIXES = ['llm.request.functions.', 'traceloop.prompt.'];

export const traceloop: Dialect = {
  name: 'traceloop',
  keyPrefixes: ['traceloop.', 'gen_ai.prompt.', 'gen_ai.completion.', 'llm.', 'gen_ai.is_streaming', 'gen_ai.openai.'],
  map({ attrs }) {
    const fields: GenAiFields = {};
    const kind = attrs.str('traceloop.span.kind')?.toLowerCase();
    if (kind && Object.hasOwn(KIND_TYPES, kind)) fields.typeHint = KIND_TYPES[kind];
    const requestType = attrs.str('llm.request.type')?.toLowerCase();
    if (requestType && Object.hasOwn(REQUEST_TYPES, requestType)) fields.operation = REQUEST_TYPES[requestType];

    const entity = attrs.str('traceloop.entity.name');
    if (kind === 'tool') fields.tool_name = entity;
    if (kind === 'agent') fields.agent_name = entity;

    fields.total_tokens = attrs.num('llm.usage.total_tokens');
    fields.reasoning_tokens = attrs.num('llm.usage.reasoning_tokens');
    // gen_ai.usage.cache_read_input_tokens and the prompt/completion token names are read by otel-genai.

    const metadata = prefixedMap(attrs, 'traceloop.association.properties.');
    fields.session_id = metadata.session_id || undefined;
    fields.user_id = metadata.user_id || undefined;
    const workflow = attrs.str('traceloop.workflow.name');
    if (workflow) metadata.workflow_name = workflow;
    fields.workflow_name = workflow;
    fields.metadata = nonEmpty(metadata);

    for (const key of KNOWN_KEYS) attrs.raw(key);
    for (const prefix of KNOWN_PREFIXES) attrs.withPrefix(prefix);

    const prompts = indexedMessages(attrs, 'gen_ai.prompt', 'user');
    const completions = indexedMessages(attrs, 'gen_ai.completion', 'assistant');
    const entityInput = attrs.raw('traceloop.entity.input');
    const entityOutput = attrs.raw('traceloop.entity.output');
    fields.input_messages = prompts ?? entityMessages(entityInput, 'user', 'inputs');
    fields.output_messages = completions ?? entityMessages(entityOutput, 'assistant', 'outputs');

    const finish = attrs.str('llm.response.finish_reason');
    fields.finish_reasons = cleanList([finish, ...(completions ?? []).map((m) => m.finish_reason)]);
    return fields;
  },
};

/** Flattened `gen_ai.prompt.N.{role,content,tool_call_id,tool_calls.K.{id,name,arguments}}`. */
function indexedMessages(attrs: AttributeReader, prefix: string, role: string): Message[] | undefined {
  const items = indexedList(attrs, prefix);
  if (!items) return undefined;
  // Some instrumentations write structured content (Anthropic blocks) as a JSON string.
  const parsed = items.map((item) => ({ ...item, content: parseJsonValue(item.content) ?? null }));
  return toMessages(parsed, role);
}

/**
 * `traceloop.entity.input/output` are JSON: `{"inputs": …}`/`{"outputs": …}` from LangChain,
 * `{"args": […], "kwargs": {…}}` from the Python decorators, or the returned value itself.
 */
function entityMessages(value: AttributeValue | undefined, role: string, wrapper: string): Message[] | undefined {
  const original = parseJsonValue(value);
  let parsed: AttributeValue | undefined = original;
  if (isObj(parsed) && wrapper in parsed) parsed = parseJsonValue(parsed[wrapper]);
  else if (isObj(parsed) && Object.keys(parsed).every((k) => k === 'args' || k === 'kwargs')) {
    const args = Array.isArray(parsed.args) ? parsed.args : [];
    const kwargs = isObj(parsed.kwargs) ? parsed.kwargs : {};
    const hasKwargs = Object.keys(kwargs).length > 0;
    if (args.length === 1 && !hasKwargs) parsed = args[0];
    else if (args.length === 0 && hasKwargs) parsed = kwargs;
  }
  // Unchanged values go in as sent, so their JSON text stays the sender's.
  const messages = looseMessages(parsed === original ? value : parsed, role);
  return messages.length > 0 ? messages : undefined;
}
