import { AttributeReader, asString, stringifyAttributes } from './attributes.ts';
import type { Dialect, GenAiFields } from './dialect.ts';
import { DIALECTS } from './dialects/index.ts';
import { messagesText } from './messages.ts';
import { SPAN_ID_PATTERN, TRACE_ID_PATTERN, type Attributes, type OtlpScope, type OtlpSpan } from './otlp.ts';
import { deriveSpanType } from './span-type.ts';
import type { Message, SpanStatus, SpanhouseSpan } from './types.ts';

/** Longest input/output text kept per span; longer text is cut and the span flagged `truncated`. */
export const MAX_TEXT_CHARS = 1_000_000;
/** Longest single attribute value kept in span_attributes. */
export const MAX_ATTRIBUTE_CHARS = 256 * 1024;
/** At most this many unmapped keys are listed per span. */
export const MAX_UNMAPPED_KEYS = 100;

const SPAN_KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const TIMEOUT_PATTERN = /time[ d]?out|timed out|deadline exceeded/i;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** Attributes that are not GenAI but are understood by the core mapper. */
const CORE_KEYS = new Set(['error.type', 'exception.type', 'exception.message', 'exception.stacktrace']);
/** Spanhouse's own gateway writes these for the record (attempts, targets, tool choice): kept, never mapped, not a gap. */
const OWN_RECORD_PREFIX = 'spanhouse.gateway.';

/**
 * Attributes that carry prompt or response content (tool calls' arguments and results
 * included). Once a dialect has read one into the span's messages it is not kept again in
 * span_attributes: prompts are the bulk of a span, and storing each twice more (as the raw
 * attribute, beside messages and text) tripled the disk and the insert work.
 */
const CONTENT_KEY =
  /^(?:gen_ai\.(?:input|output)\.messages|gen_ai\.system_instructions|gen_ai\.tool\.call\.(?:arguments|result)|gen_ai\.(?:prompt|completion)(?:\..*)?|llm\.(?:input|output)_messages\..*|(?:input|output)\.value|traceloop\.entity\.(?:input|output)|ai\.prompt(?:\.messages)?|ai\.response\.(?:text|toolCalls|object)|langfuse\.(?:observation|trace)\.(?:input|output)|pydantic_ai\.all_messages|final_result|request_data|response_data)$/;

export interface MapSpanInput {
  span: OtlpSpan;
  resource: Attributes;
  scope: OtlpScope;
  tenantId: string;
}

/** Why an OTLP span cannot be stored, or null when it can. */
export function validateOtlpSpan(span: OtlpSpan): string | null {
  if (!TRACE_ID_PATTERN.test(span.traceId) || span.traceId === ZERO_TRACE) return `span "${span.name}" has an invalid trace id`;
  if (!SPAN_ID_PATTERN.test(span.spanId) || span.spanId === ZERO_SPAN) return `span "${span.name}" has an invalid span id`;
  if (span.parentSpanId !== '' && !SPAN_ID_PATTERN.test(span.parentSpanId)) return `span "${span.name}" has an invalid parent span id`;
  if (!(span.startTimeUs > 0)) return `span "${span.name}" has no start time`;
  return null;
}

/** Runs every dialect over the span and merges what they understood (first writer wins). */
export function readGenAiFields(span: OtlpSpan, dialects: readonly Dialect[] = DIALECTS) {
  const merged: GenAiFields = {};
  const consumed = new Set<string>();
  const recognisedBy: string[] = [];
  const keys = Object.keys(span.attributes);
  for (const dialect of dialects) {
    const prefixes = dialect.keyPrefixes;
    if (prefixes && !keys.some((key) => prefixes.some((prefix) => key.startsWith(prefix)))) continue;
    const attrs = new AttributeReader(span.attributes);
    const fields = dialect.map({ span, attrs });
    let recognised = false;
    for (const key of Object.keys(fields) as Array<keyof GenAiFields>) {
      const value = fields[key];
      if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) continue;
      recognised = true;
      if (key === 'metadata') merged.metadata = { ...(value as Record<string, string>), ...merged.metadata };
      else if (key === 'request_params' || key === 'token_details') merged[key] = { ...(value as object), ...merged[key] } as never;
      else if (key === 'tags') merged.tags = [...new Set([...(merged.tags ?? []), ...(value as string[])])];
      else if (merged[key] === undefined) (merged as Record<string, unknown>)[key] = value;
    }
    for (const key of attrs.consumed) consumed.add(key);
    if (recognised || attrs.consumed.size > 0) recognisedBy.push(dialect.name);
  }
  return { fields: merged, consumed, dialects: recognisedBy };
}

