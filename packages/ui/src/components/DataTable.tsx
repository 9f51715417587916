import type { ReactNode } from 'react';
import type { CursorPages } from '../hooks/useCursorPages.ts';
import { plural } from '../lib/format.ts';
import { LoadMore } from './LoadMore.tsx';
import { ErrorNotice } from './Notice.tsx';
import { SortHeader, type SortState } from './SortHeader.tsx';

export interface Column<T> {
  key: string;
  label: string;
  /** The API's sort key for this column (sortable when set). */
  sort?: string;
  num?: boolean;
  render: (row: T) => ReactNode;
}

/**
 * A table over a cursor-paged list: sortable headers (the API sorts), a count of the rows
 * loaded and a "Load more" button. Cells render through React, so text stays text.
 */
export function DataTable<T>({
  label,
  columns,
  pages,
  rowKey,
  sort,
  onSort,
  noun,
  empty,
  rowProps,
}: {
  label: string;
  columns: Column<T>[];
  pages: CursorPages<T>;
  rowKey: (row: T) => string;
  sort: SortState;
  onSort: (next: SortState) => void;
  noun: [string, string];
  empty: ReactNode;
  rowProps?: (row: T) => Record<string, string | undefined>;
}) {
  const { rows, loading, loadingMore, hasMore, loadMore, error } = pages;
  return (
    <section className="panel list-panel" aria-label={label}>
      {loading ? <div className="loading-bar" /> : <div style={{ height: 2 }} />}
      <div className="list-scroll">
        <table className="table data-table">
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c.key} className={c.num ? 'num' : undefined} aria-sort={c.sort && sort.sort === c.sort ? (sort.order === 'asc' ? 'ascending' : 'descending') : undefined}>
                  {c.sort ? <SortHeader label={c.label} sortKey={c.sort} state={sort} onSort={onSort} /> : c.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={rowKey(row)} {...(rowProps?.(row) ?? {})}>
                {columns.map((c) => (
                  <td key={c.key} className={c.num ? 'num' : undefined}>
                    {c.render(row)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        {!loading && rows.length === 0 && error === undefined && <div className="panel-body faint">{empty}</div>}
        {error !== undefined && <ErrorNotice error={error} />}
      </div>
      <div className="list-foot">
        <span>
          {plural(rows.length, noun[0], noun[1])} loaded
        </span>
        <LoadMore hasMore={hasMore} loadingMore={loadingMore} loadMore={loadMore} />
      </div>
    </section>
  );
}
