import { useCallback, useMemo } from 'react';
import { useLocation, useSearch } from 'wouter';

/** A page's own query-string parameters (sort, search, …): read, and patched in place. */
export function useQueryParams(): [URLSearchParams, (patch: Record<string, string | undefined>) => void] {
  const search = useSearch();
  const [location, navigate] = useLocation();
  const params = useMemo(() => new URLSearchParams(search), [search]);
  const patch = useCallback(
    (changes: Record<string, string | undefined>) => {
      const next = new URLSearchParams(search);
      for (const [key, value] of Object.entries(changes)) {
        if (value) next.set(key, value);
        else next.delete(key);
      }
      const query = next.toString();
      navigate(query ? `${location}?${query}` : location, { replace: true });
    },
    [search, location, navigate],
  );
  return [params, patch];
}
