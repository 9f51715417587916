// The trace rollup: what a trace list shows and filters on (status, totals, counts,
// duration, models, user, session, tags, previews), folded from the trace's spans.
//
// Pure and incremental: `rollUp(previous, spans)` adds spans to a rollup that may
// already hold earlier ones, in any order and any number of steps, and gives the same
// result as rolling every span up at once. A span already counted (a retried export)
// is skipped by id, so totals never count a span twice. A span that changes after it
// was counted (a PATCH, a re-price) is not this function's business: the store rolls
// such a trace up again from its stored spans.
import { roundUsd } from './money.ts';
import type { SpanhouseSpan, TraceStatus, TraceSummary } from './types.ts';

/** Characters of input and output kept on the trace for list views. */
export const TRACE_PREVIEW_CHARS = 300;

/** The stored trace: the API's summary (times in microseconds) plus what the fold needs. */
export interface TraceRollup extends Omit<TraceSummary, 'start_time' | 'end_time' | 'duration_ms'> {
  start_time_us: number;
  end_time_us: number;
  providers: string[];
  routing_aliases: string[];
  span_types: string[];
  cluster_ids: string[];
  /** Every span's metadata; on a clash the root span's value wins, else the first seen. */
  metadata: Record<string, string>;
  /** The longest retention of its spans (undefined: the storage default). */
  retention_days?: number;
  /** Ids of the spans counted, so a re-sent span is not counted again. */
  span_ids: string[];
  /**
   * Every generation and embedding span's usage, as `[span_id, parent_span_id, input, output,
   * total, cost]` JSON (LlmCall): the LLM count, tokens and cost are derived from the whole
   * set, so a wrapper that repeats its child's usage is counted once whichever came first.
   */
  llm_calls: string[];
  /**
   * Which span the name, input and output came from, as comparable text
   * (`rank:time`): a later span replaces them only when it ranks better.
   */
  name_key: string;
  input_key: string;
  output_key: string;
}

const LLM_TYPES = new Set(['generation', 'embedding']);
const STATUS_RANK: Record<TraceStatus, number> = { success: 0, timeout: 1, error: 2 };
/** No span has offered an input or output yet: any candidate ranks better. */
const NO_INPUT = '9';
const NO_OUTPUT = '0';

/** The first TRACE_PREVIEW_CHARS characters (code points, as ClickHouse's substringUTF8 counts). */
export function previewText(text: string): string {
  if (text.length <= TRACE_PREVIEW_CHARS) return text;
  const head = text.slice(0, TRACE_PREVIEW_CHARS);
  // without surrogate pairs, code units are code points (the common case, and cheap to check)
  if (!/[\uD800-\uDFFF]/.test(head)) return head;
  return Array.from(text.slice(0, 2 * TRACE_PREVIEW_CHARS)).slice(0, TRACE_PREVIEW_CHARS).join('');
}

/** `rank:time`, fixed width, so text comparison is (rank, time) comparison. */
function key(rank: number, timeUs: number): string {
  return `${rank}:${String(Math.max(0, Math.round(timeUs))).padStart(17, '0')}`;
}

function emptyRollup(span: SpanhouseSpan): TraceRollup {
  return {
    tenant_id: span.tenant_id,
    trace_id: span.trace_id,
    start_time_us: span.start_time_us,
    end_time_us: span.end_time_us,
    name: '',
    status: 'success',
    span_count: 0,
    llm_count: 0,
    tool_count: 0,
    error_count: 0,
    input_tokens: 0,
    output_tokens: 0,
    total_tokens: 0,
    cost_usd: null,
    unpriced_count: 0,
    models: [],
    providers: [],
    services: [],
    tags: [],
    routing_aliases: [],
    span_types: [],
    cluster_ids: [],
    metadata: {},
    user_id: '',
    session_id: '',
    input: '',
    output: '',
    span_ids: [],
    llm_calls: [],
    name_key: '9',
    input_key: NO_INPUT,
    output_key: NO_OUTPUT,
  };
}

