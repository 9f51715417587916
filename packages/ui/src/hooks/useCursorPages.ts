import { useCallback, useEffect, useRef, useState } from 'react';
import type { ListPage } from '../api/types.ts';

export interface CursorPages<T> {
  rows: T[];
  hasMore: boolean;
  loading: boolean;
  loadingMore: boolean;
  error: unknown;
  loadMore: () => void;
  reload: () => void;
}

/**
 * A cursor-paged list (sessions, users, generations, dataset items): a new `key` restarts
 * from the first page; `loadMore` appends the next one.
 */
export function useCursorPages<T>(key: string | null, fetchPage: (cursor: string | null, signal: AbortSignal) => Promise<ListPage<T>>): CursorPages<T> {
  const [rows, setRows] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(key !== null);
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
        setRows(page.data);
        setCursor(page.next_cursor);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setRows([]);
        setCursor(null);
        setError(err);
        setLoading(false);
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
        setRows((prev) => [...prev, ...page.data]);
        setCursor(page.next_cursor);
        setLoadingMore(false);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setError(err);
        setLoadingMore(false);
      },
    );
  }, [cursor, loading, loadingMore]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { rows, hasMore: cursor !== null, loading, loadingMore, error, loadMore, reload };
}
