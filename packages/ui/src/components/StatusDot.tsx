import type { TraceStatus } from '../api/types.ts';

const LABELS: Record<string, string> = { success: 'Success', error: 'Error', timeout: 'Timeout' };

export function StatusDot({ status }: { status: TraceStatus | string }) {
  return <span className={`dot ${status}`} title={LABELS[status] ?? status} aria-label={LABELS[status] ?? status} role="img" />;
}

export function StatusBadge({ status }: { status: TraceStatus | string }) {
  return (
    <span className={`badge ${status}`}>
      <span className={`dot ${status}`} />
      {LABELS[status] ?? status}
    </span>
  );
}
