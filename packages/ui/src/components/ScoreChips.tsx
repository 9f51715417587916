import type { Score } from '../api/types.ts';

/** A number shown short: 0.8, 12, 0.333. */
const short = (value: Score['value']) => (typeof value === 'number' ? String(Number(value.toPrecision(3))) : String(value));

/** Scores as small "name value" chips (text nodes only). */
export function ScoreChips({ scores }: { scores: Score[] | undefined }) {
  if (!scores || scores.length === 0) return <span className="faint">—</span>;
  return (
    <span className="chips">
      {scores.map((s, i) => (
        <span key={`${s.name}-${i}`} className="chip score" title={s.comment ? `${s.name}: ${String(s.value)} (${s.comment})` : `${s.name}: ${String(s.value)}`}>
          {s.name} <strong>{short(s.value)}</strong>
        </span>
      ))}
    </span>
  );
}
