/**
 * Mann–Whitney U (Wilcoxon rank-sum) test, two-sided, following R's wilcox.test: the exact
 * null distribution when both arms have < 50 values and there are no ties; otherwise the
 * normal approximation with tie-corrected variance and a continuity correction — except for
 * small samples with ties (N ≤ 60), which get the exact conditional (permutation) distribution
 * of the mid-rank sum, as coin::wilcox_test(distribution = "exact") computes it: agent metrics
 * such as token counts tie often, and at n = 6 the normal approximation is far off (two fully
 * separated arms of 6: exact 2/924 = 0.0022, approximation 0.0047).
 */
import { exactTwoSidedP, midRanks } from './ranks.ts';
import { normalTwoSidedP } from './special.ts';

export type TestMethod = 'exact' | 'exact-conditional' | 'normal-approx';

/** Largest N = n1 + n2 with ties that gets the exact conditional distribution. */
export const EXACT_TIES_LIMIT = 60;

export interface RankTest {
  /** U for the first sample: #(x > y) + ½·#(x = y), i.e. R's W. */
  statistic: number;
  p: number;
  method: TestMethod;
  tieCorrected: boolean;
  /** Null mean and variance of the statistic (for stratified combination). */
  nullMean: number;
  nullVariance: number;
  /** Exact null probabilities over 0..max, when method is exact. */
  pmf: Float64Array | null;
}

export const EXACT_LIMIT = 50;
const pmfCache = new Map<string, Float64Array>();

/** Null distribution of U for sizes (n1, n2): P(U = u), u = 0..n1·n2. */
export function rankSumPmf(n1: number, n2: number): Float64Array {
  const key = `${n1},${n2}`;
  const hit = pmfCache.get(key);
  if (hit) return hit;
  // Count subsets of ranks 1..N of size n1 by U = Σ(rank_j − j); counts as doubles (they
  // reach C(98, 49) ≈ 2.5e28, beyond 2^53, but only ratios are used and all terms add).
  const N = n1 + n2;
  const maxU = n1 * n2;
  const width = maxU + 1;
  const dp = new Float64Array((n1 + 1) * width);
  dp[0] = 1;
  for (let i = 1; i <= N; i++) {
    for (let j = Math.min(i, n1); j >= 1; j--) {
      const add = i - j;
      if (add > n2) continue;
      const src = (j - 1) * width;
      const dst = j * width;
      for (let u = maxU - add; u >= 0; u--) {
        const v = dp[src + u] as number;
        if (v !== 0) dp[dst + u + add] = (dp[dst + u + add] as number) + v;
      }
    }
  }
  const pmf = dp.slice(n1 * width, n1 * width + width);
  let total = 0;
  for (let u = 0; u < width; u++) total += pmf[u] as number;
  for (let u = 0; u < width; u++) pmf[u] = (pmf[u] as number) / total;
  pmfCache.set(key, pmf);
  return pmf;
}

function ascending(x: ArrayLike<number>): boolean {
  for (let i = 1; i < x.length; i++) if ((x[i] as number) < (x[i - 1] as number)) return false;
  return true;
}

/** Rank sum of x and the tie term, by merging two ascending samples: O(n), no sort. */
function rankSumOfSorted(x: ArrayLike<number>, y: ArrayLike<number>): { r1: number; tieTerm: number } {
  let i = 0;
  let j = 0;
  let rank = 0;
  let r1 = 0;
  let tieTerm = 0;
  while (i < x.length || j < y.length) {
    const v = Math.min(i < x.length ? (x[i] as number) : Infinity, j < y.length ? (y[j] as number) : Infinity);
    let inX = 0;
    let inY = 0;
    while (i < x.length && x[i] === v) (i++, inX++);
    while (j < y.length && y[j] === v) (j++, inY++);
    const t = inX + inY;
    r1 += inX * (rank + (t + 1) / 2);
    if (t > 1) tieTerm += t * t * t - t;
    rank += t;
  }
  return { r1, tieTerm };
}

function rankSum(x: ArrayLike<number>, y: ArrayLike<number>): { r1: number; tieTerm: number } {
  if (ascending(x) && ascending(y)) return rankSumOfSorted(x, y);
  const all = new Float64Array(x.length + y.length);
  for (let i = 0; i < x.length; i++) all[i] = x[i] as number;
  for (let i = 0; i < y.length; i++) all[x.length + i] = y[i] as number;
  const { ranks, tieTerm } = midRanks(all);
  let r1 = 0;
  for (let i = 0; i < x.length; i++) r1 += ranks[i] as number;
  return { r1, tieTerm };
}

