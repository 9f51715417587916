import { useCallback, useEffect, useRef, useState } from 'react';
import { api, buildQuery, withOptionalParams, type QueryParams } from '../api/client.ts';
import type { TraceSummary } from '../api/types.ts';

export const PAGE_SIZE = 50;

export interface TracePages {
  traces: TraceSummary[];
  hasMore: boolean;
  /** True while the first page for the current filters loads (old rows stay visible). */
  loading: boolean;
  loadingMore: boolean;
  error: unknown;
  /** Set once the first page for the current filters has arrived. */
  loaded: boolean;
  loadMore: () => void;
  /** Filters the server does not support yet and ignored (e.g. full-text `q`). */
  ignored: string[];
}

/** Cursor-paged trace list: a new `params` restarts from the first page. */
export function useTracePages(params: QueryParams, generation = 0): TracePages {
  const key = buildQuery({ ...params, limit: PAGE_SIZE });
  const [traces, setTraces] = useState<TraceSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [loaded, setLoaded] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>();
  const [ignored, setIgnored] = useState<string[]>([]);
  const paramsRef = useRef(params);
  paramsRef.current = params;
  const moreController = useRef<AbortController | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    moreController.current?.abort();
    setLoading(true);
    setLoadingMore(false);
    withOptionalParams({ ...paramsRef.current, limit: PAGE_SIZE }, (p) => api.traces(p, controller.signal)).then(
      ({ result: page, dropped }) => {
        if (controller.signal.aborted) return;
        setIgnored(dropped);
        setTraces(page.data ?? []);
        setCursor(page.next_cursor ?? null);
        setError(undefined);
        setLoading(false);
        setLoaded(true);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setTraces([]);
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
    moreController.current = controller;
    setLoadingMore(true);
    const params: QueryParams = { ...paramsRef.current, limit: PAGE_SIZE, cursor };
    for (const key of ignored) delete params[key];
    api.traces(params, controller.signal).then(
      (page) => {
        if (controller.signal.aborted) return;
        setTraces((prev) => {
          // The cursor is exclusive, but de-duplicate in case new traces shifted the page.
          const seen = new Set(prev.map((t) => t.trace_id));
          return [...prev, ...(page.data ?? []).filter((t) => !seen.has(t.trace_id))];
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
  }, [cursor, loading, loadingMore, ignored]);

  return { traces, hasMore: cursor !== null, loading, loadingMore, error, loaded, loadMore, ignored };
}
