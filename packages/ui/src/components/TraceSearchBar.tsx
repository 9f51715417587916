import { SPAN_TYPE_OPTIONS } from './TypeIcon.tsx';
import type { SpanQuery } from '../lib/trace-search.ts';
import { plural } from '../lib/format.ts';

/** Search and filter inside one trace, plus jumps to the slowest and the costliest span. */
export function TraceSearchBar({
  query,
  onChange,
  matches,
  onJumpSlowest,
  onJumpCostliest,
}: {
  query: SpanQuery;
  onChange: (next: SpanQuery) => void;
  matches: number | null;
  onJumpSlowest?: () => void;
  onJumpCostliest?: () => void;
}) {
  return (
    <div className="tree-search" role="search" aria-label="Search this trace">
      <input
        className="input"
        type="search"
        placeholder="Find span, model, tool…"
        aria-label="Find in trace"
        value={query.text}
        onChange={(e) => onChange({ ...query, text: e.target.value })}
        onKeyDown={(e) => e.key === 'Escape' && onChange({ ...query, text: '' })}
      />
      <select className="select" aria-label="Span type" value={query.type} onChange={(e) => onChange({ ...query, type: e.target.value })}>
        <option value="">All types</option>
        {SPAN_TYPE_OPTIONS.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
      <label className="check">
        <input type="checkbox" checked={query.errorsOnly} onChange={(e) => onChange({ ...query, errorsOnly: e.target.checked })} /> Errors only
      </label>
      {matches !== null && <span className="muted nowrap" aria-label="Matches">{plural(matches, 'match', 'matches')}</span>}
      <span className="grow" />
      {onJumpSlowest && (
        <button type="button" className="btn small" onClick={onJumpSlowest} title="Select the longest span below the root">
          Slowest
        </button>
      )}
      {onJumpCostliest && (
        <button type="button" className="btn small" onClick={onJumpCostliest} title="Select the span with the highest cost">
          Most expensive
        </button>
      )}
    </div>
  );
}