function addTo(list: string[], value: string | null | undefined): void {
  if (value && !list.includes(value)) list.push(value);
}

/**
 * Folds `spans` (all of one trace) into `previous` (or a new rollup) and returns a new
 * rollup; `previous` is not changed. Spans whose id was already counted are skipped.
 */
export function rollUp(previous: TraceRollup | null, spans: SpanhouseSpan[]): TraceRollup {
  if (spans.length === 0) {
    if (!previous) throw new Error('rollUp needs a previous rollup or at least one span');
    return previous;
  }
  // a new trace starts from a fresh rollup; a stored one is copied (arrays too), never changed
  const r: TraceRollup = previous
    ? {
        ...previous,
        models: [...previous.models],
        providers: [...previous.providers],
        services: [...previous.services],
        tags: [...previous.tags],
        routing_aliases: [...previous.routing_aliases],
        span_types: [...previous.span_types],
        cluster_ids: [...previous.cluster_ids],
        metadata: { ...previous.metadata },
        span_ids: [...previous.span_ids],
        llm_calls: [...(previous.llm_calls ?? [])],
      }
    : emptyRollup(spans[0]);
  const counted = new Set(r.span_ids);
  for (const span of spans) {
    if (span.trace_id !== r.trace_id || span.tenant_id !== r.tenant_id) throw new Error('rollUp: spans of another trace');
    if (counted.has(span.span_id)) continue;
    counted.add(span.span_id);
    r.span_ids.push(span.span_id);
    addSpan(r, span);
  }
  countCalls(r);
  return r;
}

/** One generation or embedding span's usage, as kept in TraceRollup.llm_calls. */
type LlmCall = [spanId: string, parentId: string, input: number, output: number, total: number, cost: number | null];

function llmCall(span: SpanhouseSpan): string {
  const call: LlmCall = [span.span_id, span.parent_span_id, span.input_tokens, span.output_tokens, span.total_tokens, span.cost_usd];
  return JSON.stringify(call);
}

const hasUsage = (c: LlmCall) => c[2] > 0 || c[3] > 0 || c[4] > 0;

/**
 * One model call is often reported by two nested LLM spans: an SDK wrapper (Anthropic's
 * `messages.create` in OpenLLMetry and OpenInference, the AI SDK's `ai.embed` around
 * `doEmbed`) and the inner call, or two instrumentations on one call. Of such a pair only
 * one is a call: a span is left out when an LLM child repeats its usage (same input and
 * output tokens), and an LLM child without usage is left out when its LLM parent has some.
 */
export function countedCalls(calls: readonly string[]): LlmCall[] {
  const parsed = calls.map((c) => JSON.parse(c) as LlmCall);
  const byId = new Map(parsed.map((c) => [c[0], c]));
  const repeatedByChild = new Set<string>();
  for (const child of parsed) {
    const parent = byId.get(child[1]);
    if (parent && parent[2] === child[2] && parent[3] === child[3]) repeatedByChild.add(parent[0]);
  }
  return parsed.filter((c) => {
    if (repeatedByChild.has(c[0])) return false;
    const parent = byId.get(c[1]);
    return !(parent && !hasUsage(c) && hasUsage(parent));
  });
}

/** LLM count, tokens and cost from the calls (see countedCalls). */
function countCalls(r: TraceRollup): void {
  const calls = countedCalls(r.llm_calls);
  r.llm_count = calls.length;
  r.input_tokens = calls.reduce((n, c) => n + c[2], 0);
  r.output_tokens = calls.reduce((n, c) => n + c[3], 0);
  r.total_tokens = calls.reduce((n, c) => n + c[4], 0);
  const costs = calls.filter((c) => c[5] !== null);
  r.cost_usd = costs.length > 0 ? roundUsd(costs.reduce((n, c) => n + (c[5] ?? 0), 0)) : null;
  // a call that used tokens and has no cost was not priced (a call without usage costs nothing)
  r.unpriced_count = calls.filter((c) => c[5] === null && hasUsage(c)).length;
}