export function mannWhitneyU(x: ArrayLike<number>, y: ArrayLike<number>): RankTest {
  const n1 = x.length;
  const n2 = y.length;
  const { r1, tieTerm } = rankSum(x, y);
  const hasTies = tieTerm > 0;
  const u = r1 - (n1 * (n1 + 1)) / 2;
  const nullMean = (n1 * n2) / 2;
  const N = n1 + n2;
  const nullVariance = N > 1 ? ((n1 * n2) / 12) * (N + 1 - tieTerm / (N * (N - 1))) : 0;
  if (n1 === 0 || n2 === 0) {
    return { statistic: u, p: 1, method: 'exact', tieCorrected: false, nullMean, nullVariance: 0, pmf: null };
  }
  if (!hasTies && n1 < EXACT_LIMIT && n2 < EXACT_LIMIT) {
    const pmf = rankSumPmf(n1, n2);
    return { statistic: u, p: exactTwoSidedP(pmf, u, nullMean), method: 'exact', tieCorrected: false, nullMean, nullVariance, pmf };
  }
  if (hasTies && N <= EXACT_TIES_LIMIT) {
    return { statistic: u, p: exactConditionalP(x, y, r1), method: 'exact-conditional', tieCorrected: true, nullMean, nullVariance, pmf: null };
  }
  return { statistic: u, p: normalP(u, nullMean, nullVariance), method: 'normal-approx', tieCorrected: hasTies, nullMean, nullVariance, pmf: null };
}

/** Normal approximation with continuity correction; p = 1 when the variance is 0 (all tied). */
export function normalP(stat: number, mu: number, variance: number): number {
  if (!(variance > 0)) return 1;
  const d = stat - mu;
  const z = (d - Math.sign(d) * 0.5) / Math.sqrt(variance);
  return normalTwoSidedP(z);
}

/** Smallest two-sided p the exact rank-sum test can give with n1 and n2 values: 2 / C(N, n1). */
export function minRankSumP(n1: number, n2: number): number {
  if (n1 === 0 || n2 === 0) return 1;
  let c = 1;
  // C(N, n1) only grows with i: once past the largest double, 2 / c is 0 (from ~200 of a
  // 2,500-run arm's 2,500 steps on; every comparison asks)
  for (let i = 1; i <= n1 && c !== Infinity; i++) c = (c * (n2 + i)) / i;
  return Math.min(1, 2 / c);
}

/**
 * Two-sided p of the rank sum r1 of x under the permutation distribution given the observed
 * mid-ranks (ties included): subsets of size n1 counted by their doubled mid-rank sum.
 */
function exactConditionalP(x: ArrayLike<number>, y: ArrayLike<number>, r1: number): number {
  const n1 = x.length;
  const N = n1 + y.length;
  const all = new Float64Array(N);
  for (let i = 0; i < n1; i++) all[i] = x[i] as number;
  for (let i = 0; i < y.length; i++) all[n1 + i] = y[i] as number;
  const { ranks } = midRanks(all);
  const doubled = Array.from(ranks, (r) => Math.round(2 * r));
  const maxSum = doubled.reduce((a, b) => a + b, 0);
  const width = maxSum + 1;
  const dp = new Float64Array((n1 + 1) * width);
  dp[0] = 1;
  let reach = 0;
  for (const d of doubled) {
    reach += d;
    for (let j = n1; j >= 1; j--) {
      const src = (j - 1) * width;
      const dst = j * width;
      for (let s = Math.min(reach, maxSum) - d; s >= 0; s--) {
        const v = dp[src + s] as number;
        if (v !== 0) dp[dst + s + d] = (dp[dst + s + d] as number) + v;
      }
    }
  }
  const centre = n1 * (N + 1); // doubled null mean of r1
  const obs = Math.abs(Math.round(2 * r1) - centre);
  let total = 0;
  let tail = 0;
  const row = n1 * width;
  for (let s = 0; s < width; s++) {
    const c = dp[row + s] as number;
    if (c === 0) continue;
    total += c;
    if (Math.abs(s - centre) >= obs) tail += c;
  }
  return Math.min(1, tail / total);
}
