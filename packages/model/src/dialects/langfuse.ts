// Langfuse SDKs (v3+ are OTel-based). Names: @langfuse/core LangfuseOtelSpanAttributes
// (and the server's compatibility names langfuse.user.id / langfuse.session.id).
import type { AttributeReader } from '../attributes.ts';
import { asString, asStrings, parseJsonValue } from '../attributes.ts';
import type { Dialect, GenAiFields } from '../dialect.ts';
import type { OtlpSpan } from '../otlp.ts';
import type { SpanType } from '../types.ts';
import { looseMessages, metadataMap, nonEmpty, numberMap, pickNumber } from './shared.ts';

const OBSERVATION_TYPES: Record<string, SpanType> = {
  generation: 'generation',
  embedding: 'embedding',
  agent: 'agent',
  tool: 'tool',
  chain: 'chain',
  retriever: 'retriever',
  span: 'span',
  event: 'span',
  evaluator: 'span',
  guardrail: 'span',
};

/** Embedding model names (text-embedding-3-small, embed-english-v3.0, voyage-3 is not one, gemini-embedding-001). */
const EMBEDDING_MODEL = /embed/i;

/**
 * usage_details keys. Langfuse's own keys are disjoint (`input` excludes cache reads and
 * writes, `output` excludes reasoning) while Spanhouse follows OTel, where input includes
 * cached tokens and output includes reasoning; OpenAI-style keys are already inclusive.
 */
const USAGE = {
  nativeInput: ['input'],
  inclusiveInput: ['input_tokens', 'prompt_tokens', 'promptTokens', 'inputTokens'],
  nativeOutput: ['output'],
  inclusiveOutput: ['output_tokens', 'completion_tokens', 'completionTokens', 'outputTokens'],
  total: ['total', 'total_tokens', 'totalTokens'],
  cacheRead: ['cache_read_input_tokens', 'input_cache_read', 'input_cached_tokens', 'cached_tokens', 'cache_read'],
  cacheWrite: ['cache_creation_input_tokens', 'input_cache_creation', 'input_cache_write', 'cache_write'],
  reasoning: ['output_reasoning_tokens', 'output_reasoning', 'reasoning_tokens', 'reasoning'],
} as const;

/** Understood and kept only in span_attributes. */
const KNOWN_KEYS = [
  'langfuse.environment',
  'langfuse.release',
  'langfuse.version',
  'langfuse.trace.public',
  'langfuse.internal.as_root',
  'langfuse.observation.model.parameters',
  'langfuse.observation.prompt.name',
  'langfuse.observation.prompt.version',
  'langfuse.observation.status_message',
];

export const langfuse: Dialect = {
  name: 'langfuse',
  keyPrefixes: ['langfuse.'],
  map({ span, attrs }) {
    const fields: GenAiFields = {};
    const type = attrs.str('langfuse.observation.type')?.toLowerCase();
    if (type) fields.typeHint = Object.hasOwn(OBSERVATION_TYPES, type) ? OBSERVATION_TYPES[type] : 'span';
    fields.model = attrs.str('langfuse.observation.model.name');
    // Langfuse's OpenAI wrapper records embeddings.create as a generation: the model says which it is.
    if (fields.typeHint === 'generation' && fields.model && EMBEDDING_MODEL.test(fields.model)) fields.typeHint = 'embedding';
    if (fields.typeHint === 'embedding') fields.operation = 'embeddings';
    readUsage(attrs, fields);
    readCost(attrs, fields);

    if (attrs.str('langfuse.observation.level')?.toUpperCase() === 'ERROR') {
      fields.status = 'error';
      fields.error_message = attrs.str('langfuse.observation.status_message');
    }
    fields.ttft_ms = completionStart(attrs, span);

    const traceName = attrs.str('langfuse.trace.name');
    if (span.parentSpanId === '') fields.name = traceName;
    fields.user_id = attrs.str('langfuse.user.id');
    fields.session_id = attrs.str('langfuse.session.id');
    // user.id and session.id (the current names) are read by otel-genai.
    fields.tags = asStrings(attrs.raw('langfuse.trace.tags'));
    fields.metadata = nonEmpty({ ...metadata(attrs, 'langfuse.trace.metadata'), ...metadata(attrs, 'langfuse.observation.metadata') });
    for (const key of KNOWN_KEYS) attrs.raw(key);

    const [observationInput, observationOutput] = [attrs.raw('langfuse.observation.input'), attrs.raw('langfuse.observation.output')];
    const [traceInput, traceOutput] = [attrs.raw('langfuse.trace.input'), attrs.raw('langfuse.trace.output')];
    fields.input_messages = looseMessages(observationInput ?? traceInput, 'user');
    fields.output_messages = looseMessages(observationOutput ?? traceOutput, 'assistant');
    return fields;
  },
};

/** Metadata as flattened `<prefix>.<key>` attributes or one JSON value under `<prefix>`. */
function metadata(attrs: AttributeReader, prefix: string): Record<string, string> {
  const out = metadataMap(attrs.raw(prefix));
  for (const [key, value] of attrs.withPrefix(`${prefix}.`)) out[key] = asString(value) ?? '';
  return out;
}

function readUsage(attrs: AttributeReader, fields: GenAiFields): void {
  const usage = numberMap(attrs.raw('langfuse.observation.usage_details'));
  if (Object.keys(usage).length === 0) return;
  const cacheRead = pickNumber(usage, USAGE.cacheRead);
  const cacheWrite = pickNumber(usage, USAGE.cacheWrite);
  const reasoning = pickNumber(usage, USAGE.reasoning);
  const nativeInput = pickNumber(usage, USAGE.nativeInput);
  const nativeOutput = pickNumber(usage, USAGE.nativeOutput);
  fields.input_tokens =
    pickNumber(usage, USAGE.inclusiveInput) ?? (nativeInput !== undefined ? nativeInput + (cacheRead ?? 0) + (cacheWrite ?? 0) : undefined);
  fields.output_tokens = pickNumber(usage, USAGE.inclusiveOutput) ?? (nativeOutput !== undefined ? nativeOutput + (reasoning ?? 0) : undefined);
  fields.total_tokens = pickNumber(usage, USAGE.total);
  fields.cache_read_tokens = cacheRead;
  fields.cache_write_tokens = cacheWrite;
  fields.reasoning_tokens = reasoning;
}

/** cost_details JSON: every part kept; `total` (else the sum of the parts) is the client cost. */
function readCost(attrs: AttributeReader, fields: GenAiFields): void {
  const costs = numberMap(attrs.raw('langfuse.observation.cost_details'));
  if (Object.keys(costs).length === 0) return;
  fields.cost_details = costs;
  fields.cost_usd = costs.total ?? Object.values(costs).reduce((sum, n) => sum + n, 0);
}

/** completion_start_time is ISO-8601, sometimes JSON-quoted twice; ttft is relative to the span start. */
function completionStart(attrs: AttributeReader, span: OtlpSpan): number | undefined {
  let value = attrs.raw('langfuse.observation.completion_start_time');
  for (let i = 0; i < 2 && typeof value === 'string'; i++) value = parseJsonValue(value);
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) return undefined;
  const ttft = ms - span.startTimeUs / 1000;
  return ttft >= 0 ? ttft : undefined;
}
