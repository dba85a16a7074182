/**
 * Sample quantiles on sorted typed arrays. Hand-written because simple-statistics'
 * `quantileSorted` is not R's default (type 7) definition, which is what users compare with
 * (R, NumPy's default, Excel's PERCENTILE.INC), and because these work on subarray views
 * without copying.
 */
import { StatsError } from './errors.ts';

export type Sample = ArrayLike<number>;

/** Ascending copy as a Float64Array (numeric sort, no comparator). */
export function sortedCopy(x: Sample): Float64Array {
  const out = Float64Array.from(x as ArrayLike<number>);
  out.sort();
  return out;
}

/** Type-7 quantile of an ascending sample: x[h] interpolated at h = (n − 1)p. */
export function quantileSorted(sorted: Sample, p: number): number {
  const n = sorted.length;
  if (n === 0) throw new StatsError('quantile of an empty sample');
  if (!(p >= 0 && p <= 1)) throw new StatsError(`quantile level must be in [0, 1], got ${p}`);
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  if (lo + 1 >= n) return a;
  const b = sorted[lo + 1] as number;
  const w = h - lo;
  if (w === 0 || a === b) return a;
  // Bootstrap replicates may hold ±Infinity (a zero median); interpolation would give NaN.
  if (!Number.isFinite(a) || !Number.isFinite(b)) return w < 0.5 ? a : b;
  return a + w * (b - a);
}

export function medianSorted(sorted: Sample): number {
  return quantileSorted(sorted, 0.5);
}

export function mean(x: Sample): number {
  const n = x.length;
  if (n === 0) return NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i] as number;
  return s / n;
}

/** Unbiased sample variance (two-pass); NaN for n < 2. */
export function variance(x: Sample): number {
  const n = x.length;
  if (n < 2) return NaN;
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = (x[i] as number) - m;
    s += d * d;
  }
  return s / (n - 1);
}
