// The benchmarks' one percentile: nearest rank, so with 2000 samples p99 is the 21st largest
// and p99.9 the 3rd (a reported p99 is a value that was measured, never an interpolation).

/** The p-th percentile (0-100) of `samples` by nearest rank; NaN when there are none. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
