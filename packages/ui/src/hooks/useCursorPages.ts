import { useCallback, useEffect, useRef, useState } from 'react';
import type { ListPage } from '../api/types.ts';

export interface CursorPages<T> {
  rows: T[];
  hasMore: boolean;
  /** True while the first page for the current key loads (old rows stay visible). */
  loading: boolean;
  /** Set once the first page for the current key has arrived (or failed). */
  loaded: boolean;
  loadingMore: boolean;
  error: unknown;
  loadMore: () => void;
  reload: () => void;
}

/**
 * A cursor-paged list (traces, sessions, users, generations, dataset items): a new `key`
 * restarts from the first page; `loadMore` appends the next one, leaving out rows already
 * shown when `rowKey` is given (new rows may shift a page).
 */
export function useCursorPages<T>(
  key: string | null,
  fetchPage: (cursor: string | null, signal: AbortSignal) => Promise<ListPage<T>>,
  rowKey?: (row: T) => string,
): CursorPages<T> {
  const [rows, setRows] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(key !== null);
  const [loaded, setLoaded] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>();
  const [generation, setGeneration] = useState(0);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;
  const more = useRef<AbortController | null>(null);

  useEffect(() => {
    if (key === null) return;
    const controller = new AbortController();
    more.current?.abort();
    setLoading(true);
    setLoadingMore(false);
    fetchRef.current(null, controller.signal).then(
      (page) => {
        if (controller.signal.aborted) return;
        setRows(page.data ?? []);
        setCursor(page.next_cursor ?? null);
        setError(undefined);
        setLoading(false);
        setLoaded(true);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setRows([]);
        setCursor(null);
        setError(err);
        setLoading(false);
        setLoaded(true);
      },
    );
    return () => controller.abort();
  }, [key, generation]);

  const loadMore = useCallback(() => {
    if (!cursor || loading || loadingMore) return;
    const controller = new AbortController();
    more.current = controller;
    setLoadingMore(true);
    fetchRef.current(cursor, controller.signal).then(
      (page) => {
        if (controller.signal.aborted) return;
        setRows((prev) => {
          const seen = rowKey ? new Set(prev.map(rowKey)) : null;
          return [...prev, ...(page.data ?? []).filter((row) => !seen?.has(rowKey!(row)))];
        });
        setCursor(page.next_cursor ?? null);
        setLoadingMore(false);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setError(err);
        setLoadingMore(false);
      },
    );
  }, [cursor, loading, loadingMore, rowKey]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { rows, hasMore: cursor !== null, loading, loaded, loadingMore, error, loadMore, reload };
}
