// The Overview's "GenAI metrics" panel: what apps send as OpenTelemetry metrics
// (gen_ai.client.token.usage, gen_ai.client.operation.duration, gen_ai.server.*) to
// /v1/metrics, summed per metric and model over the Overview's time window.
import { useMemo } from 'react';
import { api, buildQuery, type QueryParams } from '../api/client.ts';
import { useApi } from '../hooks/useApi.ts';
import { formatCount } from '../lib/format.ts';
import { formatMetricValue, summarizeOtelMetrics } from '../lib/otel-metrics.ts';
import { ErrorNotice } from './Notice.tsx';

export function GenAiMetricsPanel({ since, until, tick }: { since?: string; until?: string; tick: number }) {
  const params: QueryParams = { since, until, bucket: 'day', group_by: 'model' };
  const state = useApi(`otel-metrics${buildQuery(params)}-${tick}`, (signal) => api.otelMetrics(params, signal));
  const rows = useMemo(() => summarizeOtelMetrics(state.data?.data ?? []), [state.data]);
  return (
    <section className="panel" aria-label="GenAI metrics">
      <div className="panel-head">
        <h2>GenAI metrics</h2>
        <span className="faint">OpenTelemetry metrics sent to /v1/metrics · by model</span>
      </div>
      {state.error !== undefined ? (
        <div className="panel-body">
          <ErrorNotice small error={state.error} missing="This server does not store OpenTelemetry metrics yet." />
        </div>
      ) : rows.length === 0 ? (
        <div className="panel-body faint">
          {state.loading ? 'Loading…' : 'No GenAI metrics in this period. Apps with an OpenTelemetry MeterProvider send gen_ai.client.token.usage and gen_ai.client.operation.duration to /v1/metrics.'}
        </div>
      ) : (
        <table className="table" data-testid="genai-metrics">
          <thead>
            <tr>
              <th>Metric</th>
              <th>Model</th>
              <th className="num">Observations</th>
              <th className="num">Sum</th>
              <th className="num">Mean</th>
              <th className="num">Min</th>
              <th className="num">Max</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.name}/${r.group}`} data-metric={r.name} data-group={r.group}>
                <td className="mono" title={`${r.type}, unit ${r.unit || 'none'}`}>
                  {r.name}
                </td>
                <td>{r.group || <span className="faint">(none)</span>}</td>
                <td className="num">{r.type === 'sum' ? '—' : formatCount(r.count)}</td>
                <td className="num">{formatMetricValue(r.sum, r.unit)}</td>
                <td className="num">{formatMetricValue(r.mean, r.unit)}</td>
                <td className="num">{formatMetricValue(r.min, r.unit)}</td>
                <td className="num">{formatMetricValue(r.max, r.unit)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
