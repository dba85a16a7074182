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
  const out = x instanceof Float64Array ? x.slice() : Float64Array.from(x as ArrayLike<number>);
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

/**
 * Unbiased sample variance (two-pass, shifted by the first value); NaN for n < 2. The shift
 * makes a constant sample's variance exactly 0 (sum/n need not reproduce the value itself).
 */
export function variance(x: Sample): number {
  const n = x.length;
  if (n < 2) return NaN;
  const k = x[0] as number;
  let t = 0;
  for (let i = 0; i < n; i++) t += (x[i] as number) - k;
  const m = t / n;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = (x[i] as number) - k - m;
    s += d * d;
  }
  return s / (n - 1);
}

/** Above this many values select first narrows the range by selecting in a sample of it. */
const SAMPLE_SELECT_MIN = 600;

/**
 * Rearranges a[left..right] so that a[k] holds its k-th smallest value: Floyd and Rivest's
 * SELECT (1975). A range larger than SAMPLE_SELECT_MIN first selects k within a window around k
 * of about n^(2/3) values, sized so that its k-th value lands, with high probability, just
 * above or below the range's: partitioning around it then leaves a few hundred values instead
 * of half the range, ≈ n + min(k, n − k) comparisons in all instead of quickselect's ≈ 2n or
 * more (bootstrap replicates are in random order, which the window relies on for its speed,
 * not for its result). Hand-written for Float64Array without a comparator callback.
 */
function select(a: Float64Array, k: number, left: number, right: number): void {
  while (right > left) {
    const size = right - left + 1;
    if (size > SAMPLE_SELECT_MIN) {
      const rank = k - left + 1;
      const z = Math.log(size);
      const sample = 0.5 * Math.exp((2 * z) / 3);
      const spread = 0.5 * Math.sqrt((z * sample * (size - sample)) / size) * (rank < size / 2 ? -1 : 1);
      const from = Math.max(left, Math.floor(k - (rank * sample) / size + spread));
      const to = Math.min(right, Math.floor(k + ((size - rank) * sample) / size + spread));
      select(a, k, from, to);
    }
    // partition a[left..right] around t = a[k], with t kept at an end
    const t = a[k] as number;
    let i = left;
    let j = right;
    swap(a, left, k);
    if ((a[right] as number) > t) swap(a, left, right);
    while (i < j) {
      swap(a, i, j);
      i++;
      j--;
      while ((a[i] as number) < t) i++;
      while ((a[j] as number) > t) j--;
    }
    if (a[left] === t) swap(a, left, j);
    else {
      j++;
      swap(a, j, right);
    }
    // a[j] = t now: everything left of it is ≤ t, everything right ≥ t
    if (j <= k) left = j + 1;
    if (k <= j) right = j - 1;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i] as number;
  a[i] = a[j] as number;
  a[j] = t;
}

/** Swaps the least of a[left..right] into a[left]. */
function moveMinTo(a: Float64Array, left: number, right: number): void {
  let at = left;
  for (let i = left + 1; i <= right; i++) if ((a[i] as number) < (a[at] as number)) at = i;
  swap(a, left, at);
}

/** Swaps the greatest of a[left..right] into a[right]. */
function moveMaxTo(a: Float64Array, left: number, right: number): void {
  let at = right;
  for (let i = left; i < right; i++) if ((a[i] as number) > (a[at] as number)) at = i;
  swap(a, right, at);
}

/**
 * Type-7 quantiles of an unsorted sample without sorting it: quickselect of the (at most two per
 * level) order statistics needed, O(n) instead of O(n log n). Used for bootstrap percentiles.
 * No NaN allowed (±Infinity is fine). With `inPlace` the input is reordered instead of copied.
 */
export function quantilesUnsorted(x: Float64Array, ps: readonly number[], inPlace = false): number[] {
  const n = x.length;
  if (n === 0) throw new StatsError('quantile of an empty sample');
  const a = inPlace ? x : x.slice();
  const want = new Set<number>();
  for (const p of ps) {
    if (!(p >= 0 && p <= 1)) throw new StatsError(`quantile level must be in [0, 1], got ${p}`);
    const h = Math.floor((n - 1) * p);
    want.add(h);
    if (h + 1 < n) want.add(h + 1);
  }
  const ks = [...want].sort((u, v) => u - v);
  let left = 0;
  for (let i = 0; i < ks.length; i++) {
    const k = ks[i] as number;
    if (ks[i + 1] === k + 1 && k + 1 < n) {
      // Two adjacent order statistics (a type-7 quantile between them): select one, then the
      // other is the extreme of the shorter side next to it — a scan of ~50 values for a 2.5 %
      // bootstrap percentile of 2,000 instead of the other ~1,950.
      if (k - left <= n - 1 - (k + 1)) {
        select(a, k + 1, left, n - 1);
        moveMaxTo(a, left, k);
      } else {
        select(a, k, left, n - 1);
        moveMinTo(a, k + 1, n - 1);
      }
      left = k + 2;
      i++;
      continue;
    }
    // Right after order statistic k − 1 is in place, the k-th is the least value to its right:
    // a scan without swaps instead of another quickselect pass.
    if (k === left && k > 0) moveMinTo(a, k, n - 1);
    else select(a, k, left, n - 1);
    left = k + 1;
  }
  const view = { length: n } as Record<number, number> & { length: number };
  for (const k of want) view[k] = a[k] as number;
  return ps.map((p) => quantileSorted(view, p));
}