/** OTLP span in, Spanhouse span out. Pure: no I/O, no clock. */
export function mapSpan({ span, resource, scope, tenantId }: MapSpanInput): SpanhouseSpan {
  const { fields, consumed, dialects } = readGenAiFields(span);
  const exception = span.events.find((e) => e.name === 'exception')?.attributes ?? {};

  let truncated = false;
  const cut = (text: string, max: number) => {
    if (text.length <= max) return text;
    truncated = true;
    return text.slice(0, max);
  };
  const inputMessages = fields.input_messages ?? [];
  const outputMessages = fields.output_messages ?? [];
  const fullInputText = messagesText(inputMessages);
  const fullOutputText = messagesText(outputMessages);
  const inputText = cut(fullInputText, MAX_TEXT_CHARS);
  const outputText = cut(fullOutputText, MAX_TEXT_CHARS);

  const spanAttributes = stringifyAttributes(span.attributes);
  for (const key in spanAttributes) {
    if (consumed.has(key) && CONTENT_KEY.test(key)) delete spanAttributes[key];
    else spanAttributes[key] = cut(spanAttributes[key], MAX_ATTRIBUTE_CHARS);
  }

  const errorType = fields.error_type ?? asString(exception['exception.type']) ?? '';
  const errorMessage =
    fields.error_message || span.status.message || asString(exception['exception.message']) || (span.status.code === 2 ? errorType : '');
  const status = fields.status ?? deriveStatus(span.status.code, errorType, errorMessage);

  const inputTokens = fields.input_tokens ?? 0;
  const outputTokens = fields.output_tokens ?? 0;
  const endUs = Math.max(span.endTimeUs, span.startTimeUs);
  const unmapped = Object.keys(span.attributes)
    .filter((key) => !consumed.has(key) && !CORE_KEYS.has(key) && !key.startsWith(OWN_RECORD_PREFIX))
    .slice(0, MAX_UNMAPPED_KEYS);

  return {
    tenant_id: tenantId,
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId,
    name: fields.name ?? span.name,
    type: deriveSpanType(fields),
    kind: (Number.isInteger(span.kind) && SPAN_KINDS[span.kind]) || 'unspecified',
    start_time_us: span.startTimeUs,
    end_time_us: endUs,
    latency_ms: (endUs - span.startTimeUs) / 1000,
    status,
    error_type: status === 'success' ? '' : errorType,
    error_message: status === 'success' ? '' : cut(errorMessage, MAX_ATTRIBUTE_CHARS),
    model: fields.model ?? fields.request_model ?? '',
    request_model: fields.request_model ?? '',
    provider: normaliseProvider(fields.provider ?? ''),
    operation: fields.operation ?? '',
    routing_alias: fields.routing_alias ?? '',
    input_messages: truncateMessages(inputMessages, inputText.length < fullInputText.length),
    output_messages: truncateMessages(outputMessages, outputText.length < fullOutputText.length),
    input_text: inputText,
    output_text: outputText,
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    cache_read_tokens: fields.cache_read_tokens ?? 0,
    cache_write_tokens: fields.cache_write_tokens ?? 0,
    reasoning_tokens: fields.reasoning_tokens ?? 0,
    total_tokens: fields.total_tokens ?? inputTokens + outputTokens,
    cost_usd: fields.cost_usd ?? null,
    cost_source: fields.cost_usd !== undefined ? 'client' : '',
    cost_details: fields.cost_details ?? {},
    pricing: null,
    unpriced: false,
    cluster_id: null,
    tool_name: fields.tool_name ?? '',
    tool_call_id: fields.tool_call_id ?? '',
    agent_name: fields.agent_name ?? '',
    agent_id: fields.agent_id ?? '',
    agent_version: fields.agent_version ?? '',
    workflow_name: fields.workflow_name ?? '',
    output_type: fields.output_type ?? '',
    request_params: fields.request_params ?? {},
    token_details: fields.token_details ?? {},
    user_id: fields.user_id ?? '',
    session_id: fields.session_id ?? '',
    metadata: fields.metadata ?? {},
    tags: fields.tags ?? [],
    finish_reasons: fields.finish_reasons ?? [],
    ttft_ms: fields.ttft_ms ?? null,
    service_name: asString(resource['service.name']) ?? 'unknown_service',
    scope_name: scope.name,
    resource_attributes: stringifyAttributes(resource),
    span_attributes: spanAttributes,
    events: span.events.map((e) => ({ name: e.name, time: new Date(e.timeUs / 1000).toISOString(), attributes: e.attributes })),
    mapping: { dialects, unmapped, semconv: fields.semconv ?? '', inferred: [] },
    truncated,
  };
}

