/**
 * Ratio of medians (condition / baseline) with a percentile bootstrap on the log ratio.
 * Independent arms are resampled independently, each from its own seeded stream (so swapping
 * arms exactly inverts the interval); paired arms are resampled by pair.
 */
import { bootstrapPositions, mediansAt } from './median-bootstrap.ts';
import { StatsError } from './errors.ts';
import type { Rng } from './prng.ts';
import { normalQuantile } from './special.ts';
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

/**
 * Monte Carlo standard error of an end of a percentile-bootstrap interval drawn from
 * `resamples` replicates, as a share of the interval's half-width, for a near-normal bootstrap
 * distribution: the a-quantile of B draws has standard error √(a(1 − a)/B) / φ(z), and the
 * half-width is z standard errors (a = (1 − confidence)/2, z = Φ⁻¹(1 − a)).
 */
export function percentileMonteCarloError(resamples: number, confidence: number): number {
  const a = (1 - confidence) / 2;
  const z = normalQuantile(1 - a);
  const density = Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
  return Math.sqrt((a * (1 - a)) / resamples) / density / z;
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

/** One arm of one metric, ready for weighted medians: pair indices in value order, and the values (and their logs) in that order. */
interface RankedArm {
  order: Int32Array;
  sorted: Float64Array;
  /** Logs of `sorted` when every value is positive (a median that is a value itself costs no Math.log); null otherwise. */
  logs: Float64Array | null;
}

function rankedArm(x: Float64Array): RankedArm {
  const order = ascendingOrder(x);
  const sorted = new Float64Array(x.length);
  for (let r = 0; r < order.length; r++) sorted[r] = x[order[r] as number] as number;
  return { order, sorted, logs: sorted.length && (sorted[0] as number) > 0 ? sorted.map(Math.log) : null };
}

/**
 * The log of the median of an arm's values resampled with per-pair multiplicities `counts`
 * (summing to n): the m-th smallest resampled value, averaged with the (m+1)-th for even n,
 * found by walking the arm's values in ascending order. `logOf` false returns the median itself.
 */
function weightedMedian(arm: RankedArm, counts: Int32Array, logOf: boolean): number {
  const { order, sorted } = arm;
  const n = order.length;
  // every value the same (a metric such as calls often is): so is every resample's median
  if (sorted[0] === sorted[n - 1]) return logOf && arm.logs ? (arm.logs[0] as number) : logOf ? Math.log(sorted[0] as number) : (sorted[0] as number);
  const odd = n % 2 === 1;
  const m = odd ? (n + 1) / 2 : n / 2;
  let cum = 0;
  let r = 0;
  while (cum < m) cum += counts[order[r++] as number] as number;
  const lower = r - 1; // the m-th smallest resampled value is sorted[lower]
  let upper = lower;
  if (!odd && cum < m + 1) {
    // exactly m draws at or below it: the (m+1)-th is the next value drawn at all
    while ((counts[order[r] as number] as number) === 0) r++;
    upper = r;
  }
  if (upper === lower) return logOf && arm.logs ? (arm.logs[lower] as number) : logOf ? Math.log(sorted[lower] as number) : (sorted[lower] as number);
  const median = ((sorted[lower] as number) + (sorted[upper] as number)) / 2;
  return logOf ? Math.log(median) : median;
}

/** One metric's two paired arms: base[i] and cond[i] were measured in the same block. */
export interface PairedArms {
  base: Float64Array;
  cond: Float64Array;
}

/**
 * Replicates of log(median(cond) / median(base)) for several metrics measured on the same n
 * pairs. Each replicate resamples the pairs once (n uniform draws) and every metric takes its
 * medians from that one resample, as resampling whole runs would: each metric's replicates
 * are an ordinary pair bootstrap, and the draws — most of the cost — are shared. Swapping the
 * arms negates every replicate exactly.
 */
export function pairedLogRatiosOfMetrics(metrics: readonly PairedArms[], resamples: number, rng: Rng): Float64Array[] {
  const n = metrics[0]?.base.length ?? 0;
  for (const x of metrics) {
    if (x.base.length !== n || x.cond.length !== n) throw new StatsError(`paired arms must all hold the same ${n} pairs, got ${x.base.length} and ${x.cond.length}`);
  }
  const arms = metrics.map((x) => ({ base: rankedArm(x.base), cond: rankedArm(x.cond) }));
  const out = metrics.map(() => new Float64Array(resamples));
  if (n === 0) return out;
  const counts = new Int32Array(n);
  const draws = new Int32Array(n);
  for (let b = 0; b < resamples; b++) {
    counts.fill(0);
    rng.fillInts(n, draws);
    for (let j = 0; j < n; j++) counts[draws[j] as number]!++;
    for (let k = 0; k < arms.length; k++) {
      const { base, cond } = arms[k]!;
      (out[k] as Float64Array)[b] = base.logs && cond.logs
        ? weightedMedian(cond, counts, true) - weightedMedian(base, counts, true)
        : logRatio(weightedMedian(cond, counts, false), weightedMedian(base, counts, false));
    }
  }
  return out;
}

/** Replicates of the log ratio of medians for paired arms of one metric: pairs are resampled together. */
export function pairedLogRatios(base: Float64Array, cond: Float64Array, resamples: number, rng: Rng): Float64Array {
  return pairedLogRatiosOfMetrics([{ base, cond }], resamples, rng)[0] as Float64Array;
}

/** Point estimate: log of the ratio of sample medians. */
export function logMedianRatio(base: Float64Array, cond: Float64Array): number {
  return logRatio(medianSorted(sortedCopy(cond)), medianSorted(sortedCopy(base)));
}
