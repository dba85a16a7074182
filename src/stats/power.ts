/**
 * Minimum detectable ratio for a median comparison, and the reps needed for a target ratio.
 *
 * On the log scale the sample median of n runs has variance ≈ (π/2)·σ²/n for roughly
 * lognormal data (σ² = variance of log values), so the log ratio of two medians has standard
 * error SE = σ·√((π/2)(1/n₁ + 1/n₂)); across T tasks the mean of per-task log ratios has
 * SE/√T. The detectable ratio at two-sided level α and the given power is
 * exp((t₁₋α/₂ + t_power)·SE) with t quantiles on the pooled degrees of freedom. It is reported
 * as unreachable (null) when no verdict is reachable with these n: every arm of every task needs
 * at least `minRunsPerArm` runs (the fewest at which one task's exact rank test can reach α;
 * see verdictSupportable), and the (stratified) exact test must be able to reach α.
 * Paired designs use the same (conservative) formula: the pairing can only help.
 */
import { assertCount, assertProbability, StatsError } from './errors.ts';
import { variance, type Sample } from './quantile.ts';
import { minRankSumP } from './rank-sum.ts';
import { minSignedRankP } from './signed-rank.ts';
import { normalQuantile, tQuantile } from './special.ts';

export interface PowerInput {
  /** Runs per arm per task: one number for equal arms, or [baseline, condition]. */
  nPerArm: number | readonly [number, number];
  /** Variance of log values within an arm (e.g. from an earlier run). */
  logVariance: number;
  tasks?: number;
  alpha?: number;
  power?: number;
  paired?: boolean;
}

export interface PowerEstimate {
  n1: number;
  n2: number;
  tasks: number;
  alpha: number;
  power: number;
  /** Smallest two-sided p the exact rank test can produce with these n. */
  minAchievableP: number;
  /** Fewest runs per arm (pairs, when paired) of a task for any verdict at α. */
  minRunsPerArm: number;
  /** False when the data cannot support a verdict (too few runs per arm, or α unreachable). */
  supportable: boolean;
  /** Ratio (> 1) that would be detected with the given power; null when unreachable. */
  detectableRatio: number | null;
}

const HALF_PI = Math.PI / 2;

/** Standard error of a log median ratio for one task. */
export function logMedianRatioSe(logVariance: number, n1: number, n2: number): number {
  return Math.sqrt(HALF_PI * logVariance * (1 / n1 + 1 / n2));
}

const quantileMemo = new Map<string, number>();
/** t₁₋α/₂ + t_power, memoised: reports ask for the same few (α, power, df) thousands of times. */
function criticalSum(df: number, alpha: number, power: number): number {
  const key = `${df}:${alpha}:${power}`;
  let q = quantileMemo.get(key);
  if (q === undefined) {
    if (quantileMemo.size > 10_000) quantileMemo.clear();
    q = tQuantile(1 - alpha / 2, df) + tQuantile(power, df);
    quantileMemo.set(key, q);
  }
  return q;
}

/** exp((t₁₋α/₂ + t_power)·se) on df degrees of freedom. */
export function detectableRatioFromSe(se: number, df: number, alpha = 0.05, power = 0.8): number {
  return Math.exp(criticalSum(Math.max(1, df), alpha, power) * se);
}

/** Smallest achievable p of the (stratified) exact rank test over `tasks` identical tasks. */
export function minAchievableP(n1: number, n2: number, tasks = 1, paired = false): number {
  const one = paired ? minSignedRankP(Math.min(n1, n2)) : minRankSumP(n1, n2);
  return Math.min(1, 2 * Math.pow(one / 2, tasks));
}

const minRunsMemo = new Map<string, number>();

/**
 * Fewest runs per arm (pairs, when paired) at which one task's exact two-sided rank test can
 * reach p < α: 4 for Mann–Whitney and 6 for the signed-rank test at α = 0.05. Below it no
 * outcome is significant, and the bootstrap median of an arm takes at most 3 distinct values
 * (n = 2 or 3), so an interval "wholly inside ±θ" is an artefact of the resampling as well: no
 * verdict of any kind (improved, regressed or no change) is given.
 */
