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
  /**
   * With `logs`: the log of the mean of each two neighbours in value order, log((sorted[i] +
   * sorted[i + 1]) / 2), the log of most split medians of even n, computed once instead of
   * once per replicate (the same expression, so the same value).
   */
  neighbourLogs: Float64Array | null;
}

function rankedArm(x: Float64Array): RankedArm {
  const order = ascendingOrder(x);
  const sorted = new Float64Array(x.length);
  for (let r = 0; r < order.length; r++) sorted[r] = x[order[r] as number] as number;
  const positive = sorted.length > 0 && (sorted[0] as number) > 0;
  const neighbourLogs = positive ? new Float64Array(Math.max(0, sorted.length - 1)) : null;
  if (neighbourLogs) for (let i = 0; i < neighbourLogs.length; i++) neighbourLogs[i] = Math.log(((sorted[i] as number) + (sorted[i + 1] as number)) / 2);
  return { order, sorted, logs: positive ? sorted.map(Math.log) : null, neighbourLogs };
}

/**
 * An arm's resampled median from the ranks of its m-th and (m+1)-th smallest resampled values
 * (equal for odd n), as its log when `logs` (the logs of `sorted`) is given: a median that is a
 * value itself takes its log from `logs`, one between neighbours from `neighbourLogs`, so only
 * medians split across a gap cost a Math.log.
 */
function resampledMedian(sorted: Float64Array, logs: Float64Array | null, neighbourLogs: Float64Array | null, lower: number, upper: number): number {
  if (upper === lower) return logs ? (logs[lower] as number) : (sorted[lower] as number);
  if (neighbourLogs && upper === lower + 1) return neighbourLogs[lower] as number;
  const median = ((sorted[lower] as number) + (sorted[upper] as number)) / 2;
  return logs ? Math.log(median) : median;
}

/** Whether two arms rank their pairs alike (the same pair indices in the same ascending order). */
function sameOrder(a: Int32Array, b: Int32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
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
 * are an ordinary pair bootstrap, and the draws are shared. Swapping the arms negates every
 * replicate exactly.
 *
 * An arm's resampled median is the m-th smallest resampled value (averaged with the (m+1)-th
 * for even n): found by walking the arm's pairs in ascending order of value, adding up how
 * often each was drawn, until m draws are passed. The walk — nearly all of the cost — depends
 * only on the arm's ranking of the pairs, so arms that rank them alike (metrics derived from
 * one another, such as tokens and their cost at one price) walk once per replicate and each
 * reads its own values at the ranks found: the same values, to the bit, as walking each.
 */
export function pairedLogRatiosOfMetrics(metrics: readonly PairedArms[], resamples: number, rng: Rng): Float64Array[] {
  const n = metrics[0]?.base.length ?? 0;
  for (const x of metrics) {
    if (x.base.length !== n || x.cond.length !== n) throw new StatsError(`paired arms must all hold the same ${n} pairs, got ${x.base.length} and ${x.cond.length}`);
  }
  const out = metrics.map(() => new Float64Array(resamples));
  if (n === 0) return out;
  // arm 2k is metric k's condition, 2k + 1 its baseline
  const arms = metrics.flatMap((x) => [rankedArm(x.cond), rankedArm(x.base)]);
  // the distinct rankings to walk; an arm whose values are all equal needs none (every resample's median is that value)
  const walks: Int32Array[] = [];
  const walkOf = arms.map((arm) => {
    if (arm.sorted[0] === arm.sorted[n - 1]) return -1;
    const known = walks.findIndex((order) => sameOrder(order, arm.order));
    return known >= 0 ? known : walks.push(arm.order) - 1;
  });
  const odd = n % 2 === 1;
  const m = odd ? (n + 1) / 2 : n / 2;
  const lowerRank = new Int32Array(walks.length);
  const upperRank = new Int32Array(walks.length);
  const counts = new Int32Array(n);
  const draws = new Int32Array(n);
  const sortedOf = arms.map((arm) => arm.sorted);
  const logsOf = arms.map((arm) => arm.logs);
  const neighbourLogsOf = arms.map((arm) => arm.neighbourLogs);
  const positive = metrics.map((_, k) => logsOf[2 * k] !== null && logsOf[2 * k + 1] !== null);
  for (let b = 0; b < resamples; b++) {
    counts.fill(0);
    rng.fillInts(n, draws);
    for (let j = 0; j < n; j++) counts[draws[j] as number]!++;
    for (let w = 0; w < walks.length; w++) {
      const order = walks[w] as Int32Array;
      let cum = 0;
      let r = 0;
      while (cum < m) cum += counts[order[r++] as number] as number;
      const lower = r - 1; // the m-th smallest resampled value has this rank
      let upper = lower;
      if (!odd && cum < m + 1) {
        // exactly m draws at or below it: the (m+1)-th is the next value drawn at all
        while ((counts[order[r] as number] as number) === 0) r++;
        upper = r;
      }
      lowerRank[w] = lower;
      upperRank[w] = upper;
    }
    for (let k = 0; k < metrics.length; k++) {
      const c = 2 * k;
      const cw = walkOf[c] as number;
      const bw = walkOf[c + 1] as number;
      (out[k] as Float64Array)[b] = positive[k]
        ? resampledMedian(sortedOf[c] as Float64Array, logsOf[c] as Float64Array, neighbourLogsOf[c] as Float64Array, cw < 0 ? 0 : (lowerRank[cw] as number), cw < 0 ? 0 : (upperRank[cw] as number)) -
          resampledMedian(sortedOf[c + 1] as Float64Array, logsOf[c + 1] as Float64Array, neighbourLogsOf[c + 1] as Float64Array, bw < 0 ? 0 : (lowerRank[bw] as number), bw < 0 ? 0 : (upperRank[bw] as number))
        : logRatio(
            resampledMedian(sortedOf[c] as Float64Array, null, null, cw < 0 ? 0 : (lowerRank[cw] as number), cw < 0 ? 0 : (upperRank[cw] as number)),
            resampledMedian(sortedOf[c + 1] as Float64Array, null, null, bw < 0 ? 0 : (lowerRank[bw] as number), bw < 0 ? 0 : (upperRank[bw] as number)),
          );
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
