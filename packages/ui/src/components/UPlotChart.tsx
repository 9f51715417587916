import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export type ChartOptions = Omit<uPlot.Options, 'width' | 'height'>;

/** The last x index where a shown series has a value (null for an empty chart). */
export function latestIndex(data: uPlot.AlignedData, shown: (series: number) => boolean = () => true): number | null {
  for (let i = (data[0]?.length ?? 0) - 1; i >= 0; i--) {
    for (let s = 1; s < data.length; s++) if (shown(s) && data[s][i] !== null && data[s][i] !== undefined && data[s][i] !== 0) return i;
  }
  return null;
}

/**
 * A uPlot chart that fills its container's width. Pass memoised `options`: a new
 * options object rebuilds the chart, new `data` only redraws it.
 */
export function UPlotChart({ options, data, height }: { options: ChartOptions; data: uPlot.AlignedData; height: number }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latestData = useRef(data);
  latestData.current = data;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    // Without a hover the legend shows the latest bucket's values (not blanks), so the
    // numbers are readable at a glance; hovering shows the bucket under the cursor.
    const showLatest = (u: uPlot) => {
      if (u.cursor.idx !== null && u.cursor.idx !== undefined) return;
      const idx = latestIndex(u.data, (s) => u.series[s]?.show !== false);
      if (idx !== null && u.legend.idx !== idx) u.setLegend({ idx }, false);
    };
    const hooks = { ...options.hooks, ready: [...(options.hooks?.ready ?? []), showLatest], setData: [...(options.hooks?.setData ?? []), showLatest], setCursor: [...(options.hooks?.setCursor ?? []), showLatest] };
    const chart = new uPlot({ ...options, hooks, width: Math.max(el.clientWidth, 200), height }, latestData.current, el);
    plot.current = chart;
    const observer = new ResizeObserver(() => {
      const width = Math.max(el.clientWidth, 200);
      if (width !== chart.width) chart.setSize({ width, height });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [options, height]);

  useEffect(() => {
    if (plot.current && plot.current.data !== data) plot.current.setData(data);
  }, [data]);

  return <div ref={box} className="uplot-host" />;
}
