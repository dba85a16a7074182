/**
 * Percentile-bootstrap confidence intervals of latency percentiles and of their differences,
 * the way the independent gateway benchmarks report added latency: resample each arm's
 * requests with replacement, take the percentile of each resample, and read the interval from
 * the replicates. Seeded (src/stats/prng), so a report is reproducible from its samples.
 */
import { createRng, type Rng } from '../../src/stats/prng.ts';
import { quantileSorted, quantilesUnsorted, sortedCopy } from '../../src/stats/quantile.ts';

export interface Interval {
  /** The percentile (or difference) of the samples themselves. */
  point: number;
  lo: number;
  hi: number;
}

export interface BootstrapOptions {
  resamples?: number;
  confidence?: number;
  seed?: number;
}

function resampleQuantile(x: Float64Array, p: number, rng: Rng, scratch: Float64Array): number {
  const n = x.length;
  for (let i = 0; i < n; i++) scratch[i] = x[Math.floor(rng.next() * n)] as number;
  return quantilesUnsorted(scratch, [p], true)[0] as number;
}

function intervalOf(point: number, replicates: Float64Array, confidence: number): Interval {
  const tail = (1 - confidence) / 2;
  const [lo, hi] = quantilesUnsorted(replicates, [tail, 1 - tail], true) as [number, number];
  return { point, lo, hi };
}

/** Interval of the p-quantile of `samples`. */
export function quantileCi(samples: ArrayLike<number>, p: number, o: BootstrapOptions = {}): Interval | null {
  if (samples.length === 0) return null;
  const x = Float64Array.from(samples);
  const resamples = o.resamples ?? 2000;
  const rng = createRng(o.seed ?? 1, `quantile-${p}`);
  const scratch = new Float64Array(x.length);
  const reps = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) reps[b] = resampleQuantile(x, p, rng, scratch);
  return intervalOf(quantileSorted(sortedCopy(x), p), reps, o.confidence ?? 0.95);
}

/** Interval of quantile_p(a) − quantile_p(b), the two arms resampled independently. */
export function quantileDeltaCi(a: ArrayLike<number>, b: ArrayLike<number>, p: number, o: BootstrapOptions = {}): Interval | null {
  if (a.length === 0 || b.length === 0) return null;
  const xa = Float64Array.from(a);
  const xb = Float64Array.from(b);
  const resamples = o.resamples ?? 2000;
  const rngA = createRng(o.seed ?? 1, `delta-a-${p}`);
  const rngB = createRng(o.seed ?? 1, `delta-b-${p}`);
  const sa = new Float64Array(xa.length);
  const sb = new Float64Array(xb.length);
  const reps = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) reps[r] = resampleQuantile(xa, p, rngA, sa) - resampleQuantile(xb, p, rngB, sb);
  const point = quantileSorted(sortedCopy(xa), p) - quantileSorted(sortedCopy(xb), p);
  return intervalOf(point, reps, o.confidence ?? 0.95);
}

/** agentab's added latency against a reference hop's (the naive pass-through), both over one direct arm. */
export interface AddedRatioCi {
  /** (q(gateway) − q(direct)) ÷ (q(reference) − q(direct)); null when some replicate's reference delta is ≤ 0. */
  ratio: Interval | null;
  /**
   * bound × reference's added − gateway's added, ms: ≥ 0 means the gateway is within `bound`
   * times the reference. Defined even when the reference's added latency is ≤ 0 or noisy, so a
   * reader sees whether the bound is met, missed, or within noise (the interval spans 0).
   */
  margin: Interval;
}

/**
 * Interval of a ratio of two small added latencies, and of the margin to `bound` (e.g. 1.25):
 * every replicate resamples the three arms (gateway, reference gateway, direct) independently
 * and computes both from the same resampled percentiles, so the direct arm's noise is shared by
 * the numerator and the denominator as it is in the point estimate.
 */
export function addedRatioCi(
  gateway: ArrayLike<number>,
  reference: ArrayLike<number>,
  direct: ArrayLike<number>,
  p: number,
  bound: number,
  o: BootstrapOptions = {},
): AddedRatioCi | null {
  if (gateway.length === 0 || reference.length === 0 || direct.length === 0) return null;
  const arms = [gateway, reference, direct].map((xs) => Float64Array.from(xs));
  const [xg, xr, xd] = arms as [Float64Array, Float64Array, Float64Array];
  const resamples = o.resamples ?? 2000;
  const rngs = ['gateway', 'reference', 'direct'].map((arm) => createRng(o.seed ?? 1, `ratio-${arm}-${p}`));
  const scratch = arms.map((x) => new Float64Array(x.length));
  const ratios = new Float64Array(resamples);
  const margins = new Float64Array(resamples);
  let ratioDefined = true;
  for (let r = 0; r < resamples; r++) {
    const [qg, qr, qd] = arms.map((x, i) => resampleQuantile(x, p, rngs[i] as Rng, scratch[i] as Float64Array)) as [number, number, number];
    const added = qg - qd;
    const refAdded = qr - qd;
    margins[r] = bound * refAdded - added;
    if (refAdded <= 0) ratioDefined = false;
    else ratios[r] = added / refAdded;
  }
  const q = (x: Float64Array) => quantileSorted(sortedCopy(x), p);
  const added = q(xg) - q(xd);
  const refAdded = q(xr) - q(xd);
  const confidence = o.confidence ?? 0.95;
  return {
    ratio: ratioDefined && refAdded > 0 ? intervalOf(added / refAdded, ratios, confidence) : null,
    margin: intervalOf(bound * refAdded - added, margins, confidence),
  };
}
