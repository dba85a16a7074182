/** Wilson score interval for a proportion k/n (well-behaved at k = 0, k = n and small n). */
import { assertCount, assertProbability, StatsError } from './errors.ts';
import { normalQuantile } from './special.ts';

export interface Proportion {
  k: number;
  n: number;
  rate: number;
  lo: number;
  hi: number;
}

export function wilsonInterval(k: number, n: number, confidence = 0.95): Proportion | null {
  assertCount('k', k);
  assertCount('n', n);
  assertProbability('confidence', confidence);
  if (k > n) throw new StatsError(`successes (${k}) exceed trials (${n})`, { k, n });
  if (n === 0) return null;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const p = k / n;
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n))) / (1 + z2n);
  return { k, n, rate: p, lo: k === 0 ? 0 : Math.max(0, centre - half), hi: k === n ? 1 : Math.min(1, centre + half) };
}
