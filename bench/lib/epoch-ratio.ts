/**
 * A ratio between two arms measured in epochs of fresh process pairs, counted at the level where it
 * varies. Rounds of one process pair share that pair's process-level offset (JIT decisions, memory
 * layout: two processes of one build differ by up to ±5 % in CPU per request on this machine), so a
 * bootstrap over rounds treats every round as an independent look at the difference between the
 * arms and its interval is too narrow. Here each epoch is ONE observation, the log ratio of its
 * two medians, and the interval is Student's t over epochs (df = epochs − 1).
 */
import { mean, variance } from '../../src/stats/quantile.ts';
import type { RatioInterval } from '../../src/stats/ratio.ts';
import { tQuantile } from '../../src/stats/special.ts';

export interface EpochRatio extends RatioInterval {
  epochs: number;
}

/** Mean of the epochs' log ratios with its t interval, back on the ratio scale; null below 3 epochs. */
export function epochRatio(epochLogRatios: readonly number[], confidence = 0.95): EpochRatio | null {
  const n = epochLogRatios.length;
  if (n < 3) return null;
  if (!epochLogRatios.every(Number.isFinite)) return null;
  const logs = Float64Array.from(epochLogRatios);
  const centre = mean(logs);
  const half = tQuantile(1 - (1 - confidence) / 2, n - 1) * Math.sqrt(variance(logs) / n);
  return { ratio: Math.exp(centre), lo: Math.exp(centre - half), hi: Math.exp(centre + half), epochs: n };
}
