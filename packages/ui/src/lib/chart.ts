// Shared uPlot settings: palette, axes and value formats.
import type uPlot from 'uplot';
import { formatCost, formatCount, formatDuration, formatPercent } from './format.ts';

export const PALETTE = ['#4f46e5', '#0891b2', '#059669', '#d97706', '#db2777', '#7c3aed', '#0284c7', '#65a30d', '#dc2626', '#475569'];

export const colorAt = (i: number) => PALETTE[i % PALETTE.length];

export type ValueKind = 'cost' | 'duration' | 'count' | 'percent';

export const formatValue = (kind: ValueKind, v: number | null | undefined): string => {
  if (v === null || v === undefined) return '—';
  if (kind === 'cost') return formatCost(v);
  if (kind === 'duration') return formatDuration(v);
  if (kind === 'percent') return formatPercent(v);
  return formatCount(v);
};

const AXIS_FONT = '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

/** Whole-number tick steps (1, 2, 5, 10, 20, 50, …), so counts never show "0.5 calls" rounded to "1". */
const WHOLE_STEPS = Array.from({ length: 13 }, (_, e) => [1, 2, 5].map((m) => m * 10 ** e)).flat();

export function valueAxis(kind: ValueKind, scale = 'y', side: 0 | 1 | 2 | 3 = 3): uPlot.Axis {
  return {
    scale,
    side,
    font: AXIS_FONT,
    stroke: '#5b6472',
    size: 62,
    gap: 4,
    grid: { show: side === 3, stroke: '#eef0f3', width: 1 },
    ticks: { show: false },
    values: (_u, splits) => splits.map((v) => formatValue(kind, v)),
    ...(kind === 'count' ? { incrs: WHOLE_STEPS } : {}),
  };
}

export function timeAxis(): uPlot.Axis {
  return { font: AXIS_FONT, stroke: '#5b6472', grid: { show: false }, ticks: { stroke: '#e3e6eb', width: 1, size: 4 } };
}

export function lineSeries(label: string, color: string, kind: ValueKind, scale = 'y', extra: Partial<uPlot.Series> = {}): uPlot.Series {
  return {
    label,
    scale,
    stroke: color,
    width: 1.6,
    points: { show: false },
    spanGaps: false,
    value: (_u, v) => formatValue(kind, v),
    ...extra,
  };
}
