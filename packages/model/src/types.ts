// The Spanhouse span and trace model. schemas/span.schema.json and the README describe
// the same fields for users; keep the three in step.

export const SPAN_TYPES = ['generation', 'embedding', 'tool', 'agent', 'chain', 'retriever', 'span'] as const;
export type SpanType = (typeof SPAN_TYPES)[number];

export const SPAN_STATUSES = ['success', 'error', 'timeout'] as const;
export type SpanStatus = (typeof SPAN_STATUSES)[number];

export interface ToolCall {
  id: string;
  name: string;
  /** Arguments as the model produced them (usually a JSON string). */
  arguments: string;
  /** "server" for a call the provider ran itself (OTel `server_tool_call`: web search, code execution). */
  kind?: 'server';
}

/**
 * A message part that is not plain text: media (`blob` inline bytes, `uri`, `file`) and
 * reasoning. Inline bytes are never kept in the message: the collector stores them apart
 * (`blob_id` names them, GET /api/spans/:id/blobs/:blob_id serves them) and the part keeps
 * only their size and mime type, so list reads of a span stay small.
 */
export interface MessagePart {
  type: 'blob' | 'uri' | 'file' | 'reasoning';
  /** image, audio, video, … (OTel `modality`). */
  modality?: string;
  mime_type?: string;
  /** Decoded size in bytes of inline (blob) content. */
  size?: number;
  /** Content address of the stored bytes: sha256 of them, hex. */
  blob_id?: string;
  /** Inline base64, only between mapping and storage (the collector moves it to the blob store). */
  content?: string;
  uri?: string;
  file_id?: string;
  /** Reasoning text. */
  text?: string;
}

/** One chat turn, normalised from whatever shape the dialect used. */
export interface Message {
  role: string;
  /** Plain text of the turn (text parts joined). */
  content: string;
  name?: string;
  tool_calls?: ToolCall[];
  /** For role "tool": which call this answers. */
  tool_call_id?: string;
  finish_reason?: string;
  /** Media and reasoning parts, in the order they came (text parts are `content`). */
  parts?: MessagePart[];
}

export interface SpanEvent {
  name: string;
  /** ISO-8601 time. */
  time: string;
  attributes: Record<string, unknown>;
}

export interface MappingInfo {
  /** Dialects that recognised something on this span, in the order they ran. */
  dialects: string[];
  /** Attribute keys no dialect understood (capped). */
  unmapped: string[];
  /**
   * Which generation of the OTel GenAI conventions the span's gen_ai.* attributes follow:
   * "2026" (gen_ai_latest_experimental: provider.name, input/output messages, …),
   * "legacy" (gen_ai.system, prompt/completion tokens, content events), or "" for none.
   */
  semconv?: string;
  /** Fields Spanhouse inferred rather than read (e.g. "provider" from the model name). */
  inferred?: string[];
}

/** Request parameters as first-class fields (OTel gen_ai.request.*, and the dialects' equivalents). */
export interface RequestParams {
  temperature?: number;
  top_p?: number;
  top_k?: number;
  max_tokens?: number;
  seed?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  stream?: boolean;
}
export const REQUEST_PARAM_NAMES = ['temperature', 'top_p', 'top_k', 'max_tokens', 'seed', 'frequency_penalty', 'presence_penalty', 'stream'] as const;

/** Where a computed cost came from. */
export interface PricingInfo {
  /** Price-table provider id that matched (a genai-prices id such as "openai", "aws", "x-ai"; or the override's provider). */
  provider: string;
  /** Price-table model id that matched (e.g. "claude-sonnet-4-0"), or the override's model match. */
  model: string;
  /** "genai-prices" for the bundled/refreshed table, "override" for a user price. */
  source: 'genai-prices' | 'override';
  /** Price data version (e.g. "genai-prices@0.1.8", "remote:<time>", "override:<label>"). */
  version: string;
}

