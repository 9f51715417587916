import type { AttributeReader } from './attributes.ts';
import type { OtlpSpan } from './otlp.ts';
import type { Message, RequestParams, SpanStatus, SpanType } from './types.ts';

/**
 * What a dialect can say about a span. Every field is optional: the mapper merges
 * dialects in registry order and the first dialect to set a field wins (metadata and
 * tags are unioned instead).
 */
export interface GenAiFields {
  /** From an explicit type attribute (openinference.span.kind, langfuse.observation.type, …). */
  typeHint?: SpanType;
  operation?: string;
  model?: string;
  request_model?: string;
  provider?: string;
  input_messages?: Message[];
  output_messages?: Message[];
  input_tokens?: number;
  output_tokens?: number;
  cache_read_tokens?: number;
  cache_write_tokens?: number;
  reasoning_tokens?: number;
  total_tokens?: number;
  /** Cost the instrumentation reported; wins over computed cost. */
  cost_usd?: number;
  cost_details?: Record<string, number>;
  tool_name?: string;
  tool_call_id?: string;
  agent_name?: string;
  agent_id?: string;
  agent_version?: string;
  workflow_name?: string;
  output_type?: string;
  /** Merged across dialects, per parameter (first writer wins). */
  request_params?: RequestParams;
  /** Merged across dialects, per key (first writer wins). */
  token_details?: Record<string, number>;
  /** Semconv generation of the gen_ai.* names read ("2026" or "legacy"). */
  semconv?: string;
  user_id?: string;
  session_id?: string;
  routing_alias?: string;
  metadata?: Record<string, string>;
  tags?: string[];
  finish_reasons?: string[];
  ttft_ms?: number;
  /** Overrides derived from dialect-specific status attributes (e.g. Langfuse level=ERROR). */
  status?: SpanStatus;
  error_type?: string;
  error_message?: string;
  /** A better display name than the span name (e.g. a Langfuse trace name). */
  name?: string;
}

export interface DialectInput {
  span: OtlpSpan;
  /** Records which attributes the dialect read. */
  attrs: AttributeReader;
}

export interface Dialect {
  /** Short stable id shown to users in `mapping.dialects`. */
  name: string;
  /**
   * Attribute-key prefixes (or whole keys) without which the dialect has nothing to
   * read; the mapper skips it for spans that carry none. Omit to always run.
   */
  keyPrefixes?: readonly string[];
  /** Pure: reads the span, returns what it understood (an empty object when nothing). */
  map(input: DialectInput): GenAiFields;
}
