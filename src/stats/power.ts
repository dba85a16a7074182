/**
 * What the verdict rule can detect: the true ratio it calls "regressed" (or, mirrored,
 * "improved") with the given power, and the reps needed for a target ratio or for a "no
 * meaningful change" verdict.
 *
 * The rule (stats/verdict.ts) needs the whole CI beyond the band ±θ AND an adjusted p < α. With
 * an estimate of the log ratio ~ N(μ, SE²) and a CI of est ± t·SE, the CI clears log(1+θ) with
 * probability Φ((μ − log(1+θ))/SE − t), so the detectable ratio is
 * exp(log(1+θ) + (t₁₋α/₂ + t_power)·SE), not exp((t₁₋α/₂ + t_power)·SE) (which is what "the CI
 * excludes 1" needs: at that ratio the band rule calls a change only a few percent of the time).
 * "No meaningful change" at a true ratio of 1 needs |est| + t·SE ≤ log(1+θ), so
 * (t₁₋α/₂ + z_(1+power)/2)·SE ≤ log(1+θ). Both claims are checked by seeded simulation of the
 * whole rule (bootstrap CI, exact rank test, verdict) in test/stats/power-simulation.test.ts.
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
  /** θ of the verdict rule (0.05 = 5 %). */
  threshold?: number;
  /**
   * Adjusted-p multiplier the verdict faces (Holm over m headlines multiplies the smallest p by
   * m): no verdict is reachable unless the smallest exact p times this is below α.
   */
  multiplicity?: number;
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
  /** True ratio (≥ 1 + θ) the verdict rule calls a change with the given power; null when unreachable. */
  detectableRatio: number | null;
}

const HALF_PI = Math.PI / 2;

/** Standard error of a log median ratio for one task. */
export function logMedianRatioSe(logVariance: number, n1: number, n2: number): number {
  return Math.sqrt(HALF_PI * logVariance * (1 / n1 + 1 / n2));
}

const quantileMemo = new Map<string, number>();
/** tQuantile memoised: reports ask for the same few (p, df) thousands of times (power figures of every comparison). */
function tQuantileMemo(p: number, df: number): number {
  const key = `${p}:${df}`;
  let q = quantileMemo.get(key);
  if (q === undefined) {
    if (quantileMemo.size > 10_000) quantileMemo.clear();
    q = tQuantile(p, df);
    quantileMemo.set(key, q);
  }
  return q;
}

/** t₁₋α/₂ + t_power. */
function criticalSum(df: number, alpha: number, power: number): number {
  return tQuantileMemo(1 - alpha / 2, df) + tQuantileMemo(power, df);
}

/** exp(log(1+θ) + (t₁₋α/₂ + t_power)·se) on df degrees of freedom: the ratio the verdict rule calls with `power`. */
export function detectableRatioFromSe(se: number, df: number, alpha = 0.05, power = 0.8, threshold = 0.05): number {
  return Math.exp(Math.log1p(threshold) + criticalSum(Math.max(1, df), alpha, power) * se);
}

/** Whether the CI half-width leaves room for a "no meaningful change" verdict with `power` at a true ratio of 1. */
function noChangeReachable(se: number, df: number, alpha: number, power: number, threshold: number): boolean {
  return (tQuantileMemo(1 - alpha / 2, Math.max(1, df)) + normalQuantile((1 + power) / 2)) * se <= Math.log1p(threshold);
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
  const threshold = o.threshold ?? 0.05;
  const minP = minAchievableP(n1, n2, tasks, paired);
  const supportable = minP * (o.multiplicity ?? 1) < alpha && verdictSupportable(n1, n2, alpha, paired);
  const df = tasks * (n1 + n2 - 2);
  const se = logMedianRatioSe(o.logVariance, n1, n2) / Math.sqrt(tasks);
  const detectableRatio = supportable && df >= 1 ? detectableRatioFromSe(se, df, alpha, power, threshold) : null;
  return { n1, n2, tasks, alpha, power, minAchievableP: minP, minRunsPerArm: minRunsPerArm(alpha, paired), supportable, detectableRatio };
}

/** Smallest reps per arm at which a verdict is reachable at all (exact test and multiplicity). */
export function minRepsForVerdict(o: Omit<PowerInput, 'nPerArm' | 'logVariance'>): number {
  const alpha = o.alpha ?? 0.05;
  let n = minRunsPerArm(alpha, o.paired ?? false);
  while (n < 100_000 && minAchievableP(n, n, o.tasks ?? 1, o.paired ?? false) * (o.multiplicity ?? 1) >= alpha) n++;
  return n;
}

/**
 * Reps per arm (per task) at which the verdict rule calls a true `ratio` (> 1 + θ, or its
 * mirror) with the given power; null when the ratio is inside the band (no n calls it) or
 * beyond 100,000 reps.
 */
export function repsForRatio(ratio: number, o: Omit<PowerInput, 'nPerArm'>): number | null {
  if (!(ratio > 0) || !Number.isFinite(ratio)) throw new StatsError(`target ratio must be a positive number, got ${ratio}`);
  const target = ratio < 1 ? 1 / ratio : ratio;
  if (!(target > 1 + (o.threshold ?? 0.05))) return null;
  const tasks = o.tasks ?? 1;
  const z = normalQuantile(1 - (o.alpha ?? 0.05) / 2) + normalQuantile(o.power ?? 0.8);
  const margin = Math.log(target) - Math.log1p(o.threshold ?? 0.05);
  // Start from the normal-theory answer (a lower bound: t quantiles exceed z) and step up.
  let n = Math.max(minRepsForVerdict(o), Math.floor((Math.PI * o.logVariance * z * z) / (tasks * margin * margin)));
  for (; n <= 100_000; n++) {
    const e = powerEstimate({ ...o, nPerArm: n });
    if (e.detectableRatio !== null && e.detectableRatio <= target) return n;
  }
  return null;
}

/** Reps per arm (per task) at which a true ratio of 1 gets "no meaningful change" with the given power. */
export function repsForNoChange(o: Omit<PowerInput, 'nPerArm'>): number | null {
  const tasks = o.tasks ?? 1;
  const alpha = o.alpha ?? 0.05;
  const power = o.power ?? 0.8;
  const threshold = o.threshold ?? 0.05;
  const z = normalQuantile(1 - alpha / 2) + normalQuantile((1 + power) / 2);
  const l = Math.log1p(threshold);
  let n = Math.max(minRepsForVerdict(o), Math.floor((Math.PI * o.logVariance * z * z) / (tasks * l * l)));
  for (; n <= 100_000; n++) {
    const se = logMedianRatioSe(o.logVariance, n, n) / Math.sqrt(tasks);
    if (noChangeReachable(se, tasks * (2 * n - 2), alpha, power, threshold)) return n;
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
