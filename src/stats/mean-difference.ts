/**
 * Absolute change where a ratio is undefined (a zero baseline median): the difference of means
 * (condition − baseline) with a seeded percentile-bootstrap interval. Independent arms are
 * resampled independently; paired arms by pair. Means, not medians: a metric that is 0 in most
 * runs and non-zero in a few has a median difference of 0 whatever the few say.
 */
import type { Rng } from './prng.ts';
import { mean, quantilesUnsorted } from './quantile.ts';

export interface DifferenceInterval {
  diff: number;
  lo: number;
  hi: number;
}

export function meanDifferenceInterval(base: Float64Array, cond: Float64Array, paired: boolean, resamples: number, rng: Rng, confidence: number): DifferenceInterval {
  const nb = base.length;
  const nc = cond.length;
  const reps = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let sb = 0;
    let sc = 0;
    if (paired) {
      for (let j = 0; j < nb; j++) {
        const i = rng.int(nb);
        sb += base[i] as number;
        sc += cond[i] as number;
      }
    } else {
      for (let j = 0; j < nb; j++) sb += base[rng.int(nb)] as number;
      for (let j = 0; j < nc; j++) sc += cond[rng.int(nc)] as number;
    }
    reps[b] = sc / nc - sb / nb;
  }
  const a = (1 - confidence) / 2;
  const [lo, hi] = quantilesUnsorted(reps, [a, 1 - a], true) as [number, number];
  return { diff: mean(cond) - mean(base), lo, hi };
}
