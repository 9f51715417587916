// Number and time formatting used across pages. Pure functions, no locale surprises
// beyond the browser's own time zone.

const DASH = '—';

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return DASH;
  if (ms === 0) return '0 ms';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 10) return `${seconds.toFixed(2)} s`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  const hours = Math.floor(minutes / 60);
  return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** What an unknown cost shows (no price for the model): the same everywhere. */
export const UNKNOWN_COST = DASH;
/** The tooltip that goes with UNKNOWN_COST. */
export const UNKNOWN_COST_TITLE = 'Cost unknown: no price for this model';

export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return UNKNOWN_COST;
  if (usd === 0) return '$0';
  const abs = Math.abs(usd);
  // Tiny per-call costs keep their significant digits in plain decimals ($0.0000105, never
  // 1.05e-5), rounded so float noise (0.30000000000000004) never shows.
  if (abs < 0.0001) return `$${plainDecimal(usd, 3)}`;
  if (abs < 0.01) return `$${usd.toFixed(4)}`;
  if (abs < 1) return `$${usd.toFixed(3)}`;
  if (abs < 1000) return `$${usd.toFixed(2)}`;
  return `$${Math.round(usd).toLocaleString('en-US')}`;
}

/**
 * A summed cost from the API (traces, users, sessions, metrics), which leaves out calls no
 * price covers and counts them as `unpriced`: "$0.42 + 3 unpriced" when part of it is
 * known, unknown when none of it is. Without the count (clusters), a total of exactly 0
 * may be nothing priced as well as free calls, so it shows as unknown rather than "$0".
 */
export function formatCostSum(usd: number | null | undefined, unpriced?: number, options: { compact?: boolean } = {}): string {
  if (unpriced === undefined) return usd === 0 ? UNKNOWN_COST : formatCost(usd);
  // compact (a list cell): "$0.42+", at least that much
  if (unpriced > 0) return usd ? `${formatCost(usd)}${options.compact ? '+' : ` + ${unpriced} unpriced`}` : UNKNOWN_COST;
  return formatCost(usd);
}

/** The tooltip of a summed cost that leaves unpriced calls out (none when it leaves nothing out). */
export function costSumTitle(unpriced: number | undefined, usd?: number | null): string | undefined {
  if (!unpriced) return usd === null ? UNKNOWN_COST_TITLE : undefined;
  return `${plural(unpriced, 'call')} with no price for ${unpriced === 1 ? 'its' : 'their'} model: not in this cost`;
}

/** `value` with `digits` significant digits, written without an exponent, trailing zeros dropped. */
export function plainDecimal(value: number, digits: number): string {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  const decimals = Math.min(100, Math.max(0, digits - 1 - Math.floor(Math.log10(Math.abs(value)))));
  const fixed = value.toFixed(decimals);
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return DASH;
  const abs = Math.abs(n);
  if (abs < 1000) return String(Math.round(n));
  if (abs < 10_000) return `${(n / 1000).toFixed(1)}k`;
  if (abs < 1_000_000) return `${Math.round(n / 1000)}k`;
  if (abs < 10_000_000) return `${(n / 1_000_000).toFixed(2)}M`;
  if (abs < 1_000_000_000) return `${(n / 1_000_000).toFixed(1)}M`;
  return `${(n / 1_000_000_000).toFixed(2)}B`;
}

/**
 * A count with its noun, singular for exactly one: "1 span", "2 spans", "1.2k traces".
 * `many` defaults to `one` + "s"; `format` writes the number (formatCount, abbreviated, by default).
 */
export function plural(n: number | null | undefined, one: string, many = `${one}s`, format: (n: number | null | undefined) => string = formatCount): string {
  return `${format(n)} ${n === 1 ? one : many}`;
}

export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return DASH;
  const pct = ratio * 100;
  if (pct === 0) return '0%';
  if (pct < 0.1) return '<0.1%';
  return `${pct < 10 ? pct.toFixed(1) : Math.round(pct)}%`;
}

const pad = (n: number) => String(n).padStart(2, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "14:03:12" for today, "Nov 20 14:03" otherwise (local time). */
export function formatTime(iso: string, now: Date = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const sameDay = date.toDateString() === now.toDateString();
  const hms = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  if (sameDay) return hms;
  const year = date.getFullYear() === now.getFullYear() ? '' : ` ${date.getFullYear()}`;
  return `${MONTHS[date.getMonth()]} ${date.getDate()}${year} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** Full local timestamp with milliseconds, for tooltips and detail panes. */
export function formatTimestamp(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(
    date.getSeconds(),
  )}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}

export function formatRelative(iso: string, nowMs: number = Date.now()): string {
  const ms = nowMs - new Date(iso).getTime();
  if (!Number.isFinite(ms)) return '';
  if (ms < 0) return 'just now';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ago`;
  return `${Math.floor(h / 24)}d ago`;
}

/** "28 steps · 8 llm · 11 tool" */
export function stepComposition(spanCount: number, llmCount: number, toolCount: number): string {
  const parts = [plural(spanCount, 'step')];
  if (llmCount > 0) parts.push(`${llmCount} llm`);
  if (toolCount > 0) parts.push(`${toolCount} tool`);
  return parts.join(' · ');
}

/** Collapses whitespace so a preview fits one line. */
export function oneLine(text: string | undefined | null, max = 240): string {
  if (!text) return '';
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** 1234567 → "1.2 MB" (decimal units, as file sizes are usually shown). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '—';
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = n / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/**
 * The first `limit` characters of a long text, cut after a word where one ends near the
 * limit (never inside a surrogate pair), with whether anything was left out. A text only a
 * little over the limit (less than `slack` more) is kept whole: folding would hide too little.
 */
export function foldText(text: string, limit = 2000, slack = 200): { head: string; folded: boolean } {
  if (text.length <= limit + slack) return { head: text, folded: false };
  let end = limit;
  const space = text.slice(Math.max(0, limit - 200), limit).search(/\s\S*$/);
  if (space >= 0) end = Math.max(0, limit - 200) + space;
  else if (/[\uD800-\uDBFF]/.test(text[end - 1] ?? '')) end -= 1;
  return { head: `${text.slice(0, end).trimEnd()}…`, folded: true };
}

/**
 * A preview the API cut at `limit` characters (the trace list's input and output, 300)
 * ends in "…": the text is as long as a preview gets, so there may be more. 300 is the model's
 * TRACE_PREVIEW_CHARS (a value the browser bundle does not import: the UI takes only types from
 * @spanhouse/model).
 */
export function previewWithEllipsis(text: string, limit = 300): { text: string; cut: boolean } {
  const cut = Array.from(text).length >= limit;
  return { text: cut ? `${text.trimEnd()}…` : text, cut };
}
