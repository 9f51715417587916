import { useCallback, useMemo } from 'react';
import { useLocation, useSearch } from 'wouter';
import { isFilterParam, parseFilters, serializeFilters, type TraceFilters } from '../lib/filters.ts';
import { useAutoRange } from './useAutoRange.ts';

export interface UrlFilters {
  filters: TraceFilters;
  /** Page-specific params other than the filters (e.g. group_by). */
  extra: URLSearchParams;
  setFilters: (patch: Partial<TraceFilters>, options?: { replace?: boolean }) => void;
  setExtra: (key: string, value: string) => void;
  /** The query string for the current filters, to carry them to another page. */
  query: string;
}

/** Trace filters read from and written to the URL query string of the current page. */
export function useUrlFilters(): UrlFilters {
  const search = useSearch();
  const [location, navigate] = useLocation();
  // A URL without a range gets one from the data (the newest trace), once it is known.
  const explicit = useMemo(() => ['range', 'since', 'until'].some((k) => new URLSearchParams(search).has(k)), [search]);
  const auto = useAutoRange(!explicit);
  const filters = useMemo(() => {
    const parsed = parseFilters(search);
    return explicit || !auto ? parsed : { ...parsed, range: auto };
  }, [search, explicit, auto]);
  const extra = useMemo(() => {
    const params = new URLSearchParams(search);
    for (const key of [...params.keys()]) if (isFilterParam(key)) params.delete(key);
    return params;
  }, [search]);

  const go = useCallback(
    (next: TraceFilters, nextExtra: URLSearchParams, replace: boolean) => {
      const query = serializeFilters(next, Object.fromEntries(nextExtra));
      navigate(query ? `${location}?${query}` : location, { replace });
    },
    [location, navigate],
  );

  const setFilters = useCallback(
    (patch: Partial<TraceFilters>, options?: { replace?: boolean }) => go({ ...filters, ...patch }, extra, options?.replace ?? false),
    [filters, extra, go],
  );
  const setExtra = useCallback(
    (key: string, value: string) => {
      const next = new URLSearchParams(extra);
      if (value) next.set(key, value);
      else next.delete(key);
      go(filters, next, false);
    },
    [filters, extra, go],
  );
  const query = useMemo(() => serializeFilters(filters), [filters]);
  return { filters, extra, setFilters, setExtra, query };
}
