/**
 * Bootstrap medians without materialising resamples.
 *
 * The median of a bootstrap resample of a sorted sample x₍₁₎…x₍ₙ₎ is x₍L₎ (odd n) or
 * (x₍L₎ + x₍H₎)/2 (even n), where L and H are the positions of the resample's m-th and
 * (m+1)-th smallest draws. Their distribution depends on n only: with C_k the number of draws
 * at positions ≤ k, C_k ~ Bin(n, k/n) and P(L ≤ k) = P(C_k ≥ m). Given L = k, H = k unless
 * exactly m draws sit at ≤ k, in which case the other n − m draws are uniform over k+1…n and
 * H is their minimum. Drawing (L, H) from these tables is exactly the ordinary nonparametric
 * bootstrap of the median, at O(log n) per replicate instead of O(n log n), which is what keeps
 * 10,000 replicates affordable for cells with thousands of runs.
 */
import type { Rng } from './prng.ts';
import { betaInc, binomialLogPmf, logChoose } from './special.ts';

/** Below this n the even-n tables sum over every count; above, only near the median. */
const FULL_SUM_N = 400;
const CACHE_LIMIT = 256;
/** Buckets of the guide table that turns the inverse-cdf search into a short walk. */
const GUIDE_SIZE = 4096;

export class MedianPositions {
  readonly n: number;
  /** 1-based rank of the lower middle order statistic. */
  private readonly m: number;
  private readonly even: boolean;
  /** cdf[k − 1] = P(L ≤ k). */
  readonly cdf: Float64Array;
  /** same[k − 1] = P(H = L | L = k), even n only. */
  readonly same: Float64Array | null;
  /** guide[j] = the first index whose cdf is ≥ j / GUIDE_SIZE: where the search for u starts. */
  private readonly guide: Int32Array;

  constructor(n: number) {
    this.n = n;
    this.even = n % 2 === 0;
    this.m = this.even ? n / 2 : (n + 1) / 2;
    this.cdf = this.buildCdf();
    this.same = this.even ? this.buildSame() : null;
    this.guide = this.buildGuide();
  }

  private buildGuide(): Int32Array {
    const guide = new Int32Array(GUIDE_SIZE);
    let k = 0;
    for (let j = 0; j < GUIDE_SIZE; j++) {
      while ((this.cdf[k] as number) < j / GUIDE_SIZE) k++;
      guide[j] = k;
    }
    return guide;
  }

  private window(): [number, number] {
    const w = Math.ceil(10 * Math.sqrt(this.n)) + 10;
    return [Math.max(1, this.m - w), Math.min(this.n, this.m + w)];
  }

  private buildCdf(): Float64Array {
    const { n, m } = this;
    const cdf = new Float64Array(n);
    const [lo, hi] = this.window();
    let prev = 0;
    for (let k = lo; k <= n; k++) {
      // Outside the window P(L ≤ k) is 0 or 1 to double precision.
      const f = k > hi || k === n ? 1 : betaInc(m, n - m + 1, k / n);
      prev = Math.max(prev, f);
      cdf[k - 1] = prev;
    }
    return cdf;
  }

