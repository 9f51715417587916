// Vercel AI SDK, legacy `ai.*` telemetry (v3–v6 and the legacy integration). Its LLM-call
// spans also carry gen_ai.* attributes, which otel-genai reads first; both give the same values.
// Names: ai-sdk.dev/docs/ai-sdk-core/telemetry ("Collected data").
import type { AttributeReader } from '../attributes.ts';
import { asNumber, asString, asStrings, parseJsonValue } from '../attributes.ts';
import type { Dialect, GenAiFields } from '../dialect.ts';
import { toolCall } from '../messages.ts';
import type { AttributeValue, OtlpEvent } from '../otlp.ts';
import type { Message, SpanType, ToolCall } from '../types.ts';
import { isObj, nonEmpty, toolMessage } from './shared.ts';

type Obj = Record<string, AttributeValue>;

const ROOT_OPERATIONS = new Set(['ai.generateText', 'ai.streamText', 'ai.generateObject', 'ai.streamObject', 'ai.embed', 'ai.embedMany']);

/** `ai.operationId` → span type and OTel operation name. */
function classify(operationId: string): { type?: SpanType; operation?: string } {
  if (operationId === 'ai.toolCall') return { type: 'tool', operation: 'execute_tool' };
  if (operationId.endsWith('.doGenerate') || operationId.endsWith('.doStream')) return { type: 'generation', operation: 'chat' };
  if (operationId.endsWith('.doEmbed')) return { type: 'embedding', operation: 'embeddings' };
  if (ROOT_OPERATIONS.has(operationId)) return { type: 'chain' };
  return {};
}

/** Understood and kept only in span_attributes (settings, tool definitions, raw response data). */
const KNOWN_KEYS = [
  'ai.prompt.format',
  'ai.prompt.tools',
  'ai.prompt.toolChoice',
  'ai.response.id',
  'ai.response.timestamp',
  'ai.response.providerMetadata',
  'ai.response.msToFinish',
  'ai.response.avgCompletionTokensPerSecond',
  'ai.response.avgOutputTokensPerSecond',
  'ai.schema',
  'ai.schema.name',
  'ai.schema.description',
  'ai.embedding',
  'ai.embeddings',
];
const KNOWN_PREFIXES = ['ai.settings.', 'ai.request.headers.', 'ai.usage.inputTokenDetails.', 'ai.usage.outputTokenDetails.'];

export const vercelAi: Dialect = {
  name: 'vercel-ai',
  keyPrefixes: ['ai.', 'operation.name', 'resource.name'],
  map({ span, attrs }) {
    const fields: GenAiFields = {};
    const operationId = attrs.str('ai.operationId');
    if (operationId) {
      const { type, operation } = classify(operationId);
      fields.typeHint = type;
      fields.operation = operation;
      // "<operationId> <functionId>" and the functionId again: only claimed on AI SDK spans.
      attrs.raw('operation.name');
      attrs.raw('resource.name');
    }

    fields.request_model = attrs.str('ai.model.id');
    fields.model = attrs.str('ai.response.model') || fields.request_model;
    fields.provider = attrs.str('ai.model.provider');

    fields.input_tokens = attrs.firstNum('ai.usage.promptTokens', 'ai.usage.inputTokens', 'ai.usage.tokens');
    fields.output_tokens = attrs.firstNum('ai.usage.completionTokens', 'ai.usage.outputTokens');
    fields.total_tokens = attrs.num('ai.usage.totalTokens');
    fields.cache_read_tokens = attrs.firstNum('ai.usage.cachedInputTokens', 'ai.usage.inputTokenDetails.cacheReadTokens');
    fields.cache_write_tokens = attrs.num('ai.usage.inputTokenDetails.cacheWriteTokens');
    fields.reasoning_tokens = attrs.firstNum('ai.usage.reasoningTokens', 'ai.usage.outputTokenDetails.reasoningTokens');

    fields.ttft_ms = attrs.num('ai.response.msToFirstChunk') ?? firstChunkEventMs(span.events);
    const finish = attrs.str('ai.response.finishReason');
    fields.finish_reasons = finish ? [finish] : undefined;

    fields.tool_name = attrs.str('ai.toolCall.name');
    fields.tool_call_id = attrs.str('ai.toolCall.id');
    readTelemetry(attrs, fields);

    for (const key of KNOWN_KEYS) attrs.raw(key);
    for (const prefix of KNOWN_PREFIXES) attrs.withPrefix(prefix);

    fields.input_messages = readInput(attrs, fields.tool_call_id);
    fields.output_messages = readOutput(attrs, finish, fields.tool_call_id);
    return fields;
  },
};