export interface SpanhouseSpan {
  tenant_id: string;
  trace_id: string;
  span_id: string;
  /** Empty string for a root span. */
  parent_span_id: string;
  name: string;
  type: SpanType;
  /** OTel span kind: internal, server, client, producer, consumer or unspecified. */
  kind: string;
  /** Unix microseconds. */
  start_time_us: number;
  end_time_us: number;
  latency_ms: number;
  status: SpanStatus;
  error_type: string;
  error_message: string;
  /** Response model if known, else the requested one. */
  model: string;
  request_model: string;
  provider: string;
  /** GenAI operation name (chat, embeddings, execute_tool, invoke_agent, …). */
  operation: string;
  /** Routing alias when the call went through a router or proxy; empty when direct. */
  routing_alias: string;
  input_messages: Message[];
  output_messages: Message[];
  /** Plain text of input and output, for search and previews. */
  input_text: string;
  output_text: string;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  total_tokens: number;
  /** USD; null when unknown (no usage, or usage no price covers). */
  cost_usd: number | null;
  /** "client" when the instrumentation supplied the cost, "computed" when Spanhouse priced it. */
  cost_source: string;
  cost_details: Record<string, number>;
  /**
   * Which price priced this span when cost_source is "computed" (set by the pricing stage); null otherwise.
   * Optional until the store persists it; mapSpan sets null.
   */
  pricing?: PricingInfo | null;
  /**
   * True when a generation/embedding span has token usage, no client cost, and no known price covers
   * its model (so cost_usd is null on purpose, never a silent $0). Optional until the store persists it;
   * mapSpan sets false.
   */
  unpriced?: boolean;
  cluster_id: string | null;
  /** Days the span is kept, set from the tenant's retention policy at ingest (storage default 30). */
  retention_days?: number;
  /** Days its prompt/response text is kept (0 or unset: as long as the span). */
  content_retention_days?: number;
  tool_name: string;
  tool_call_id: string;
  agent_name: string;
  /** OTel gen_ai.agent.id / gen_ai.agent.version; optional until stored (mapSpan sets ''). */
  agent_id?: string;
  agent_version?: string;
  /** OTel gen_ai.workflow.name (and OpenLLMetry traceloop.workflow.name). */
  workflow_name?: string;
  /** OTel gen_ai.output.type: text, json, image, speech. */
  output_type?: string;
  /** Request parameters the call was made with. */
  request_params?: RequestParams;
  /** Token counts by kind beyond the main ones: per modality (`input.image`, `output.audio`, …). */
  token_details?: Record<string, number>;
  user_id: string;
  session_id: string;
  metadata: Record<string, string>;
  tags: string[];
  finish_reasons: string[];
  /** Time to first token/chunk in milliseconds, for streamed calls. */
  ttft_ms: number | null;
  service_name: string;
  scope_name: string;
  resource_attributes: Record<string, string>;
  /**
   * Every original span attribute, stringified (non-strings as JSON), except the content
   * attributes a dialect read into input/output messages (the content lives there once).
   */
  span_attributes: Record<string, string>;
  events: SpanEvent[];
  mapping: MappingInfo;
  /** True when a huge value was cut to fit (see MAX_TEXT_CHARS). */
  truncated: boolean;
}

export type TraceStatus = 'success' | 'error' | 'timeout';

/** The rollup of every span in one trace. */
export interface TraceSummary {
  tenant_id: string;
  trace_id: string;
  name: string;
  start_time: string;
  end_time: string;
  duration_ms: number;
  /** error if any span failed, else timeout if any timed out, else success. */
  status: TraceStatus;
  span_count: number;
  llm_count: number;
  tool_count: number;
  error_count: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  /** Sum over generation and embedding spans; null when none had a cost. */
  cost_usd: number | null;
  /** LLM calls with token usage but no price (cost_usd leaves them out: the cost is partial, or unknown when null). */
  unpriced_count: number;
  models: string[];
  services: string[];
  tags: string[];
  /** The root span's input/output, else the first generation's input and the last one's output (previews). */
  input: string;
  output: string;
  user_id: string;
  session_id: string;
}
