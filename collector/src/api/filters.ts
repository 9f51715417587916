// Query parameters shared by GET /api/traces, /api/spans and /api/metrics.
import { SPAN_TYPES } from '@spanhouse/model';
import { z } from 'zod';
import { searchTerms, type ScoreFilter, type SpanFilter } from '../store/span-filters.ts';
import { ApiError } from './errors.ts';

const text = z.string().min(1).max(1000);
/** ISO-8601 only (Date.parse alone accepts almost anything). */
export const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
/**
 * Times the store can hold: ClickHouse DateTime starts at 1970 and wraps after 2106-02-07,
 * and the TTLs compute with it, so API times stay inside (a `since` outside is a 400).
 */
export const MIN_TIME_MS = 0;
export const MAX_TIME_MS = Date.UTC(2106, 0, 1);
/** An ISO-8601 time parameter, parsed to a Date. */
export const timeParam = z
  .string()
  .refine((s) => ISO_TIME.test(s) && !Number.isNaN(Date.parse(s)), { message: 'must be an ISO-8601 time', abort: true })
  .refine((s) => Date.parse(s) >= MIN_TIME_MS && Date.parse(s) < MAX_TIME_MS, 'must be between 1970-01-01 and 2105-12-31')
  .transform((s) => new Date(s));
/** Whole and decimal numbers stay below 2^53 (past it, a float no longer counts by ones). */
const amount = z.coerce.number().finite().min(0).max(Number.MAX_SAFE_INTEGER);
const tokens = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Filters on spans (for traces: a trace matches when its rollup or one of its spans does). */
/** A request's time window: `until` (default now) and `since` (default `defaultMs` before it); since after until is a 400. */
export function timeWindow(q: { since?: Date; until?: Date }, defaultMs: number): { since: Date; until: Date } {
  const until = q.until ?? new Date();
  const since = q.since ?? new Date(until.getTime() - defaultMs);
  if (since > until) throw new ApiError(400, 'bad_request', 'since: after until');
  return { since, until };
}

export const filterParams = {
  since: timeParam.optional(),
  until: timeParam.optional(),
  model: text.optional(),
  /** Case-insensitive substring of the model (`model` is exact). */
  model_contains: text.optional(),
  provider: text.optional(),
  routing_alias: text.optional(),
  status: z.enum(['success', 'error', 'timeout']).optional(),
  service: text.optional(),
  name: text.optional(),
  type: z.enum(SPAN_TYPES).optional(),
  user_id: text.optional(),
  session_id: text.optional(),
  cluster_id: text.optional(),
  tag: z.union([text, z.array(text).max(20)]).optional(),
  // a text with no letter or digit has nothing to look up: an error, not a page of everything
  q: z.string().min(1).max(500).refine((q) => searchTerms(q).length > 0, 'has no word to search for (letters or digits)').optional(),
  min_cost: amount.optional(),
  max_cost: amount.optional(),
  min_latency_ms: amount.optional(),
  max_latency_ms: amount.optional(),
  min_input_tokens: tokens.optional(),
  max_input_tokens: tokens.optional(),
  min_output_tokens: tokens.optional(),
  max_output_tokens: tokens.optional(),
  min_total_tokens: tokens.optional(),
  max_total_tokens: tokens.optional(),
  score_name: text.optional(),
  min_score: z.coerce.number().finite().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).optional(),
  max_score: z.coerce.number().finite().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).optional(),
  score_value: text.optional(),
  /** Admin keys only: read another tenant. */
  tenant: text.optional(),
};

export const pageParams = {
  sort: z.enum(['time', 'cost', 'latency', 'tokens']).default('time'),
  order: z.enum(['desc', 'asc']).default('desc'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().min(1).max(2000).optional(),
};

export type FilterParams = z.infer<z.ZodObject<typeof filterParams>>;

const METADATA_PREFIX = 'metadata.';

/** Splits `metadata.<key>=value` parameters from the rest (their keys are open-ended). */
export function splitMetadata(query: Record<string, unknown>): { rest: Record<string, unknown>; metadata: Array<[string, string]> } {
  const rest: Record<string, unknown> = {};
  const metadata: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(query)) {
    if (!key.startsWith(METADATA_PREFIX)) {
      rest[key] = value;
      continue;
    }
    const name = key.slice(METADATA_PREFIX.length);
    if (name === '' || name.length > 200 || typeof value !== 'string' || value.length > 1000) {
      throw new ApiError(400, 'bad_request', `${key}: give one value per metadata key, e.g. metadata.tier=pro`);
    }
    metadata.push([name, value]);
  }
  if (metadata.length > 20) throw new ApiError(400, 'bad_request', 'metadata: at most 20 keys');
  return { rest, metadata };
}

export function scoreFilterOf(q: FilterParams): ScoreFilter | undefined {
  if (q.score_name === undefined) {
    if (q.min_score !== undefined || q.max_score !== undefined || q.score_value !== undefined) {
      throw new ApiError(400, 'bad_request', 'score_name: required with min_score, max_score or score_value');
    }
    return undefined;
  }
  return { name: q.score_name, min: q.min_score, max: q.max_score, value: q.score_value };
}

const tagsOf = (tag: string | string[] | undefined) => (tag === undefined ? undefined : Array.isArray(tag) ? tag : [tag]);

export function spanFilterOf(q: FilterParams, tenantId: string, metadata: Array<[string, string]>): SpanFilter {
  return {
    tenantId,
    since: q.since,
    until: q.until,
    model: q.model,
    modelContains: q.model_contains,
    provider: q.provider,
    routingAlias: q.routing_alias,
    status: q.status,
    service: q.service,
    name: q.name,
    type: q.type,
    userId: q.user_id,
    sessionId: q.session_id,
    clusterId: q.cluster_id,
    tags: tagsOf(q.tag),
    metadata,
    minCost: q.min_cost,
    maxCost: q.max_cost,
    minLatencyMs: q.min_latency_ms,
    maxLatencyMs: q.max_latency_ms,
    minInputTokens: q.min_input_tokens,
    maxInputTokens: q.max_input_tokens,
    minOutputTokens: q.min_output_tokens,
    maxOutputTokens: q.max_output_tokens,
    minTotalTokens: q.min_total_tokens,
    maxTotalTokens: q.max_total_tokens,
    q: q.q,
    score: scoreFilterOf(q),
  };
}
