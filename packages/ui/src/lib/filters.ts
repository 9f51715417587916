// Trace filters live in the URL query string so a view can be shared. This module is the
// one place that knows the parameter names, their defaults and how they map to the API.
// The URL uses the API's own names (`status`, `q`, `metadata.<key>`, …), so a view's query
// string and the API request behind it read the same.
import type { QueryParams } from '../api/client.ts';

export const TIME_RANGES = [
  { value: '15m', label: 'Last 15 minutes', ms: 15 * 60_000 },
  { value: '1h', label: 'Last hour', ms: 3_600_000 },
  { value: '6h', label: 'Last 6 hours', ms: 6 * 3_600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 24 * 3_600_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
  { value: 'all', label: 'All time', ms: null },
  { value: 'custom', label: 'Custom…', ms: null },
] as const;

/** Without a range in the URL: the last 24 hours, or a longer range when the newest trace is older (see chooseRange). */
export const DEFAULT_RANGE = '24h';

/** The shortest preset range holding the newest trace, so a first view is never empty or a sliver. */
export function chooseRange(newestTraceIso: string | undefined, nowMs: number): string {
  if (!newestTraceIso) return DEFAULT_RANGE;
  const age = nowMs - Date.parse(newestTraceIso);
  if (!Number.isFinite(age)) return DEFAULT_RANGE;
  for (const value of ['24h', '7d', '30d'] as const) if (age <= TIME_RANGES.find((r) => r.value === value)!.ms!) return value;
  return 'all';
}

export const FILTER_KEYS = [
  'range',
  'since',
  'until',
  'status',
  'model',
  'model_contains',
  'provider',
  'service',
  'name',
  'q',
  'user_id',
  'session_id',
  'tag',
  'cluster_id',
  'metadata',
  'min_cost',
  'max_cost',
  'min_latency_ms',
  'max_latency_ms',
  'score_name',
  'min_score',
  'max_score',
  'sort',
  'order',
] as const;

/** Keys that order the list rather than filter it (not sent to /api/metrics, not counted as filters). */
const ORDER_KEYS: readonly string[] = ['sort', 'order'];

export type FilterKey = (typeof FILTER_KEYS)[number];
export type TraceFilters = Record<FilterKey, string>;

/** Filters that sit behind "More filters" (the bar opens itself when any is set). */
export const SECONDARY_KEYS: FilterKey[] = ['name', 'model', 'user_id', 'session_id', 'tag', 'cluster_id', 'metadata', 'min_cost', 'max_cost', 'min_latency_ms', 'max_latency_ms', 'score_name', 'min_score', 'max_score'];

const METADATA_PREFIX = 'metadata.';

/**
 * The metadata box holds `key=value` pairs separated by commas ("tier=pro, locale=en-US");
 * each becomes the API's `metadata.<key>=value`. Pieces without a key and a `=` are skipped.
 */
export function metadataPairs(text: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const piece of text.split(',')) {
    const eq = piece.indexOf('=');
    const key = piece.slice(0, eq).trim();
    if (eq <= 0 || !key) continue;
    pairs.push([key, piece.slice(eq + 1).trim()]);
  }
  return pairs;
}

const metadataText = (pairs: Array<[string, string]>) => pairs.map(([k, v]) => `${k}=${v}`).join(', ');

/** True for query keys that belong to the filters (so pages can keep the rest as their own). */
export const isFilterParam = (key: string): boolean => (FILTER_KEYS as readonly string[]).includes(key) || key.startsWith(METADATA_PREFIX);

export const EMPTY_FILTERS: TraceFilters = Object.fromEntries(FILTER_KEYS.map((k) => [k, ''])) as TraceFilters;

export function parseFilters(search: string): TraceFilters {
  const params = new URLSearchParams(search);
  const filters = { ...EMPTY_FILTERS };
  for (const key of FILTER_KEYS) if (key !== 'metadata') filters[key] = params.get(key)?.trim() ?? '';
  const metadata: Array<[string, string]> = [];
  for (const [key, value] of params) if (key.startsWith(METADATA_PREFIX) && key.length > METADATA_PREFIX.length) metadata.push([key.slice(METADATA_PREFIX.length), value.trim()]);
  filters.metadata = metadataText(metadata);
  if (!filters.range) filters.range = filters.since || filters.until ? 'custom' : DEFAULT_RANGE;
  if (!TIME_RANGES.some((r) => r.value === filters.range)) filters.range = DEFAULT_RANGE;
  if (filters.range !== 'custom') {
    filters.since = '';
    filters.until = '';
  }
  return filters;
}

