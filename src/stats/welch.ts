/**
 * Welch's two-sample t test (unequal variances). The report uses it on log values as a
 * parametric cross-check: the ratio of geometric means with its t interval.
 */
import { mean, variance, type Sample } from './quantile.ts';
import { tCdf, tQuantile } from './special.ts';

export interface WelchResult {
  t: number;
  df: number;
  p: number;
  /** Difference of means x − y and its confidence interval. */
  estimate: number;
  lo: number;
  hi: number;
}

export function welchTTest(x: Sample, y: Sample, confidence = 0.95): WelchResult | null {
  const nx = x.length;
  const ny = y.length;
  if (nx < 2 || ny < 2) return null;
  const vx = variance(x) / nx;
  const vy = variance(y) / ny;
  const se = Math.sqrt(vx + vy);
  const estimate = mean(x) - mean(y);
  if (!(se > 0)) return { t: NaN, df: NaN, p: estimate === 0 ? 1 : 0, estimate, lo: estimate, hi: estimate };
  const df = (vx + vy) ** 2 / (vx ** 2 / (nx - 1) + vy ** 2 / (ny - 1));
  const t = estimate / se;
  const p = Math.min(1, 2 * tCdf(-Math.abs(t), df));
  const q = tQuantile(1 - (1 - confidence) / 2, df);
  return { t, df, p, estimate, lo: estimate - q * se, hi: estimate + q * se };
}
