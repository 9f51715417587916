import { useMemo } from 'react';
import { api, buildQuery, withOptionalParams, type QueryParams } from '../api/client.ts';
import type { MetricRow } from '../api/types.ts';
import { bucketFor, rangeMs, resolveTimeWindow, toApiParams, type TraceFilters } from '../lib/filters.ts';
import { bucketGrid } from '../lib/metrics.ts';
import { useApi } from './useApi.ts';

export interface MetricsView {
  rows: MetricRow[] | undefined;
  error: unknown;
  loading: boolean;
  /** Filters the server does not support yet and ignored. */
  dropped: string[];
  /** The bucket width for the range (with `whole`, the request asks for one bucket instead). */
  bucket: 'minute' | 'hour' | 'day';
  /** Every bucket of the window, so empty periods still show. */
  grid: number[];
}

/**
 * /api/metrics for the same filters as the trace list, with a bucket width that suits the range;
 * `whole`: the window as one bucket (its totals and exact percentiles, per group if grouped).
 */
export function useMetrics(filters: TraceFilters, nowMs: number, groupBy?: 'model' | 'provider', whole = false): MetricsView {
  const { params, bucket, grid } = useMemo(() => {
    const bucket = bucketFor(rangeMs(filters, nowMs));
    const params: QueryParams = { ...toApiParams(filters, nowMs), bucket: whole ? 'window' : bucket, group_by: groupBy };
    const window = resolveTimeWindow(filters, nowMs);
    const since = window.since ? Date.parse(window.since) : undefined;
    const until = window.until ? Date.parse(window.until) : nowMs;
    return { params, bucket, grid: whole ? [] : bucketGrid(since, until, bucket) };
  }, [filters, nowMs, groupBy, whole]);
  const state = useApi(`metrics${buildQuery(params)}`, (signal) => withOptionalParams(params, (p) => api.metrics(p, signal)));
  return { rows: state.data?.result.data, dropped: state.data?.dropped ?? [], error: state.error, loading: state.loading, bucket, grid };
}
