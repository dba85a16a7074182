/**
 * Stratified rank test for the across-task headline: T = Σ over tasks of each task's rank
 * statistic (U for independent arms, V for paired ones). Under the null the per-task
 * statistics are independent, so T's exact null distribution is the convolution of the
 * per-task exact distributions; when any task lacks one (ties, large n) or the convolution
 * would cost too much, T is referred to a normal with the summed null means and variances.
 */
import { normalP, type RankTest, type TestMethod } from './rank-sum.ts';
import { exactTwoSidedP } from './ranks.ts';

export interface StratifiedTest {
  statistic: number;
  p: number;
  method: TestMethod;
  tieCorrected: boolean;
  strata: number;
}

/** Budget of multiply-adds for the exact convolution (a few tens of ms). */
const MAX_WORK = 2e7;

function convolve(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length - 1);
  for (let i = 0; i < a.length; i++) {
    const ai = a[i] as number;
    if (ai === 0) continue;
    for (let j = 0; j < b.length; j++) out[i + j] = (out[i + j] as number) + ai * (b[j] as number);
  }
  return out;
}

export function stratifiedRankTest(parts: readonly RankTest[]): StratifiedTest {
  // One stratum is that task's own test (exact, exact conditional with ties, or approximate).
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only) return { statistic: only.statistic, p: only.p, method: only.method, tieCorrected: only.tieCorrected, strata: 1 };
  let stat = 0;
  let mu = 0;
  let variance = 0;
  let exact = parts.length > 0;
  let support = 1;
  let work = 0;
  let tieCorrected = false;
  for (const t of parts) {
    stat += t.statistic;
    mu += t.nullMean;
    variance += t.nullVariance;
    tieCorrected ||= t.tieCorrected;
    if (t.pmf === null) exact = false;
    else {
      work += support * t.pmf.length;
      support += t.pmf.length - 1;
    }
  }
  if (exact && work <= MAX_WORK) {
    let pmf: Float64Array = Float64Array.of(1);
    for (const t of parts) pmf = convolve(pmf, t.pmf as Float64Array);
    return { statistic: stat, p: exactTwoSidedP(pmf, stat, mu), method: 'exact', tieCorrected: false, strata: parts.length };
  }
  return { statistic: stat, p: normalP(stat, mu, variance), method: 'normal-approx', tieCorrected, strata: parts.length };
}
