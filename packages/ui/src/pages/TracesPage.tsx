import { useEffect, useMemo, useRef, useState } from 'react';
import { api } from '../api/client.ts';
import { useApi } from '../hooks/useApi.ts';
import { useTracePages } from '../hooks/useTracePages.ts';
import { useUrlFilters } from '../hooks/useUrlFilters.ts';
import { activeFilterCount, filterProblem, listParams, toApiParams, DEFAULT_RANGE } from '../lib/filters.ts';
import { buildQuery } from '../api/client.ts';
import { useKnownValues } from '../hooks/useKnownValues.ts';
import type { SortState } from '../components/SortHeader.tsx';
import { CostLatencyChart } from '../components/CostLatencyChart.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { FilterBar } from '../components/FilterBar.tsx';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { TraceList } from '../components/TraceList.tsx';
import { CopyButton } from '../components/CopyButton.tsx';
import { IgnoredFilters } from '../components/IgnoredFilters.tsx';

export function TracesPage() {
  const { filters, setFilters, query } = useUrlFilters();
  const [tick, setTick] = useState(0);
  // "Now" is fixed per filter change or refresh, so relative ranges don't drift mid-scroll.
  const nowMs = useMemo(() => Date.now(), [query, tick]);
  const params = useMemo(() => listParams(filters, nowMs), [filters, nowMs]);
  const pages = useTracePages(params, tick);
  const countKey = buildQuery(toApiParams(filters, nowMs));
  const total = useApi(`count${countKey}-${tick}`, (signal) => api.traceCount(toApiParams(filters, nowMs), signal));
  const sort: SortState = { sort: filters.sort || 'time', order: filters.order === 'asc' ? 'asc' : 'desc' };
  const knownModels = useKnownValues('model');
  const knownServices = useKnownValues('service');
  const knownNames = useKnownValues('name');
  const filtered = activeFilterCount(filters) > 0 || filters.range !== DEFAULT_RANGE;

  // One error for the view: a filter the browser can tell is wrong, else the list's failure.
  // Neither the chart (same filters) nor a "0 traces" count is shown beside it.
  const problem = filterProblem(filters);
  const failure: unknown = problem !== null ? new Error(problem) : pages.error !== undefined && pages.traces.length === 0 ? pages.error : undefined;

  // With nothing on screen, ask once whether the store is empty at all (new install).
  const noResults = pages.loaded && !pages.loading && pages.traces.length === 0 && pages.error === undefined;
  const anyTrace = useApi(noResults ? `any-trace-${tick}` : null, (signal) => api.traces({ limit: 1 }, signal));
  const isNewInstall = noResults && anyTrace.data !== undefined && anyTrace.data.data.length === 0;

  // POST /api/demo answers once the sample traces are stored: look at once, and again a little
  // later in case a collector behind a queue stores them asynchronously.
  const timers = useRef<ReturnType<typeof setTimeout>[]>([]);
  useEffect(() => () => timers.current.forEach(clearTimeout), []);
  const refreshSoon = () => {
    for (const delay of [0, 1500, 4000]) timers.current.push(setTimeout(() => setTick((t) => t + 1), delay));
  };

  // known values from the server (last 7 days), plus what the loaded rows show
  const suggestions = useMemo(() => {
    const models = new Set<string>(knownModels);
    const services = new Set<string>(knownServices);
    for (const t of pages.traces) {
      t.models?.forEach((m) => models.add(m));
      t.services?.forEach((s) => services.add(s));
    }
    return { models: [...models].sort(), services: [...services].sort(), names: knownNames };
  }, [pages.traces, knownModels, knownServices, knownNames]);

  if (isNewInstall) {
    return (
      <main className="page scroll">
        <EmptyState onLoaded={refreshSoon} />
      </main>
    );
  }

  return (
    <main className="page">
      <FilterBar
        filters={filters}
        onChange={setFilters}
        suggestions={suggestions}
        right={
          <>
            <CopyButton text={() => window.location.href} label="Share" done="Link to this view copied" title="Copy a link to this filtered view" className="btn" />
            <button type="button" className="btn" onClick={() => setTick((t) => t + 1)} title="Reload with the current time">
              Refresh
            </button>
          </>
        }
      />
      <IgnoredFilters keys={pages.ignored} />
      {failure === undefined && <CostLatencyChart filters={filters} nowMs={nowMs} />}
      {failure !== undefined ? (
        <ErrorNotice error={failure} />
      ) : noResults ? (
        <Notice kind="plain">
          No traces match {filtered ? 'these filters' : 'this time range'}.{' '}
          {filters.range !== 'all' && (
            <button type="button" className="btn small" onClick={() => setFilters({ range: 'all', since: '', until: '' })}>
              Search all time
            </button>
          )}
        </Notice>
      ) : null}
      {failure === undefined && (
        <TraceList
          pages={pages}
          nowMs={nowMs}
          sort={sort}
          onSort={(next) => setFilters({ sort: next.sort === 'time' ? '' : next.sort, order: next.order === 'desc' ? '' : next.order }, { replace: true })}
          total={total.data?.count}
          resetKey={buildQuery(params)}
        />
      )}
    </main>
  );
}
