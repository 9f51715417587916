// What ClickHouse can store, checked before a span joins a shared insert: a span that
// passes here is never refused by the insert (so it cannot fail other requests' spans in
// the same batch) and is never deleted by its TTL at the next merge (so a 2xx never means
// "gone soon"). Pure: the caller gives the clock.
import type { SpanhouseSpan } from './types.ts';

// ES2024 string methods (Node 20 has them; the repository's TypeScript lib is ES2022)
declare global {
  interface String {
    isWellFormed(): boolean;
    toWellFormed(): string;
  }
}

const DAY_US = 86_400_000_000;
/**
 * The TTL expressions compute `toDateTime(start_time) + retention`; ClickHouse DateTime is
 * seconds in a UInt32, which wraps at 2106-02-07T06:28:15Z. A span whose expiry lies past
 * that would wrap to the past and be deleted at once.
 */
export const TTL_WRAP_US = 4_294_967_295 * 1_000_000;
/** Latest time stored at all (end times, event times): the DateTime range, so every conversion works. */
export const MAX_STORED_TIME_US = TTL_WRAP_US;
/** Deepest nesting kept in a stored JSON value (event attributes, log bodies). */
export const MAX_STORED_DEPTH = 100;

/** Longest name, model, id or other label kept (they are list columns and filter keys); longer ones are cut and the span flagged `truncated`. */
export const MAX_LABEL_CHARS = 10_000;
const LABEL_FIELDS = [
  'name', 'model', 'request_model', 'provider', 'operation', 'routing_alias', 'error_type', 'tool_name', 'tool_call_id',
  'agent_name', 'user_id', 'session_id', 'service_name', 'scope_name',
] as const;

const TOKEN_FIELDS = ['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens', 'total_tokens'] as const;

export interface StorableLimits {
  /** Now, in unix microseconds. */
  nowUs: number;
  /** Days the span will be kept (the tenant's retention). */
  retentionDays: number;
}

/**
 * Why a span cannot be stored as it is, or null after fixing what can be fixed in place:
 * labels past MAX_LABEL_CHARS are cut (and the span flagged `truncated`), fractional token counts are rounded, a non-finite time to first token becomes unknown,
 * and lone UTF-16 surrogates in any string become U+FFFD (ClickHouse strings are UTF-8).
 * Rejected: times outside 1970…2106 or whose expiry wraps (see TTL_WRAP_US), spans already
 * past their retention, token counts that are negative or past 2^53, negative or
 * non-finite costs, values nested deeper than MAX_STORED_DEPTH.
 */
export function storableProblem(span: SpanhouseSpan, limits: StorableLimits): string | null {
  const label = `span "${wellFormed(String(span.name)).slice(0, 100)}"`;
  const start = span.start_time_us;
  if (!Number.isSafeInteger(start) || start <= 0) return `${label} has a start time outside 1970–2106`;
  const keptUs = Math.max(1, limits.retentionDays) * DAY_US;
  if (start + keptUs >= TTL_WRAP_US) return `${label} starts too far in the future (its retention would end after 2106-02-07)`;
  if (start + keptUs <= limits.nowUs) return `${label} is older than the retention window of ${limits.retentionDays} days and would be deleted at once`;
  if (!Number.isFinite(span.end_time_us) || span.end_time_us >= MAX_STORED_TIME_US) return `${label} has an end time after 2106`;
  if (span.end_time_us < start) span.end_time_us = start;
  span.end_time_us = Math.round(span.end_time_us);
  span.latency_ms = (span.end_time_us - start) / 1000;
  for (const event of span.events) {
    const t = Date.parse(event.time);
    if (!(t >= 0 && t * 1000 < MAX_STORED_TIME_US)) return `${label} has an event "${wellFormed(String(event.name)).slice(0, 100)}" with a time outside 1970–2106`;
  }

  for (const field of TOKEN_FIELDS) {
    const n = span[field];
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return `${label} has an invalid ${field} (${String(n)}): token counts are whole numbers ≥ 0`;
    if (n > Number.MAX_SAFE_INTEGER) return `${label} has ${field} ${n}: more than 2^53 tokens`;
    if (!Number.isInteger(n)) span[field] = Math.round(n);
  }
  if (span.cost_usd !== null && (typeof span.cost_usd !== 'number' || !Number.isFinite(span.cost_usd) || span.cost_usd < 0)) {
    return `${label} has an invalid cost (${String(span.cost_usd)}): costs are finite and ≥ 0`;
  }
  for (const [key, value] of Object.entries(span.cost_details)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) return `${label} has an invalid cost detail "${wellFormed(key)}"`;
  }
  if (span.ttft_ms !== null && !(typeof span.ttft_ms === 'number' && Number.isFinite(span.ttft_ms) && span.ttft_ms >= 0)) span.ttft_ms = null;
  if (!Number.isFinite(span.latency_ms)) return `${label} has an invalid latency`;

  for (const field of LABEL_FIELDS) {
    if (typeof span[field] !== 'string') return `${label} has a ${field} that is not text`;
    if (span[field].length > MAX_LABEL_CHARS) {
      span[field] = span[field].slice(0, MAX_LABEL_CHARS);
      span.truncated = true;
    }
  }
  const tooDeep = wellFormedInPlace(span as unknown as Record<string, unknown>);
  if (tooDeep) return `${label} has a value nested deeper than ${MAX_STORED_DEPTH} levels`;
  return null;
}

/** A string with every lone surrogate replaced by U+FFFD (valid UTF-8 once encoded). */
export function wellFormed(text: string): string {
  return text.isWellFormed() ? text : text.toWellFormed();
}

/**
 * Replaces lone surrogates in every string (values and keys) of a JSON-like value, in place.
 * Iterative, so a deep value cannot overflow the stack; true when it is nested deeper than
 * MAX_STORED_DEPTH (then it is left as it is, to be rejected).
 */
export function wellFormedInPlace(root: Record<string, unknown> | unknown[]): boolean {
  const stack: Array<[Record<string, unknown> | unknown[], number]> = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > MAX_STORED_DEPTH) return true;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const v = node[i];
        if (typeof v === 'string') node[i] = wellFormed(v);
        else if (v !== null && typeof v === 'object') stack.push([v as Record<string, unknown>, depth + 1]);
      }
      continue;
    }
    for (const key of Object.keys(node)) {
      const v = node[key];
      if (!key.isWellFormed()) {
        delete node[key];
        Object.defineProperty(node, key.toWellFormed(), { value: v, enumerable: true, writable: true, configurable: true });
      }
      const fixedKey = key.isWellFormed() ? key : key.toWellFormed();
      if (typeof v === 'string') node[fixedKey] = wellFormed(v);
      else if (v !== null && typeof v === 'object') stack.push([v as Record<string, unknown>, depth + 1]);
    }
  }
  return false;
}