export function minRunsPerArm(alpha = 0.05, paired = false): number {
  assertProbability('alpha', alpha);
  const key = `${alpha}:${paired}`;
  let n = minRunsMemo.get(key);
  if (n === undefined) {
    n = 1;
    while ((paired ? minSignedRankP(n) : minRankSumP(n, n)) >= alpha) n++;
    minRunsMemo.set(key, n);
  }
  return n;
}

/** Whether one task's arms of n1 and n2 runs can support a verdict at α (see minRunsPerArm). */
export function verdictSupportable(n1: number, n2: number, alpha = 0.05, paired = false): boolean {
  const min = minRunsPerArm(alpha, paired);
  if (n1 < min || n2 < min) return false;
  return (paired ? minSignedRankP(Math.min(n1, n2)) : minRankSumP(n1, n2)) < alpha;
}

export function powerEstimate(o: PowerInput): PowerEstimate {
  const [n1, n2] = typeof o.nPerArm === 'number' ? [o.nPerArm, o.nPerArm] : o.nPerArm;
  const tasks = o.tasks ?? 1;
  const alpha = o.alpha ?? 0.05;
  const power = o.power ?? 0.8;
  assertCount('nPerArm', n1, 1);
  assertCount('nPerArm', n2, 1);
  assertCount('tasks', tasks, 1);
  assertProbability('alpha', alpha);
  assertProbability('power', power);
  if (!(o.logVariance >= 0)) throw new StatsError(`logVariance must be ≥ 0, got ${o.logVariance}`);
  const paired = o.paired ?? false;
  const minP = minAchievableP(n1, n2, tasks, paired);
  const supportable = minP < alpha && verdictSupportable(n1, n2, alpha, paired);
  const df = tasks * (n1 + n2 - 2);
  const se = logMedianRatioSe(o.logVariance, n1, n2) / Math.sqrt(tasks);
  const detectableRatio = supportable && df >= 1 ? detectableRatioFromSe(se, df, alpha, power) : null;
  return { n1, n2, tasks, alpha, power, minAchievableP: minP, minRunsPerArm: minRunsPerArm(alpha, paired), supportable, detectableRatio };
}

/** Reps per arm (per task) needed to detect `ratio` (e.g. 1.05); null beyond 100,000. */
export function repsForRatio(ratio: number, o: Omit<PowerInput, 'nPerArm'>): number | null {
  if (!(ratio > 1)) throw new StatsError(`target ratio must be > 1, got ${ratio}`);
  const tasks = o.tasks ?? 1;
  const z = normalQuantile(1 - (o.alpha ?? 0.05) / 2) + normalQuantile(o.power ?? 0.8);
  const target = Math.log(ratio);
  // Start from the normal-theory answer (a lower bound: t quantiles exceed z) and step up.
  let n = Math.max(minRunsPerArm(o.alpha ?? 0.05, o.paired ?? false), Math.floor((Math.PI * o.logVariance * z * z) / (tasks * target * target)));
  for (; n <= 100_000; n++) {
    const e = powerEstimate({ ...o, nPerArm: n });
    if (e.detectableRatio !== null && e.detectableRatio <= ratio) return n;
  }
  return null;
}

/** Variance of log values; null when n < 2 or any value ≤ 0 (logs undefined). */
export function logVariance(x: Sample): number | null {
  const n = x.length;
  if (n < 2) return null;
  const logs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = x[i] as number;
    if (!(v > 0)) return null;
    logs[i] = Math.log(v);
  }
  return variance(logs);
}

/** Within-arm pooled variance of log values over several samples; null if any is undefined. */
export function pooledLogVariance(samples: readonly Sample[]): number | null {
  let num = 0;
  let den = 0;
  for (const s of samples) {
    if (s.length < 2) continue;
    const v = logVariance(s);
    if (v === null) return null;
    num += (s.length - 1) * v;
    den += s.length - 1;
  }
  return den > 0 ? num / den : null;
}
