/**
 * Fisher's exact test for two proportions (a 2 × 2 table), two-sided as R's fisher.test: the
 * sum of the hypergeometric probabilities of every table with the observed margins that is no
 * more likely than the observed one (with R's relative tolerance of 1e-7). Hand-written: a few
 * lines over logChoose, and no maintained npm package offers it with R's two-sided rule.
 */
import { assertCount, StatsError } from './errors.ts';
import { logChoose } from './special.ts';

export interface FisherResult {
  /** Two-sided p. */
  p: number;
  /** Sample odds ratio (k1/(n1−k1)) / (k2/(n2−k2)); null when undefined (0/0). */
  oddsRatio: number | null;
}

/** Tests k1 successes of n1 against k2 of n2. */
export function fisherExact(k1: number, n1: number, k2: number, n2: number): FisherResult {
  for (const [name, v] of [['k1', k1], ['n1', n1], ['k2', k2], ['n2', n2]] as const) assertCount(name, v);
  if (k1 > n1 || k2 > n2) throw new StatsError(`successes exceed trials (${k1}/${n1}, ${k2}/${n2})`);
  const successes = k1 + k2;
  const total = n1 + n2;
  const lo = Math.max(0, successes - n2);
  const hi = Math.min(successes, n1);
  const denom = logChoose(total, successes);
  const logP = (x: number): number => logChoose(n1, x) + logChoose(n2, successes - x) - denom;
  const observed = logP(k1);
  let p = 0;
  for (let x = lo; x <= hi; x++) {
    const lp = logP(x);
    if (lp <= observed + Math.log1p(1e-7)) p += Math.exp(lp);
  }
  const num = k1 * (n2 - k2);
  const den = (n1 - k1) * k2;
  const oddsRatio = num === 0 && den === 0 ? null : den === 0 ? Infinity : num / den;
  return { p: Math.min(1, p), oddsRatio };
}
