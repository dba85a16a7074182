/**
 * Wilcoxon signed-rank test on paired differences, two-sided, following R's wilcox.test
 * (paired = TRUE): zero differences are dropped; exact null distribution with < 50 pairs and
 * no ties or zeros, otherwise the normal approximation with tie and continuity corrections.
 */
import { exactTwoSidedP, midRanks } from './ranks.ts';
import { EXACT_LIMIT, normalP, type RankTest } from './rank-sum.ts';

const pmfCache = new Map<number, Float64Array>();

/** Null distribution of V (sum of ranks of positive differences) for n pairs. */
export function signedRankPmf(n: number): Float64Array {
  const hit = pmfCache.get(n);
  if (hit) return hit;
  const max = (n * (n + 1)) / 2;
  const dp = new Float64Array(max + 1);
  dp[0] = 1;
  for (let r = 1; r <= n; r++) for (let s = max; s >= r; s--) dp[s] = (dp[s] as number) + (dp[s - r] as number);
  const scale = Math.pow(2, -n);
  for (let s = 0; s <= max; s++) dp[s] = (dp[s] as number) * scale;
  pmfCache.set(n, dp);
  return dp;
}

/** Test on differences a[i] − b[i]. */
export function signedRank(a: ArrayLike<number>, b: ArrayLike<number>): RankTest {
  const diffs: number[] = [];
  let zeros = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d === 0) zeros++;
    else diffs.push(d);
  }
  const n = diffs.length;
  const abs = Float64Array.from(diffs, Math.abs);
  const { ranks, tieTerm, hasTies } = midRanks(abs);
  let v = 0;
  for (let i = 0; i < n; i++) if ((diffs[i] as number) > 0) v += ranks[i] as number;
  const nullMean = (n * (n + 1)) / 4;
  const nullVariance = (n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48;
  if (n === 0) return { statistic: 0, p: 1, method: 'exact', tieCorrected: false, nullMean: 0, nullVariance: 0, pmf: null };
  if (!hasTies && zeros === 0 && n < EXACT_LIMIT) {
    const pmf = signedRankPmf(n);
    return { statistic: v, p: exactTwoSidedP(pmf, v, nullMean), method: 'exact', tieCorrected: false, nullMean, nullVariance, pmf };
  }
  return { statistic: v, p: normalP(v, nullMean, nullVariance), method: 'normal-approx', tieCorrected: hasTies || zeros > 0, nullMean, nullVariance, pmf: null };
}

/** Smallest two-sided p the exact signed-rank test can give with n pairs: 2 / 2ⁿ. */
export function minSignedRankP(n: number): number {
  return n === 0 ? 1 : Math.min(1, 2 * Math.pow(2, -n));
}
