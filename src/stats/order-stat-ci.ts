/**
 * Distribution-free confidence interval for a median from order statistics: the interval
 * [x₍ₗ₎, x₍ᵤ₎] covers the population median with probability 1 − 2·P(B ≤ l − 1), B ~ Bin(n, ½).
 * For n ≤ 5 no such interval reaches 95 %; it is then reported as unbounded.
 */
import { assertCount, assertProbability } from './errors.ts';
import { binomialCdf } from './special.ts';

export interface OrderStatRanks {
  /** 1-based ranks of the interval's ends. */
  lo: number;
  hi: number;
  /** Exact coverage for continuous data (at least this with ties). */
  coverage: number;
}

const cache = new Map<string, OrderStatRanks | null>();

/** Ranks of the exact median CI at the given confidence, or null when n is too small for one. */
export function medianCiRanks(n: number, confidence = 0.95): OrderStatRanks | null {
  assertCount('n', n);
  assertProbability('confidence', confidence);
  const key = `${n}:${confidence}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const halfAlpha = (1 - confidence) / 2;
  // Largest l with P(B ≤ l − 1) ≤ α/2; P is increasing in l, so binary search on [1, ⌈n/2⌉].
  let lo = 0;
  let hi = Math.ceil(n / 2);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (binomialCdf(mid - 1, n, 0.5) <= halfAlpha) lo = mid;
    else hi = mid - 1;
  }
  const out = lo >= 1 ? { lo, hi: n + 1 - lo, coverage: 1 - 2 * binomialCdf(lo - 1, n, 0.5) } : null;
  cache.set(key, out);
  return out;
}

/** Smallest n for which a median CI at this confidence exists. */
export function minNForMedianCi(confidence = 0.95): number {
  let n = 1;
  while (medianCiRanks(n, confidence) === null) n++;
  return n;
}
