/** Descriptive summary of one sample: n, median with its exact CI, mean, p95, min/max, fences. */
import { medianCiRanks } from './order-stat-ci.ts';
import { mean, medianSorted, quantileSorted } from './quantile.ts';
import { tukeyFences, type Fences } from './tukey.ts';

export interface MedianInterval {
  /** null when n is too small for an interval at this confidence (unbounded). */
  lo: number | null;
  hi: number | null;
  unbounded: boolean;
  /** Exact coverage of the chosen order statistics, or null when unbounded. */
  coverage: number | null;
  /** 1-based ranks of the interval's ends. */
  ranks: [number, number] | null;
}

export interface SampleSummary {
  n: number;
  median: number;
  medianCi: MedianInterval;
  mean: number;
  p95: number;
  min: number;
  max: number;
  fences: Fences;
}

/** Summary of an ascending sample with n ≥ 1. */
export function summarizeSorted(sorted: Float64Array, confidence = 0.95): SampleSummary {
  const n = sorted.length;
  const r = medianCiRanks(n, confidence);
  const medianCi: MedianInterval = r
    ? { lo: sorted[r.lo - 1] as number, hi: sorted[r.hi - 1] as number, unbounded: false, coverage: r.coverage, ranks: [r.lo, r.hi] }
    : { lo: null, hi: null, unbounded: true, coverage: null, ranks: null };
  return {
    n,
    median: medianSorted(sorted),
    medianCi,
    mean: mean(sorted),
    p95: quantileSorted(sorted, 0.95),
    min: sorted[0] as number,
    max: sorted[n - 1] as number,
    fences: tukeyFences(sorted),
  };
}
