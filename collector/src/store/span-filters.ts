// Span filters as SQL conditions over the `spans` columns, shared by span search,
// trace search (as a trace-id subquery) and metrics. Values always travel as typed
// query parameters; the SQL text holds only fixed column names and placeholders.
import type { SpanStatus, SpanType } from '@spanhouse/model';
import { MESSAGE_WORDS } from './span-columns.ts';

export interface ScoreFilter {
  name: string;
  min?: number;
  max?: number;
  /** Categorical or boolean value ('true'/'false'), compared as text. */
  value?: string;
}

/** Range filters shared by span and trace searches (cost in USD, latency in ms, tokens). */
export interface RangeFilters {
  minCost?: number;
  maxCost?: number;
  minLatencyMs?: number;
  maxLatencyMs?: number;
  minInputTokens?: number;
  maxInputTokens?: number;
  minOutputTokens?: number;
  maxOutputTokens?: number;
  minTotalTokens?: number;
  maxTotalTokens?: number;
}

export interface SpanFilter extends RangeFilters {
  tenantId: string;
  since?: Date;
  until?: Date;
  model?: string;
  /** Case-insensitive substring of the model. */
  modelContains?: string;
  provider?: string;
  routingAlias?: string;
  status?: SpanStatus;
  service?: string;
  /** Case-insensitive substring of the span name. */
  name?: string;
  type?: SpanType;
  /** Several types at once (metrics default to LLM calls); ignored when `type` is set. */
  types?: SpanType[];
  userId?: string;
  sessionId?: string;
  clusterId?: string;
  traceId?: string;
  /** Every tag must be present. */
  tags?: string[];
  /** Every key must have exactly this value. */
  metadata?: Array<[string, string]>;
  /** Full-text: words and "quoted phrases", all must match the input or the output. */
  q?: string;
  /**
   * Words of `q` also match as word prefixes (`postgres` finds `PostgreSQL`). The text index
   * cannot answer a prefix, so callers set this only on reads bounded by trace id.
   */
  qPrefix?: boolean;
  score?: ScoreFilter;
}

export interface SqlCondition {
  where: string[];
  params: Record<string, unknown>;
}

/** Longest full-text query we accept: every term is a condition. */
export const MAX_SEARCH_TERMS = 12;

/** Words and "quoted phrases" of a search box, lower-cased, empty ones dropped. */
export function searchTerms(q: string): string[] {
  const terms: string[] = [];
  for (const match of q.matchAll(/"([^"]*)"|(\S+)/g)) {
    const term = (match[1] ?? match[2] ?? '').trim().toLowerCase();
    // A term with no letter or digit has no token to look up.
    if (/[\p{L}\p{N}]/u.test(term)) terms.push(term);
  }
  return terms.slice(0, MAX_SEARCH_TERMS);
}

/** An RE2 pattern for a word starting with `term`, any case (the term travels as a parameter, escaped). */
export function wordPrefixPattern(term: string): string {
  return `(?i)(?:^|[^\\p{L}\\p{N}])${term.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&')}`;
}

/** A term the prefix search can extend: one word (phrases and multi-token terms stay exact). */
export const isPrefixable = (term: string): boolean => !isPhrase(term);

/** True when the term is more than one token (a phrase, or a word like "gpt-4o"): order then matters. */
function isPhrase(term: string): boolean {
  return term.split(/[^\p{L}\p{N}]+/u).filter(Boolean).length > 1;
}

const RANGES = [
  ['minCost', 'ifNull(cost_usd, 0) >=', 'Float64'],
  ['maxCost', 'ifNull(cost_usd, 0) <=', 'Float64'],
  ['minLatencyMs', 'latency_ms >=', 'Float64'],
  ['maxLatencyMs', 'latency_ms <=', 'Float64'],
  ['minInputTokens', 'input_tokens >=', 'UInt64'],
  ['maxInputTokens', 'input_tokens <=', 'UInt64'],
  ['minOutputTokens', 'output_tokens >=', 'UInt64'],
  ['maxOutputTokens', 'output_tokens <=', 'UInt64'],
  ['minTotalTokens', 'total_tokens >=', 'UInt64'],
  ['maxTotalTokens', 'total_tokens <=', 'UInt64'],
] as const;

const EQUALS = [
  ['model', 'model'],
  ['provider', 'provider'],
  ['routingAlias', 'routing_alias'],
  ['status', 'status'],
  ['service', 'service_name'],
  ['type', 'type'],
  ['userId', 'user_id'],
  ['sessionId', 'session_id'],
  ['traceId', 'trace_id'],
] as const;

/**
 * WHERE conditions for `filter` over the spans table (or a projection of it).
 * `prefix` keeps parameter names apart when two filters share one query.
 */