  private buildSame(): Float64Array {
    const { n, m, cdf } = this;
    const same = new Float64Array(n).fill(1);
    const cFrom = n <= FULL_SUM_N ? 0 : Math.max(0, m - 1 - 64);
    // The binomial coefficients do not depend on k: computed once per c, not once per (k, c).
    // Each term below is binomialLogPmf's own expression with its logs taken once per k, so
    // the table is bit-identical to calling it (test/stats/fast-paths.test.ts).
    const logChooseC = new Float64Array(m);
    const logChooseD = new Float64Array(m);
    for (let c = cFrom; c <= m - 1; c++) {
      logChooseC[c] = logChoose(n, c);
      logChooseD[c] = logChoose(n - c, m - c);
    }
    for (let k = 1; k <= n; k++) {
      const pL = (cdf[k - 1] as number) - (k > 1 ? (cdf[k - 2] as number) : 0);
      if (!(pL > 1e-20)) continue;
      // P(L = k, H > k) = Σ_c P(C_{k−1} = c) · P(D = m − c), D = draws at k ~ Bin(n − c, 1/(n − k + 1)).
      let split = 0;
      const pC = (k - 1) / n;
      const pD = 1 / (n - k + 1);
      if (pC <= 0 || pD >= 1) {
        // the degenerate ends (k = 1, k = n): binomialLogPmf's own special cases
        for (let c = cFrom; c <= m - 1; c++) {
          const lc = binomialLogPmf(c, n, pC);
          if (lc === -Infinity) continue;
          split += Math.exp(lc + binomialLogPmf(m - c, n - c, pD));
        }
      } else {
        const logC = Math.log(pC);
        const log1mC = Math.log1p(-pC);
        const logD = Math.log(pD);
        const log1mD = Math.log1p(-pD);
        for (let c = cFrom; c <= m - 1; c++) {
          const lc = (logChooseC[c] as number) + c * logC + (n - c) * log1mC;
          if (lc === -Infinity) continue;
          split += Math.exp(lc + ((logChooseD[c] as number) + (m - c) * logD + (n - m) * log1mD));
        }
      }
      same[k - 1] = Math.min(1, Math.max(0, 1 - split / pL));
    }
    return same;
  }

  /**
   * 0-based positions of the two order statistics averaged into one bootstrap median
   * (equal for odd n). They do not depend on the values, so one draw serves every metric.
   */
  drawPositions(rng: Pick<Rng, 'next'>, out: Int32Array, at: number): void {
    const { n, m, cdf } = this;
    const u = rng.next();
    // The first index with cdf ≥ u (as a binary search would find), from the guide table's
    // start: every index before it has cdf < j / GUIDE_SIZE ≤ u, so a short forward walk ends it.
    let lo = this.guide[Math.floor(u * GUIDE_SIZE)] as number;
    while ((cdf[lo] as number) < u) lo++;
    out[at] = lo;
    if (!this.even || rng.next() < (this.same as Float64Array)[lo]!) {
      out[at + 1] = lo;
      return;
    }
    const L = lo + 1;
    const t = Math.max(1, Math.ceil((n - L) * (1 - Math.pow(1 - rng.next(), 1 / (n - m)))));
    out[at + 1] = Math.min(n, L + t) - 1;
  }

  /** One bootstrap median of `sorted` (ascending, length n). */
  draw(sorted: ArrayLike<number>, rng: Rng): number {
    const p = new Int32Array(2);
    this.drawPositions(rng, p, 0);
    return ((sorted[p[0] as number] as number) + (sorted[p[1] as number] as number)) / 2;
  }
}

const cache = new Map<number, MedianPositions>();

export function medianPositions(n: number): MedianPositions {
  let p = cache.get(n);
  if (!p) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    p = new MedianPositions(n);
    cache.set(n, p);
  }
  return p;
}

/** `count` bootstrap median positions for a sample of size n, as pairs [lo₀, hi₀, lo₁, hi₁, …]. */
export function bootstrapPositions(n: number, count: number, rng: Rng): Int32Array {
  const out = new Int32Array(2 * count);
  const pos = medianPositions(n);
  for (let b = 0; b < count; b++) pos.drawPositions(rng, out, 2 * b);
  return out;
}

/** The bootstrap medians of an ascending sample at the given positions. */
export function mediansAt(sorted: ArrayLike<number>, positions: Int32Array): Float64Array {
  const out = new Float64Array(positions.length / 2);
  for (let b = 0; b < out.length; b++) {
    out[b] = ((sorted[positions[2 * b] as number] as number) + (sorted[positions[2 * b + 1] as number] as number)) / 2;
  }
  return out;
}

/** `count` bootstrap medians of an ascending sample. */
export function bootstrapMedians(sorted: ArrayLike<number>, count: number, rng: Rng): Float64Array {
  return mediansAt(sorted, bootstrapPositions(sorted.length, count, rng));
}
