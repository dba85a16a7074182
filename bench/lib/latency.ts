/** Latency samples (ms) → percentiles; reuses the project's type-7 quantiles. */
import { quantileSorted, sortedCopy } from '../../src/stats/quantile.ts';
import type { LatencySummary } from './load-spec.ts';

export function summarizeLatencies(samples: ArrayLike<number>): LatencySummary {
  const n = samples.length;
  if (n === 0) return { count: 0, mean: null, p50: null, p90: null, p99: null, max: null };
  const s = sortedCopy(samples);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += s[i] as number;
  return {
    count: n,
    mean: sum / n,
    p50: quantileSorted(s, 0.5),
    p90: quantileSorted(s, 0.9),
    p99: quantileSorted(s, 0.99),
    max: s[n - 1] as number,
  };
}

/**
 * The median of figures a bench collected (rounds, epochs, runs): the middle one, or the mean of
 * the two middle ones; NaN for none, so a table prints a gap rather than the run failing (the
 * type-7 quantiles of src/stats throw on an empty sample).
 */
export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