function addSpan(r: TraceRollup, span: SpanhouseSpan): void {
  const isRoot = span.parent_span_id === '';
  const isLlm = LLM_TYPES.has(span.type);
  r.start_time_us = Math.min(r.start_time_us, span.start_time_us);
  r.end_time_us = Math.max(r.end_time_us, span.end_time_us);
  r.span_count++;
  if (isLlm) r.llm_calls.push(llmCall(span));
  if (span.type === 'tool') r.tool_count++;
  if (span.status !== 'success') r.error_count++;
  if (STATUS_RANK[span.status] > STATUS_RANK[r.status]) r.status = span.status;
  addTo(r.models, span.model);
  addTo(r.providers, span.provider);
  addTo(r.services, span.service_name);
  for (const tag of span.tags) addTo(r.tags, tag);
  addTo(r.routing_aliases, span.routing_alias);
  addTo(r.span_types, span.type);
  addTo(r.cluster_ids, span.cluster_id);
  for (const [k, v] of Object.entries(span.metadata)) if (isRoot || !(k in r.metadata)) r.metadata[k] = v;
  // order-independent choices: the largest id wins (the old rollup's max())
  if (span.user_id > r.user_id) r.user_id = span.user_id;
  if (span.session_id > r.session_id) r.session_id = span.session_id;
  if (span.retention_days !== undefined) r.retention_days = Math.max(r.retention_days ?? 0, span.retention_days);

  // Root span first, else the earliest span.
  const nameKey = key(isRoot ? 0 : 1, span.start_time_us);
  if (nameKey < r.name_key) {
    r.name_key = nameKey;
    r.name = span.name;
  }
  // Root's input, else the first generation's; root's output, else the last generation's.
  if (span.input_text !== '' && (isRoot || span.type === 'generation')) {
    const inputKey = key(isRoot ? 0 : 1, span.start_time_us);
    if (inputKey < r.input_key) {
      r.input_key = inputKey;
      r.input = previewText(span.input_text);
    }
  }
  if (span.output_text !== '' && (isRoot || span.type === 'generation')) {
    const outputKey = key(isRoot ? 2 : 1, span.end_time_us);
    if (outputKey > r.output_key) {
      r.output_key = outputKey;
      r.output = previewText(span.output_text);
    }
  }
}

/** The API's view of a rollup. */
export function traceSummaryOf(r: TraceRollup): TraceSummary {
  return {
    tenant_id: r.tenant_id,
    trace_id: r.trace_id,
    name: r.name,
    start_time: isoFromMicros(r.start_time_us),
    end_time: isoFromMicros(r.end_time_us),
    duration_ms: (r.end_time_us - r.start_time_us) / 1000,
    status: r.status,
    span_count: r.span_count,
    llm_count: r.llm_count,
    tool_count: r.tool_count,
    error_count: r.error_count,
    input_tokens: r.input_tokens,
    output_tokens: r.output_tokens,
    total_tokens: r.total_tokens,
    cost_usd: r.cost_usd,
    unpriced_count: r.unpriced_count,
    models: [...r.models].sort(),
    services: [...r.services].sort(),
    tags: [...r.tags].sort(),
    input: r.input,
    output: r.output,
    user_id: r.user_id,
    session_id: r.session_id,
  };
}

/** ISO-8601 with microseconds (`2026-11-21T14:00:00.123456Z`), as span times are given. */
export function isoFromMicros(us: number): string {
  const whole = Math.floor(us / 1000);
  const micros = String(Math.round(us - whole * 1000)).padStart(3, '0');
  return new Date(whole).toISOString().replace('Z', `${micros}Z`);
}