/** Query string for the filters, leaving defaults out; `extra` keeps page-specific params. */
export function serializeFilters(filters: TraceFilters, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = filters[key];
    if (!value) continue;
    if (key === 'range' && value === DEFAULT_RANGE) continue;
    if ((key === 'since' || key === 'until') && filters.range !== 'custom') continue;
    if (key === 'metadata') for (const [k, v] of metadataPairs(value)) params.set(METADATA_PREFIX + k, v);
    else params.set(key, value);
  }
  for (const [key, value] of Object.entries(extra)) if (value) params.set(key, value);
  return params.toString();
}

/** Filters whose lower bound may not be negative (the API refuses them). */
const NON_NEGATIVE: FilterKey[] = ['min_cost', 'max_cost', 'min_latency_ms', 'max_latency_ms'];

/**
 * What is wrong with the filters before any request (one message for the whole view), or null:
 * a custom range whose From is after its Until, a negative duration or cost, a min above its max.
 */
export function filterProblem(filters: TraceFilters): string | null {
  if (filters.range === 'custom' && filters.since && filters.until && Date.parse(filters.since) > Date.parse(filters.until)) {
    return 'The custom range starts after it ends: pick a From time before the Until time.';
  }
  for (const key of NON_NEGATIVE) {
    if (filters[key] !== '' && !(Number(filters[key]) >= 0)) return `${key}: must be a number of at least 0.`;
  }
  for (const [min, max] of [['min_cost', 'max_cost'], ['min_latency_ms', 'max_latency_ms'], ['min_score', 'max_score']] as const) {
    if (filters[min] !== '' && filters[max] !== '' && Number(filters[min]) > Number(filters[max])) return `${min}: must not be above ${max}.`;
  }
  return null;
}

/** Number of filters a user set, besides the time range. */
export function activeFilterCount(filters: TraceFilters): number {
  return FILTER_KEYS.filter((k) => k !== 'range' && k !== 'since' && k !== 'until' && !ORDER_KEYS.includes(k) && filters[k] !== '').length;
}

export function rangeMs(filters: TraceFilters, nowMs: number): number | null {
  const preset = TIME_RANGES.find((r) => r.value === filters.range);
  if (preset?.ms) return preset.ms;
  if (filters.range === 'custom') {
    const since = Date.parse(filters.since);
    const until = filters.until ? Date.parse(filters.until) : nowMs;
    if (Number.isFinite(since) && Number.isFinite(until)) return Math.max(until - since, 60_000);
  }
  return null;
}

/** Resolves a relative range against `nowMs`, so a shared "last 24h" link stays relative. */
export function resolveTimeWindow(filters: TraceFilters, nowMs: number): { since?: string; until?: string } {
  if (filters.range === 'custom') {
    return { since: toIso(filters.since), until: toIso(filters.until) };
  }
  const preset = TIME_RANGES.find((r) => r.value === filters.range);
  if (!preset?.ms) return {};
  return { since: new Date(nowMs - preset.ms).toISOString() };
}

function toIso(value: string): string | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** API query parameters for /api/traces and /api/metrics (filters only; see listParams). */
export function toApiParams(filters: TraceFilters, nowMs: number): QueryParams {
  const window = resolveTimeWindow(filters, nowMs);
  const params: QueryParams = { ...window };
  for (const key of FILTER_KEYS) {
    if (key === 'range' || key === 'since' || key === 'until' || ORDER_KEYS.includes(key)) continue;
    if (key === 'metadata') for (const [k, v] of metadataPairs(filters.metadata)) params[METADATA_PREFIX + k] = v;
    else if (filters[key]) params[key] = filters[key];
  }
  // a score range means nothing without the score's name (the API would refuse it)
  if (!filters.score_name) {
    delete params.min_score;
    delete params.max_score;
  }
  return params;
}

/** Parameters of the trace list: the filters plus its sort order. */
export function listParams(filters: TraceFilters, nowMs: number): QueryParams {
  return { ...toApiParams(filters, nowMs), sort: filters.sort || undefined, order: filters.order || undefined };
}

/** Chart bucket width for a time window: about 20–400 points whatever the range. */
export function bucketFor(windowMs: number | null): 'minute' | 'hour' | 'day' {
  if (windowMs === null) return 'day';
  if (windowMs <= 6 * 3_600_000) return 'minute';
  if (windowMs <= 8 * 86_400_000) return 'hour';
  return 'day';
}