/** `ai.telemetry.functionId` and `ai.telemetry.metadata.*` (sessionId, userId and tags by convention). */
function readTelemetry(attrs: AttributeReader, fields: GenAiFields): void {
  const metadata: Record<string, string> = {};
  const functionId = attrs.str('ai.telemetry.functionId');
  if (functionId) metadata.function_id = functionId;
  for (const [key, value] of attrs.withPrefix('ai.telemetry.metadata.')) {
    if (key === 'tags') fields.tags = asStrings(value);
    else metadata[key] = asString(value) ?? '';
  }
  fields.session_id = metadata.sessionId || undefined;
  fields.user_id = metadata.userId || undefined;
  fields.metadata = nonEmpty(metadata);
}

function readInput(attrs: AttributeReader, toolCallId: string | undefined): Message[] | undefined {
  const promptMessages = parseJsonValue(attrs.raw('ai.prompt.messages'));
  const prompt = parseJsonValue(attrs.raw('ai.prompt'));
  const [legacyArgs, newArgs] = [attrs.raw('ai.toolCall.args'), attrs.raw('ai.toolCall.input')];
  const toolArgs = legacyArgs ?? newArgs;
  const value = attrs.raw('ai.value');
  const values = attrs.raw('ai.values');

  if (Array.isArray(promptMessages)) return vercelMessages(promptMessages);
  if (isObj(prompt)) {
    const out: Message[] = [];
    const system = asString(prompt.system);
    if (system) out.push({ role: 'system', content: system });
    const body = parseJsonValue(prompt.messages ?? prompt.prompt);
    if (Array.isArray(body)) out.push(...vercelMessages(body));
    else if (body !== undefined && body !== null) out.push({ role: 'user', content: asString(body) ?? '' });
    return out;
  }
  if (typeof prompt === 'string' && prompt !== '') return [{ role: 'user', content: prompt }];
  if (toolArgs !== undefined) return [toolMessage(toolArgs, toolCallId)];
  // Embedding inputs: each value is JSON-stringified by the SDK.
  const embedded = values !== undefined ? (Array.isArray(values) ? values : asStrings(values) ?? []) : value !== undefined ? [value] : [];
  const texts = embedded.map((v) => asString(parseJsonValue(v))).filter((t): t is string => t !== undefined && t !== '');
  return texts.length > 0 ? texts.map((content) => ({ role: 'user', content })) : undefined;
}

function readOutput(attrs: AttributeReader, finish: string | undefined, toolCallId: string | undefined): Message[] | undefined {
  const text = attrs.str('ai.response.text');
  const object = attrs.raw('ai.response.object');
  const calls = parseJsonValue(attrs.raw('ai.response.toolCalls'));
  const [legacyResult, newResult] = [attrs.raw('ai.toolCall.result'), attrs.raw('ai.toolCall.output')];
  const toolResult = legacyResult ?? newResult;

  const toolCalls: ToolCall[] = Array.isArray(calls) ? calls.filter(isObj).map(toolCall) : [];
  const content = text ?? (object !== undefined ? asString(object) : undefined);
  if (content !== undefined || toolCalls.length > 0) {
    const message: Message = { role: 'assistant', content: content ?? '' };
    if (toolCalls.length > 0) message.tool_calls = toolCalls;
    if (finish) message.finish_reason = finish;
    return [message];
  }
  if (toolResult !== undefined) return [toolMessage(toolResult, toolCallId)];
  return undefined;
}

/**
 * AI SDK messages: `{role, content: string | parts[]}` with parts text, reasoning,
 * tool-call `{toolCallId, toolName, args (≤v4) | input}` and tool-result
 * `{toolCallId, result (≤v4) | output: {type, value}}`.
 */
function vercelMessages(items: AttributeValue[]): Message[] {
  return items.filter(isObj).map((raw) => {
    const message: Message = { role: asString(raw.role) ?? 'user', content: '' };
    const content = parseJsonValue(raw.content);
    if (!Array.isArray(content)) {
      message.content = asString(content) ?? '';
      return message;
    }
    const texts: string[] = [];
    const calls: ToolCall[] = [];
    for (const part of content.filter(isObj)) {
      const type = asString(part.type);
      if (type === 'text') texts.push(asString(part.text) ?? '');
      else if (type === 'tool-call') calls.push(toolCall(part));
      else if (type === 'tool-result') {
        texts.push(toolResultText(part));
        message.tool_call_id ??= asString(part.toolCallId);
      }
      // reasoning, image and file parts are not the turn's text
    }
    message.content = texts.filter((t) => t !== '').join('\n');
    if (calls.length > 0) message.tool_calls = calls;
    if (!message.tool_call_id) delete message.tool_call_id;
    return message;
  });
}

function toolResultText(part: Obj): string {
  const output = part.output;
  // v5+: {type: "text" | "json" | "error-text" | …, value}
  if (isObj(output) && 'value' in output) return asString(output.value) ?? '';
  return asString(output ?? part.result) ?? '';
}

/** The `ai.stream.firstChunk` event carries msToFirstChunk when the span attribute is missing. */
function firstChunkEventMs(events: OtlpEvent[]): number | undefined {
  const event = events.find((e) => e.name === 'ai.stream.firstChunk');
  return event ? asNumber(event.attributes['ai.response.msToFirstChunk']) : undefined;
}
