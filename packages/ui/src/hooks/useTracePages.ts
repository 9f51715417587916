import { useRef, useState } from 'react';
import { api, buildQuery, withOptionalParams, type QueryParams } from '../api/client.ts';
import type { TraceRow } from '../api/types.ts';
import { useCursorPages } from './useCursorPages.ts';

export const PAGE_SIZE = 50;

export interface TracePages {
  traces: TraceRow[];
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

const traceKey = (t: TraceRow) => t.trace_id;

/** Cursor-paged trace list: new `params` (or a new `generation`) restart from the first page. */
export function useTracePages(params: QueryParams, generation = 0): TracePages {
  const key = buildQuery({ ...params, limit: PAGE_SIZE });
  const [ignored, setIgnored] = useState<string[]>([]);
  const ignoredRef = useRef(ignored);
  ignoredRef.current = ignored;
  const pages = useCursorPages(
    `${key}#${generation}`,
    async (cursor, signal) => {
      if (cursor === null) {
        // an older server may not know every filter: it is dropped once, and said so
        const { result, dropped } = await withOptionalParams({ ...params, limit: PAGE_SIZE }, (p) => api.traces(p, signal));
        if (!signal.aborted) setIgnored(dropped);
        return result;
      }
      const next: QueryParams = { ...params, limit: PAGE_SIZE, cursor };
      for (const k of ignoredRef.current) delete next[k];
      return api.traces(next, signal);
    },
    traceKey,
  );
  return {
    traces: pages.rows,
    hasMore: pages.hasMore,
    loading: pages.loading,
    loadingMore: pages.loadingMore,
    error: pages.error,
    loaded: pages.loaded,
    loadMore: pages.loadMore,
    ignored,
  };
}
