/** Windows the grouped views (sessions, users, generations) read: bounded, so a page stays fast. */
export const WINDOWS = [
  { value: '1h', label: 'Last hour', ms: 3_600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
] as const;
export const DEFAULT_WINDOW = '7d';

/** The ISO start of a window ending now. */
export function windowSince(value: string | null, nowMs: number): string {
  const window = WINDOWS.find((w) => w.value === value) ?? WINDOWS.find((w) => w.value === DEFAULT_WINDOW)!;
  return new Date(nowMs - window.ms).toISOString();
}

export function WindowSelect({ value, onChange }: { value: string | null; onChange: (value: string) => void }) {
  return (
    <select className="select" aria-label="Time range" value={value ?? DEFAULT_WINDOW} onChange={(e) => onChange(e.target.value)}>
      {WINDOWS.map((w) => (
        <option key={w.value} value={w.value}>
          {w.label}
        </option>
      ))}
    </select>
  );
}
