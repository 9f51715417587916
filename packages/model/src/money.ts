/**
 * A computed amount of USD without binary floating-point noise: 12 significant digits, far
 * below a millionth of a cent for any real cost. 21 tokens at $0.50 per million is 1.05e-5
 * (not 1.0500000000000001e-5) and a trace of 0.0035 + 0.007 costs 0.0105 (not
 * 0.010499999999999999), so API answers show what a person would write.
 */
export function roundUsd(usd: number): number {
  return Number.isFinite(usd) ? Number(usd.toPrecision(12)) : usd;
}
