import { useEffect, useState } from 'react';
import { api } from '../api/client.ts';
import { chooseRange } from '../lib/filters.ts';

/** One look per page load at the newest trace (shared by every view that needs it). */
let newest: Promise<string | undefined> | null = null;

/** The default time range for this store's data (null until known, or when `enabled` is false). */
export function useAutoRange(enabled: boolean): string | null {
  const [range, setRange] = useState<string | null>(null);
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    newest ??= api.traces({ limit: 1 }).then(
      (page) => page.data[0]?.start_time,
      () => undefined,
    );
    void newest.then((time) => {
      // an empty store is asked again next time (the demo may have been loaded since)
      if (time === undefined) newest = null;
      if (live) setRange(chooseRange(time, Date.now()));
    });
    return () => {
      live = false;
    };
  }, [enabled]);
  return enabled ? range : null;
}
