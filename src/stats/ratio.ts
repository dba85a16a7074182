/**
 * Ratio of medians (condition / baseline) with a percentile bootstrap on the log ratio.
 * Independent arms are resampled independently, each from its own seeded stream (so swapping
 * arms exactly inverts the interval); paired arms are resampled by pair.
 */
import { bootstrapPositions, mediansAt } from './median-bootstrap.ts';
import type { Rng } from './prng.ts';
import { medianSorted, quantilesUnsorted, sortedCopy } from './quantile.ts';

/** log(c / b) with the conventions 0/0 → 0, c/0 → +∞, 0/b → −∞ (metrics are ≥ 0). */
export function logRatio(c: number, b: number): number {
  if (b === 0) return c === 0 ? 0 : Infinity;
  if (c === 0) return -Infinity;
  // A difference of logs (not log(c / b)) so that swapping arms negates it exactly.
  return Math.log(c) - Math.log(b);
}

export interface RatioInterval {
  ratio: number;
  lo: number;
  hi: number;
}

/** Percentile interval of replicates of a log ratio, back on the ratio scale; `inPlace` lets it reorder them. */
export function percentileInterval(logReplicates: Float64Array, pointLog: number, confidence: number, inPlace = false): RatioInterval {
  const a = (1 - confidence) / 2;
  const [lo, hi] = quantilesUnsorted(logReplicates, [a, 1 - a], inPlace) as [number, number];
  return { ratio: Math.exp(pointLog), lo: Math.exp(lo), hi: Math.exp(hi) };
}

/** Replicates of log(median(cond) / median(base)) for independent arms (each sorted ascending). */
export function independentLogRatios(base: Float64Array, cond: Float64Array, resamples: number, baseRng: Rng, condRng: Rng): Float64Array {
  return logRatiosAt(base, bootstrapPositions(base.length, resamples, baseRng), cond, bootstrapPositions(cond.length, resamples, condRng));
}

/** Replicates of the log ratio of medians from pre-drawn median positions of each arm. */
export function logRatiosAt(base: Float64Array, basePos: Int32Array, cond: Float64Array, condPos: Int32Array): Float64Array {
  const mb = mediansAt(base, basePos);
  const mc = mediansAt(cond, condPos);
  for (let i = 0; i < mc.length; i++) mc[i] = logRatio(mc[i] as number, mb[i] as number);
  return mc;
}

/**
 * Logs of the bootstrap medians of an ascending, positive sample at pre-drawn positions, given
 * the logs of its values: where both positions coincide the median is a value itself, whose log
 * is already known ((x + x) / 2 = x exactly), so only split medians cost a Math.log. For
 * positive arms, logMediansAt(c) − logMediansAt(b) equals logRatiosAt to the last bit, and an
 * arm compared with several others computes its medians once.
 */
export function logMediansAt(sorted: Float64Array, logs: Float64Array, positions: Int32Array): Float64Array {
  const out = new Float64Array(positions.length / 2);
  for (let b = 0; b < out.length; b++) {
    const lo = positions[2 * b] as number;
    const hi = positions[2 * b + 1] as number;
    out[b] = lo === hi ? (logs[lo] as number) : Math.log(((sorted[lo] as number) + (sorted[hi] as number)) / 2);
  }
  return out;
}

/** Positions of a sample's values in ascending order. */
function ascendingOrder(x: Float64Array): Int32Array {
  const idx = new Int32Array(x.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx.sort((a, b) => (x[a] as number) - (x[b] as number) || a - b);
}

/** Median of the resample with the given per-index multiplicities, walking `order`. */
function weightedMedian(x: Float64Array, order: Int32Array, counts: Int32Array): number {
  const n = order.length;
  const m = n % 2 === 0 ? n / 2 : (n + 1) / 2;
  let cum = 0;
  let lower = NaN;
  for (let r = 0; r < n; r++) {
    const i = order[r] as number;
    cum += counts[i] as number;
    if (Number.isNaN(lower) && cum >= m) {
      lower = x[i] as number;
      if (n % 2 === 1) return lower;
    }
    if (cum >= m + 1) return (lower + (x[i] as number)) / 2;
  }
  return lower;
}

/** Replicates of the log ratio of medians for paired arms: pairs are resampled together. */
export function pairedLogRatios(base: Float64Array, cond: Float64Array, resamples: number, rng: Rng): Float64Array {
  const n = base.length;
  const ob = ascendingOrder(base);
  const oc = ascendingOrder(cond);
  const counts = new Int32Array(n);
  const out = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    counts.fill(0);
    for (let j = 0; j < n; j++) counts[rng.int(n)]!++;
    out[b] = logRatio(weightedMedian(cond, oc, counts), weightedMedian(base, ob, counts));
  }
  return out;
}

/** Point estimate: log of the ratio of sample medians. */
export function logMedianRatio(base: Float64Array, cond: Float64Array): number {
  return logRatio(medianSorted(sortedCopy(cond)), medianSorted(sortedCopy(base)));
}
