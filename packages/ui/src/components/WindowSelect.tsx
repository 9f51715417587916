import { useEffect } from 'react';
import { TIME_RANGES } from '../lib/filters.ts';

/**
 * Windows the grouped views (sessions, users, generations) read: the Traces presets, so a
 * `range` copied from a Traces link means the same here (`all` reads from 1970: these APIs
 * take any `since`, and default to 7 days without one). No custom range.
 */
export const WINDOWS = TIME_RANGES.filter((r) => r.value !== 'custom');
export const DEFAULT_WINDOW = '7d';

/** The window a `range` value stands for: itself when it is a known preset, else the default. */
export const knownWindow = (value: string | null): string => (WINDOWS.some((w) => w.value === value) ? value! : DEFAULT_WINDOW);

/** The ISO start of a window ending now (`all`: the start of the store's time). */
export function windowSince(value: string | null, nowMs: number): string {
  const window = WINDOWS.find((w) => w.value === knownWindow(value))!;
  return new Date(window.ms === null ? 0 : nowMs - window.ms).toISOString();
}

/** The select shows the window the page loads; an unknown `range` in the URL is rewritten to the default. */
export function WindowSelect({ value, onChange }: { value: string | null; onChange: (value: string) => void }) {
  const shown = knownWindow(value);
  useEffect(() => {
    if (value !== null && value !== shown) onChange(shown);
  }, [value, shown, onChange]);
  return (
    <select className="select" aria-label="Time range" value={shown} onChange={(e) => onChange(e.target.value)}>
      {WINDOWS.map((w) => (
        <option key={w.value} value={w.value}>
          {w.label}
        </option>
      ))}
    </select>
  );
}