export function spanConditions(filter: SpanFilter, prefix = 'f'): SqlCondition {
  const where = [`tenant_id = {${prefix}_tenant:String}`];
  const params: Record<string, unknown> = { [`${prefix}_tenant`]: filter.tenantId };
  const param = (name: string, type: string, value: unknown) => {
    params[`${prefix}_${name}`] = value;
    return `{${prefix}_${name}:${type}}`;
  };
  if (filter.since) where.push(`start_time >= fromUnixTimestamp64Micro(${param('since', 'Int64', filter.since.getTime() * 1000)})`);
  if (filter.until) where.push(`start_time <= fromUnixTimestamp64Micro(${param('until', 'Int64', filter.until.getTime() * 1000)})`);
  for (const [key, column] of EQUALS) {
    const value = filter[key];
    if (value !== undefined) where.push(`${column} = ${param(key, 'String', value)}`);
  }
  if (filter.type === undefined && filter.types && filter.types.length > 0) where.push(`type IN ${param('types', 'Array(String)', filter.types)}`);
  if (filter.clusterId !== undefined) where.push(`cluster_id = ${param('cluster', 'String', filter.clusterId)}`);
  if (filter.name !== undefined) where.push(`positionCaseInsensitiveUTF8(name, ${param('name', 'String', filter.name)}) > 0`);
  if (filter.modelContains !== undefined) where.push(`positionCaseInsensitiveUTF8(model, ${param('model_contains', 'String', filter.modelContains)}) > 0`);
  for (const [key, condition, type] of RANGES) {
    const value = filter[key];
    if (value !== undefined) where.push(`${condition} ${param(key, type, value)}`);
  }
  (filter.tags ?? []).forEach((tag, i) => where.push(`has(tags, ${param(`tag${i}`, 'String', tag)})`));
  (filter.metadata ?? []).forEach(([key, value], i) => {
    where.push(`metadata[${param(`mk${i}`, 'String', key)}] = ${param(`mv${i}`, 'String', value)}`);
  });
  if (filter.q !== undefined) {
    searchTerms(filter.q).forEach((term, i) => {
      const t = param(`q${i}`, 'String', term);
      const prefix = filter.qPrefix && !isPhrase(term) ? param(`qp${i}`, 'String', wordPrefixPattern(term)) : null;
      // words through the full-text index (both sides); phrases and prefixes then read the text
      const words = `hasAllTokens(${MESSAGE_WORDS}, ${t})`;
      const eitherSide = (condition: (column: string) => string) => `(${condition('input_text')} OR ${condition('output_text')})`;
      where.push(
        isPhrase(term)
          ? `(${words} AND ${eitherSide((c) => `positionCaseInsensitiveUTF8(${c}, ${t}) > 0`)})`
          : prefix
            ? `(${words} OR ${eitherSide((c) => `match(${c}, ${prefix})`)})`
            : words,
      );
    });
  }
  if (filter.score) {
    const s = scoreConditions(filter.score, `${prefix}_s`);
    Object.assign(params, s.params, { [`${prefix}_s_tenant`]: filter.tenantId });
    where.push(`(trace_id, span_id) IN (SELECT trace_id, span_id FROM scores FINAL WHERE tenant_id = {${prefix}_s_tenant:String} AND ${s.where.join(' AND ')})`);
  }
  return { where, params };
}

/** Conditions on the scores table's own columns (name, numeric range, categorical value). */
export function scoreConditions(score: ScoreFilter, prefix: string): SqlCondition {
  const where = [`name = {${prefix}_name:String}`];
  const params: Record<string, unknown> = { [`${prefix}_name`]: score.name };
  if (score.min !== undefined || score.max !== undefined) where.push(`data_type != 'categorical'`);
  if (score.min !== undefined) {
    where.push(`value >= {${prefix}_min:Float64}`);
    params[`${prefix}_min`] = score.min;
  }
  if (score.max !== undefined) {
    where.push(`value <= {${prefix}_max:Float64}`);
    params[`${prefix}_max`] = score.max;
  }
  if (score.value !== undefined) {
    where.push(`string_value = {${prefix}_value:String}`);
    params[`${prefix}_value`] = score.value;
  }
  return { where, params };
}

/**
 * Leaves out span versions that a newer version replaced (span_revisions lists them, a
 * few rows): reads that aggregate or match spans see each span once, as its newest
 * version, without FINAL (which cannot prune and merges every part). The condition reads
 * the span keys of every row, so callers add it only when the window has revisions
 * (`revisionsIn`).
 */
export function newestVersionsOnly(filter: Pick<SpanFilter, 'tenantId' | 'since' | 'until'>, prefix: string): SqlCondition {
  const window = spanConditions({ tenantId: filter.tenantId, since: filter.since, until: filter.until }, prefix);
  return {
    where: [`(trace_id, span_id, version) NOT IN (SELECT trace_id, span_id, version FROM span_revisions WHERE ${window.where.join(' AND ')})`],
    params: window.params,
  };
}

/** Counts the revisions in a filter's window: zero means every stored span row is current. */
export function revisionsIn(filter: Pick<SpanFilter, 'tenantId' | 'since' | 'until'>): { query: string; params: Record<string, unknown> } {
  const window = spanConditions({ tenantId: filter.tenantId, since: filter.since, until: filter.until }, 'rc');
  return { query: `SELECT count() AS n FROM span_revisions WHERE ${window.where.join(' AND ')}`, params: window.params };
}
