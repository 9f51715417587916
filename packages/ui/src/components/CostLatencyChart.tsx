import { useMemo } from 'react';
import uPlot from 'uplot';
import type { TraceFilters } from '../lib/filters.ts';
import { lineSeries, timeAxis, valueAxis, formatValue } from '../lib/chart.ts';
import { BUCKET_SECONDS, sumRows, totalsByBucket, windowPercentiles } from '../lib/metrics.ts';
import { costSumTitle, formatCostSum, formatDuration, plural } from '../lib/format.ts';
import { useMetrics } from '../hooks/useMetrics.ts';
import { UPlotChart, type ChartOptions } from './UPlotChart.tsx';
import { ErrorNotice } from './Notice.tsx';

const bars = uPlot.paths.bars?.({ size: [0.7, 40], gap: 1 });

/** Cost per bucket (bars) with p50/p90 latency (lines), for the trace list's filters. */
export function CostLatencyChart({ filters, nowMs }: { filters: TraceFilters; nowMs: number }) {
  const metrics = useMetrics(filters, nowMs);
  const rows = metrics.rows;

  // half a bucket of room at each end, so the first and last bars are drawn whole
  const half = BUCKET_SECONDS[metrics.bucket] / 2;
  const options = useMemo<ChartOptions>(
    () => ({
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      scales: { x: { time: true, range: (_u, min, max) => [min - half, max + half] }, cost: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] }, ms: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1000] } },
      axes: [timeAxis(), valueAxis('cost', 'cost', 3), valueAxis('duration', 'ms', 1)],
      series: [
        {},
        { label: 'Cost', scale: 'cost', fill: 'rgba(79,70,229,0.22)', stroke: 'rgba(79,70,229,0.75)', width: 1, paths: bars, points: { show: false }, value: (_u, v) => formatValue('cost', v) },
        lineSeries('p50 latency', '#0891b2', 'duration', 'ms'),
        lineSeries('p90 latency', '#d97706', 'duration', 'ms'),
        lineSeries('Calls', '#64748b', 'count', 'count', { show: false }),
      ],
    }),
    [half],
  );

  const chart = useMemo(() => {
    if (!rows) return null;
    const { xs, totals } = totalsByBucket(rows, metrics.grid);
    const data: uPlot.AlignedData = [
      xs,
      // unknown, not $0, where every call of the bucket was unpriced
      totals.map((t) => (t.unpriced > 0 && !t.cost ? null : t.hasCost ? t.cost : t.count > 0 ? 0 : null)),
      totals.map((t) => t.p50),
      totals.map((t) => t.p90),
      totals.map((t) => t.count),
    ];
    return { data, total: sumRows(rows), latency: windowPercentiles(rows) };
  }, [rows, metrics.grid]);

  return (
    <section className="panel chart-panel" aria-label="Cost and latency over time">
      <div className="panel-head">
        <h2>Cost &amp; latency</h2>
        <span className="faint">per {metrics.bucket}</span>
        {chart && (
          <span className="legend-note muted">
            <span title={costSumTitle(chart.total.unpriced)}>{formatCostSum(chart.total.hasCost ? chart.total.cost : null, chart.total.unpriced)}</span> · {plural(chart.total.count, 'call')} · {chart.latency.exact ? 'p90' : `highest p90 per ${metrics.bucket}`} {formatDuration(chart.latency.p90)}
          </span>
        )}
      </div>
      <div className="chart-box">
        {metrics.error !== undefined && !rows ? (
          <ErrorNotice
            small
            error={metrics.error}
            missing="The cost/latency chart needs /api/metrics, which this server does not offer yet. The trace list below works without it."
          />
        ) : chart ? (
          <UPlotChart options={options} data={chart.data} height={150} />
        ) : (
          <div className="chart-empty" style={{ height: 150 }}>
            Loading chart…
          </div>
        )}
      </div>
    </section>
  );
}
