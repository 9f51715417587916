import { useMemo } from 'react';
import type uPlot from 'uplot';
import { colorAt, lineSeries, timeAxis, valueAxis, type ValueKind } from '../lib/chart.ts';
import { UPlotChart, type ChartOptions } from './UPlotChart.tsx';

/** One line per series over time, in a titled panel. */
export function LineChart({ title, kind, labels, xs, series, height = 180, colors }: {
  title: string;
  kind: ValueKind;
  labels: string[];
  xs: number[];
  series: (number | null)[][];
  height?: number;
  colors?: string[];
}) {
  const labelKey = labels.join('\u0000');
  const options = useMemo<ChartOptions>(
    () => ({
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [timeAxis(), valueAxis(kind)],
      series: [{}, ...labels.map((label, i) => lineSeries(label, colors?.[i] ?? colorAt(i), kind))],
    }),
    [labelKey, kind],
  );
  const data = useMemo(() => [xs, ...series] as uPlot.AlignedData, [xs, series]);
  return (
    <section className="panel" aria-label={title}>
      <div className="panel-head">
        <h2>{title}</h2>
      </div>
      <div className="chart-box">
        {xs.length === 0 ? (
          <div className="chart-empty" style={{ height }}>
            No data in this range
          </div>
        ) : (
          <UPlotChart options={options} data={data} height={height} />
        )}
      </div>
    </section>
  );
}