function deriveStatus(code: number, errorType: string, errorMessage: string): SpanStatus {
  const failed = code === 2 || errorType !== '';
  if (!failed) return 'success';
  return TIMEOUT_PATTERN.test(errorType) || TIMEOUT_PATTERN.test(errorMessage) ? 'timeout' : 'error';
}

/** Keeps the message structure but cuts each content so the whole stays under MAX_TEXT_CHARS. */
function truncateMessages(messages: Message[], wasCut: boolean): Message[] {
  if (!wasCut) return messages;
  let budget = MAX_TEXT_CHARS;
  return messages.map((m) => {
    const content = m.content.slice(0, Math.max(0, budget));
    budget -= content.length;
    return { ...m, content };
  });
}

/** Provider names vary by dialect (`openai.chat`, `azure.ai.openai`, `Anthropic`); one spelling each. */
const PROVIDER_ALIASES: Record<string, string> = {
  'az.ai.openai': 'azure',
  'azure.ai.openai': 'azure',
  'azure.ai.inference': 'azure',
  azure_openai: 'azure',
  'aws.bedrock': 'aws.bedrock',
  bedrock: 'aws.bedrock',
  'amazon-bedrock': 'aws.bedrock',
  'gcp.vertex_ai': 'google.vertex',
  vertex_ai: 'google.vertex',
  vertexai: 'google.vertex',
  'google.vertex': 'google.vertex',
  'gcp.gemini': 'google',
  'gcp.gen_ai': 'google',
  gemini: 'google',
  'google.generative-ai': 'google',
  mistral_ai: 'mistral',
  mistralai: 'mistral',
  x_ai: 'xai',
  'x-ai': 'xai',
  // OpenInference llm.provider / llm.system values
  aws: 'aws.bedrock',
  amazon: 'aws.bedrock',
  // Vercel AI SDK provider ids (`vertex.anthropic.messages`, `azure-openai.chat`)
  vertex: 'google.vertex',
  'vertex.anthropic': 'google.vertex',
  'azure-openai': 'azure',
};

export function normaliseProvider(raw: string): string {
  const lower = raw.trim().toLowerCase();
  if (lower === '') return '';
  if (Object.hasOwn(PROVIDER_ALIASES, lower)) return PROVIDER_ALIASES[lower];
  // Vercel AI SDK style `openai.chat`, `anthropic.messages`, `google.vertex.chat`
  const [head, second] = lower.split('.');
  const twoPart = `${head}.${second}`;
  if (second !== undefined && Object.hasOwn(PROVIDER_ALIASES, twoPart)) return PROVIDER_ALIASES[twoPart];
  return Object.hasOwn(PROVIDER_ALIASES, head) ? PROVIDER_ALIASES[head] : head;
}
