export interface SortState {
  sort: string;
  order: 'asc' | 'desc';
}

/** A column header that sorts by `sortKey`: a first click sorts descending, the next flips. */
export function SortHeader({ label, sortKey, state, onSort, className }: { label: string; sortKey: string; state: SortState; onSort: (next: SortState) => void; className?: string }) {
  const active = state.sort === sortKey;
  return (
    <button
      type="button"
      className={`sort-head ${active ? 'on' : ''} ${className ?? ''}`}
      data-sort={sortKey}
      title={`Sort by ${label.toLowerCase()}`}
      onClick={() => onSort({ sort: sortKey, order: active && state.order === 'desc' ? 'asc' : 'desc' })}
    >
      {label}
      <span className="sort-arrow" aria-hidden="true">{active ? (state.order === 'desc' ? '↓' : '↑') : ''}</span>
    </button>
  );
}
