/**
 * Every condition against the baseline for one runner: a comparison per task × metric (ratio
 * of medians, bootstrap CI, rank test, detectable ratio) and per condition × metric the
 * across-task headline (geometric mean of the per-task ratios).
 *
 * Tasks are the outer loop. Each arm's bootstrap median positions are drawn once from the
 * arm's own seeded stream and reused for every metric and every comparison the arm is in (they
 * depend on n only), and are dropped when the task is done. Paired arms resample pairs: one
 * resample of the pairs per replicate serves every metric with the same pairs (one stream per
 * runner × task × condition pair × n), as resampling whole runs would. The headline's stratified bootstrap
 * sums the per-task replicates: replicate b of different tasks come from independent streams,
 * so the sum is a resample drawn within every task × arm — runs of different tasks are never
 * pooled. Adjusted p-values and verdicts are added by the caller, which sees every family.
 */
import { bootstrapPositions } from '../stats/median-bootstrap.ts';
import { meanDifferenceInterval } from '../stats/mean-difference.ts';
import { detectableRatioFromSe, logMedianRatioSe, minRunsPerArm, repsForNoChange, repsForRatio, verdictSupportable } from '../stats/power.ts';
import { createRng } from '../stats/prng.ts';
import { medianSorted, sortedCopy, variance } from '../stats/quantile.ts';
import { mannWhitneyU, minRankSumP, type RankTest } from '../stats/rank-sum.ts';
import { logMediansAt, logRatio, logRatiosAt, pairedLogRatiosOfMetrics, percentileInterval, type RatioInterval } from '../stats/ratio.ts';
import { minSignedRankP, signedRank } from '../stats/signed-rank.ts';
import { stratifiedRankTest } from '../stats/stratified-rank.ts';
import { welchTTest } from '../stats/welch.ts';
import { logSortedValues, logsOfPositive, sortedValues, type Group } from './group.ts';
import type { MetricId } from './metrics.ts';
import { finiteOrNull, zeroMedianArm, type Comparison, type Headline, type RepsNeeded, type ReportOptions, type RunSpread, type TestSummary } from './model.ts';
import { armsOf, type Arms } from './pairing.ts';

/** What the power figures need: the standard error of the log ratio, its df and the log variance. */
export interface PowerBasis {
  se: number | null;
  df: number;
  logVariance: number | null;
  tasks: number;
}

/**
 * The power figures of a comparison or headline for the verdict rule it faces: the true change
 * called with the report's power at this n, and the reps per arm to call the observed change
 * (or, when it is inside ±θ, to reach "no meaningful change" if nothing changed).
 */
export function powerFigures(basis: PowerBasis, o: { supportable: boolean; ratio: number | null; paired: boolean; multiplicity: number; opt: ReportOptions }): { detectableRatio: number | null; repsNeeded: RepsNeeded | null } {
  const { opt } = o;
  const common = { alpha: opt.alpha, power: opt.power, threshold: opt.threshold, paired: o.paired, tasks: basis.tasks, multiplicity: o.multiplicity };
  const detectableRatio = o.supportable && basis.se !== null && basis.df >= 1 ? detectableRatioFromSe(basis.se, basis.df, opt.alpha, opt.power, opt.threshold) : null;
  if (basis.logVariance === null || o.ratio === null || !(o.ratio > 0)) return { detectableRatio, repsNeeded: null };
  const beyond = Math.abs(Math.log(o.ratio)) > Math.log1p(opt.threshold);
  const repsNeeded: RepsNeeded = beyond
    ? { kind: 'change', target: o.ratio, reps: repsForRatio(o.ratio, { ...common, logVariance: basis.logVariance }) }
    : { kind: 'no-change', target: 1, reps: repsForNoChange({ ...common, logVariance: basis.logVariance }) };
  return { detectableRatio, repsNeeded };
}

type Finalized = 'q' | 'verdict' | 'reason' | 'detectableRatio' | 'repsNeeded';
/**
 * A comparison before multiplicity adjustment; `interval` keeps infinite CI ends for the verdict.
 * Its power figures need no adjusted p, so they are computed with it (on the report's threads).
 */
export type ComparisonDraft = Omit<Comparison, Finalized> & { interval: RatioInterval; figures: Pick<Comparison, 'detectableRatio' | 'repsNeeded'> };
export type HeadlineDraft = Omit<Headline, 'pHolm' | 'verdict' | 'reason' | 'detectableRatio' | 'repsNeeded'> & { interval: RatioInterval; power: PowerBasis };

export interface RunnerComparison {
  comparisons: ComparisonDraft[];
  headlines: HeadlineDraft[];
  notes: string[];
}

const SEP = '\u0000';

/**
 * Per-task comparisons above which a report draws fewer resamples per task: the per-task
 * bootstraps are nearly all of a report's time (7,000 comparisons at 100,000 runs of 1,000
 * tasks), and a per-task interval needs far fewer replicates than its headline, which sums a
 * replicate of every task. Up to here (1,000,000 runs of 50 tasks make 2,100) nothing changes.
 */
export const LARGE_REPORT_COMPARISONS = 3_000;
/** Resamples per task in a larger report: each interval end then carries a Monte Carlo error of ~3 % of its half-width (percentileMonteCarloError), against ~1.4 % at 10,000. */
export const LARGE_REPORT_TASK_RESAMPLES = 2_000;

/** Resamples of each per-task comparison in a report of `comparisons` comparisons whose headlines use `resamples`. */
export function taskResamplesFor(comparisons: number, resamples: number): number {
  return comparisons > LARGE_REPORT_COMPARISONS ? Math.min(resamples, LARGE_REPORT_TASK_RESAMPLES) : resamples;
}

interface Accumulator {
  condition: string;
  metric: MetricId;
  sum: Float64Array;
  pointSum: number;
  tests: RankTest[];
  tasks: string[];
  seSq: number;
  df: number;
  minPHalf: number;
  logVarSum: number;
  seKnown: boolean;
  anyPaired: boolean;
  /** Every task's arms can support a verdict on their own. */
  allSupportable: boolean;
  /** Fewest runs in any arm of any task. */
  minArm: number;
  /** Largest per-arm minimum over the tasks (pairs need more runs than independent arms). */
  runsNeeded: number;
  spread: RunSpread | null;
}

function accumulator(accs: Map<string, Accumulator>, condition: string, metric: MetricId, B: number): Accumulator {
  const key = `${condition}${SEP}${metric}`;
  let acc = accs.get(key);
  if (!acc) {
    acc = { condition, metric, sum: new Float64Array(B), pointSum: 0, tests: [], tasks: [], seSq: 0, df: 0, minPHalf: 1, logVarSum: 0, seKnown: true, anyPaired: false, allSupportable: true, minArm: Infinity, runsNeeded: 0, spread: null };
    accs.set(key, acc);
  }
  return acc;
}

function testSummary(t: RankTest, paired: boolean): TestSummary {
  return { name: paired ? 'wilcoxon-signed-rank' : 'mann-whitney-u', method: t.method, tieCorrected: t.tieCorrected, statistic: t.statistic, p: t.p };
}

function geometricMeanRatio(lb: Float64Array | null, lc: Float64Array | null, confidence: number): ComparisonDraft['geometricMeanRatio'] {
  const w = lb && lc ? welchTTest(lc, lb, confidence) : null;
  if (!w || Number.isNaN(w.t)) return null;
  return { ratio: Math.exp(w.estimate), lo: Math.exp(w.lo), hi: Math.exp(w.hi), p: w.p };
}

/** Within-arm pooled variance of log values (arms with fewer than 2 runs add nothing). */
function pooledVariance(lb: Float64Array | null, lc: Float64Array | null): number | null {
  if (!lb || !lc) return null;
  let num = 0;
  let den = 0;
  for (const l of [lb, lc]) {
    if (l.length < 2) continue;
    num += (l.length - 1) * variance(l);
    den += l.length - 1;
  }
  return den > 0 ? num / den : null;
}

/** Range of the per-run changes: per pair (paired) or over every condition × baseline run pair. */
function spreadOf(base: Float64Array, cond: Float64Array, bs: Float64Array, cs: Float64Array, paired: boolean): RunSpread | null {
  if (paired) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < base.length; i++) {
      const b = base[i] as number;
      if (!(b > 0)) return null;
      const r = (cond[i] as number) / b;
      lo = Math.min(lo, r);
      hi = Math.max(hi, r);
    }
    return base.length ? { paired, n: base.length, lo, hi } : null;
  }
  if (!(bs.length && cs.length && (bs[0] as number) > 0)) return null;
  return { paired, n: Math.min(bs.length, cs.length), lo: (cs[0] as number) / (bs[bs.length - 1] as number), hi: (cs[cs.length - 1] as number) / (bs[0] as number) };
}

function mergeSpread(a: RunSpread | null, b: RunSpread | null, first: boolean): RunSpread | null {
  if (first) return b;
  if (!a || !b) return null;
  return { paired: a.paired && b.paired, n: a.n + b.n, lo: Math.min(a.lo, b.lo), hi: Math.max(a.hi, b.hi) };
}

const allFinite = (x: Float64Array): boolean => {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i] as number)) return false;
  return true;
};

const identicalArms = (bs: Float64Array, cs: Float64Array): boolean =>
  bs[0] === bs[bs.length - 1] && cs[0] === cs[cs.length - 1] && bs[0] === cs[0];

/**
 * What one comparison adds to its headline, taken before its own interval reorders the
 * replicates: `replicates` are in draw order (replicate b of every task is summed).
 */
export interface Contribution {
  condition: string;
  metric: MetricId;
  task: string;
  replicates: Float64Array;
  pointLog: number;
  test: RankTest;
  df: number;
  minP: number;
  paired: boolean;
  supportable: boolean;
  nb: number;
  nc: number;
  runsNeeded: number;
  se: number | null;
  logVar: number | null;
  spread: RunSpread | null;
}

/** One task of one runner: its comparisons and notes, in the order the sequential loop makes them. */
export interface TaskComparison {
  comparisons: ComparisonDraft[];
  notes: string[];
  /** Headline contributions in order; their replicates are copies only when `keepReplicates` was asked for. */
  contributions: Contribution[];
}

/** The groups of one runner by condition and task. */
export function groupsByKey(groups: readonly Group[]): Map<string, Group> {
  return new Map(groups.map((g) => [`${g.condition}${SEP}${g.task}`, g]));
}

/** The runner's tasks in code-unit order (the order headlines sum them in). */
export function tasksOf(groups: readonly Group[]): string[] {
  return [...new Set(groups.map((g) => g.task))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Every condition against the baseline on one task. `onContribution` sees each headline
 * contribution while its replicates are still in draw order (they are reordered right after);
 * with `keepReplicates` the contribution holds a copy, for a caller that adds it up later: a
 * new array with `true`, or the one a function returns with the replicates copied into it (a
 * report worker's slot of shared memory, compare-parallel.ts). Null when the task has no
 * baseline group.
 */
export function compareTask(o: {
  runner: string;
  task: string;
  byKey: ReadonlyMap<string, Group>;
  conditions: readonly string[];
  options: ReportOptions;
  keepReplicates?: boolean | ((replicates: Float64Array) => Float64Array);
  onContribution?: (c: Contribution) => void;
}): TaskComparison | null {
  const { runner, task, byKey, options: opt } = o;
  const keep = o.keepReplicates === true ? (replicates: Float64Array) => replicates.slice() : o.keepReplicates || null;
  const B = opt.taskResamples;
  const runsLabel = opt.runs === 'passing' ? 'passing runs' : 'runs';
  const base = byKey.get(`${opt.baseline}${SEP}${task}`);
  if (!base) return null;
  const comparisons: ComparisonDraft[] = [];
  const notes: string[] = [];
  const contributions: Contribution[] = [];
  const positions = new Map<string, Int32Array>(); // this task's arms: condition × n
  const positionsOf = (condition: string, n: number): Int32Array => {
    const key = `${condition}${SEP}${n}`;
    let p = positions.get(key);
    if (!p) {
      p = bootstrapPositions(n, B, createRng(opt.seed, ['arm', runner, task, condition, n].join(SEP)));
      positions.set(key, p);
    }
    return p;
  };
  const logMedians = new Map<string, Float64Array>(); // this task's arms: condition × metric
  const logMediansOf = (condition: string, k: number, sorted: Float64Array, logSorted: Float64Array): Float64Array => {
    const key = `${condition}${SEP}${k}`;
    let l = logMedians.get(key);
    if (!l) {
      l = logMediansAt(sorted, logSorted, positionsOf(condition, sorted.length));
      logMedians.set(key, l);
    }
    return l;
  };
  for (const condition of o.conditions) {
    const cond = byKey.get(`${condition}${SEP}${task}`);
    if (!cond || condition === opt.baseline) continue;
    const armsByMetric = opt.metrics.map((_, k) =>
      armsOf(base.values[k] as Float64Array, base.blocks, cond.values[k] as Float64Array, cond.blocks, { base: sortedValues(base, k), cond: sortedValues(cond, k) }),
    );
    // Paired metrics with the same number of pairs share one resample of the pairs per replicate
    // (pairedLogRatiosOfMetrics): drawn for all of them when the first one needs its replicates.
    const pairedReplicates = new Map<number, Float64Array>(); // metric index → replicates
    const pairedReplicatesOf = (k: number): Float64Array => {
      let replicates = pairedReplicates.get(k);
      if (!replicates) {
        const n = (armsByMetric[k] as Arms).base.length;
        const sharing = armsByMetric.flatMap((a, j) => (a.paired && a.base.length === n ? [j] : []));
        const label = ['pair', runner, task, ...[opt.baseline, condition].sort(), n].join(SEP);
        const drawn = pairedLogRatiosOfMetrics(sharing.map((j) => armsByMetric[j] as Arms), B, createRng(opt.seed, label));
        sharing.forEach((j, i) => pairedReplicates.set(j, drawn[i] as Float64Array));
        replicates = pairedReplicates.get(k) as Float64Array;
      }
      return replicates;
    };
    opt.metrics.forEach((metric, k) => {
      const where = `${runner}/${condition}/${task}/${metric}`;
      const arms = armsByMetric[k] as Arms;
      // one note per runner/condition/task: the blocks, not the metric, decide the pairing
      if (!arms.paired && arms.brokenPairing) notes.push(`${runner}/${condition}/${task}: pairing blocks do not match across arms; analysed as independent runs`);
      if (arms.base.length === 0 || arms.cond.length === 0) {
        const which = arms.base.length === 0 ? opt.baseline : condition;
        notes.push(`${where}: no ${runsLabel} with a value in ${which}; not compared`);
        return;
      }
      const bs = arms.paired ? sortedCopy(arms.base) : sortedValues(base, k);
      const cs = arms.paired ? sortedCopy(arms.cond) : sortedValues(cond, k);
      const nb = bs.length;
      const nc = cs.length;
      const lb = arms.paired ? logsOfPositive(bs) : logSortedValues(base, k);
      const lc = arms.paired ? logsOfPositive(cs) : logSortedValues(cond, k);
      let replicates: Float64Array;
      let test: RankTest;
      if (arms.paired) {
        replicates = pairedReplicatesOf(k);
        test = signedRank(arms.cond, arms.base);
      } else {
        if (lb && lc) {
          // positive arms: the same values as logRatiosAt, from each arm's log medians computed once
          const lmb = logMediansOf(opt.baseline, k, bs, lb);
          const lmc = logMediansOf(condition, k, cs, lc);
          replicates = new Float64Array(B);
          for (let b = 0; b < B; b++) replicates[b] = (lmc[b] as number) - (lmb[b] as number);
        } else {
          replicates = logRatiosAt(bs, positionsOf(opt.baseline, nb), cs, positionsOf(condition, nc));
        }
        test = mannWhitneyU(cs, bs);
      }
      const baseMedian = medianSorted(bs);
      const condMedian = medianSorted(cs);
      const pointLog = logRatio(condMedian, baseMedian);
      // A ratio needs a positive baseline median and finite bootstrap ratios (no zero medians
      // in the resamples); otherwise the change is reported on the absolute scale.
      const ratioDefined = baseMedian > 0 && Number.isFinite(pointLog) && allFinite(replicates);
      const logVar = pooledVariance(lb, lc);
      const minP = arms.paired ? minSignedRankP(nb) : minRankSumP(nb, nc);
      // Equivalence needs the same support as a difference: no verdict at all below the minimum.
      const supportable = verdictSupportable(nb, nc, opt.alpha, arms.paired);
      const runsNeeded = minRunsPerArm(opt.alpha, arms.paired);
      const se = logVar === null ? null : logMedianRatioSe(logVar, nb, nc);
      const df = nb + nc - 2;
      const spread = spreadOf(arms.base, arms.cond, bs, cs, arms.paired);
      // The headline sums replicate b over tasks (a stratified resample): hand them over while
      // they are still in draw order, before the interval below reorders them in place.
      if (ratioDefined) {
        const c: Contribution = {
          condition, metric, task, replicates: keep ? keep(replicates) : replicates, pointLog, test, df, minP,
          paired: arms.paired, supportable, nb, nc, runsNeeded, se, logVar, spread,
        };
        o.onContribution?.(c);
        contributions.push(keep ? c : { ...c, replicates: new Float64Array(0) });
      }
      const interval = percentileInterval(replicates, pointLog, opt.confidence, true); // reorders replicates
      const absolute = ratioDefined
        ? null
        : {
            ...meanDifferenceInterval(arms.paired ? arms.base : bs, arms.paired ? arms.cond : cs, arms.paired, B,
              createRng(opt.seed, ['diff', runner, task, metric, ...[opt.baseline, condition].sort()].join(SEP)), opt.confidence),
            identical: identicalArms(bs, cs),
          };
      comparisons.push({
        runner, condition, baseline: opt.baseline, task, metric, nBase: nb, nCond: nc, paired: arms.paired, baseMedian, condMedian,
        ratio: ratioDefined ? finiteOrNull(interval.ratio) : null,
        lo: ratioDefined ? finiteOrNull(interval.lo) : null,
        hi: ratioDefined ? finiteOrNull(interval.hi) : null,
        absolute,
        test: testSummary(test, arms.paired),
        geometricMeanRatio: geometricMeanRatio(lb, lc, opt.confidence),
        supportable,
        runsNeeded,
        spread,
        interval,
        figures: powerFigures({ se: ratioDefined ? se : null, df, logVariance: ratioDefined ? logVar : null, tasks: 1 }, { supportable, ratio: ratioDefined ? finiteOrNull(interval.ratio) : null, paired: arms.paired, multiplicity: 1, opt }),
      });
      if (!ratioDefined) {
        const arm = zeroMedianArm({ baseMedian, condMedian, baseline: opt.baseline, condition });
        const zero = arm ? `the ${arm} median is 0` : 'resamples hit a median of 0';
        notes.push(`${where}: ${zero}, so the change is shown as an absolute difference of means and left out of the geometric mean`);
      }
    });
  }
  return { comparisons, notes, contributions };
}

/**
 * Adds up a runner's task results, in task order, into its comparisons, headlines and notes:
 * the same additions in the same order whichever thread computed each task, so a report is
 * bit-identical either way. `replicatesAdded` says the contributions' replicates were already
 * summed into `accs` while the tasks ran (the sequential path, which keeps no copies).
 */
export class RunnerFold {
  private readonly accs = new Map<string, Accumulator>();
  private readonly comparisons: ComparisonDraft[] = [];
  private readonly notes: string[] = [];
  /** With fewer resamples per task than per headline: which task replicate each headline replicate takes, for `picksTask`. */
  private picks: Int32Array | null = null;
  private picksKey: string | null = null;

  constructor(private readonly runner: string, private readonly conditions: readonly string[], private readonly opt: ReportOptions) {}

  private accumulator(condition: string, metric: MetricId): Accumulator {
    return accumulator(this.accs, condition, metric, this.opt.resamples);
  }

  /**
   * The task replicate behind each headline replicate when a task has fewer replicates than a
   * headline: drawn uniformly with replacement from the task's own (seeded by runner and task),
   * the same picks for every metric and condition of the task, since their replicate b comes
   * from one resample of the task's runs. Replicates of different tasks are independent, so a
   * headline replicate is still a sum of independent draws from every task's bootstrap
   * distribution, each known from `taskResamples` draws instead of `resamples`.
   */
  private picksFor(task: string, available: number): Int32Array {
    const key = `${task}${SEP}${available}`;
    if (this.picksKey !== key || !this.picks) {
      const rng = createRng(this.opt.seed, ['headline', this.runner, task].join(SEP));
      this.picks = new Int32Array(this.opt.resamples);
      rng.fillInts(available, this.picks);
      this.picksKey = key;
    }
    return this.picks;
  }

  /** The replicate sums of one contribution (in task order). */
  addReplicates(c: Contribution): void {
    const sum = this.accumulator(c.condition, c.metric).sum;
    if (c.replicates.length === sum.length) {
      for (let b = 0; b < sum.length; b++) sum[b] = (sum[b] as number) + (c.replicates[b] as number);
      return;
    }
    const picks = this.picksFor(c.task, c.replicates.length);
    for (let b = 0; b < sum.length; b++) sum[b] = (sum[b] as number) + (c.replicates[picks[b] as number] as number);
  }

  /** One task's result, after every earlier task's. */
  addTask(t: TaskComparison, replicatesAdded: boolean): void {
    this.comparisons.push(...t.comparisons);
    this.notes.push(...t.notes);
    for (const c of t.contributions) {
      if (!replicatesAdded) this.addReplicates(c);
      const acc = this.accumulator(c.condition, c.metric);
      acc.spread = mergeSpread(acc.spread, c.spread, acc.tasks.length === 0);
      acc.pointSum += c.pointLog;
      acc.tests.push(c.test);
      acc.tasks.push(c.task);
      acc.df += c.df;
      acc.minPHalf *= c.minP / 2;
      acc.anyPaired ||= c.paired;
      acc.allSupportable &&= c.supportable;
      acc.minArm = Math.min(acc.minArm, c.nb, c.nc);
      acc.runsNeeded = Math.max(acc.runsNeeded, c.runsNeeded);
      if (c.se === null || c.logVar === null) acc.seKnown = false;
      else {
        acc.seSq += c.se * c.se;
        acc.logVarSum += c.logVar;
      }
    }
  }

  result(): RunnerComparison {
    const headlines: HeadlineDraft[] = [];
    for (const condition of this.conditions) {
      for (const metric of this.opt.metrics) {
        const acc = this.accs.get(`${condition}${SEP}${metric}`);
        if (acc) headlines.push(headlineOf(acc, this.runner, this.opt));
      }
    }
    return { comparisons: this.comparisons, headlines, notes: this.notes };
  }
}

export function compareRunner(o: {
  runner: string;
  /** The runner's groups; tasks without a baseline group are skipped by the caller's notes. */
  groups: readonly Group[];
  conditions: readonly string[];
  options: ReportOptions;
}): RunnerComparison {
  const byKey = groupsByKey(o.groups);
  const fold = new RunnerFold(o.runner, o.conditions, o.options);
  for (const task of tasksOf(o.groups)) {
    const t = compareTask({ runner: o.runner, task, byKey, conditions: o.conditions, options: o.options, onContribution: (c) => fold.addReplicates(c) });
    if (t) fold.addTask(t, true);
  }
  return fold.result();
}

function headlineOf(acc: Accumulator, runner: string, opt: ReportOptions): HeadlineDraft {
  const T = acc.tasks.length;
  for (let b = 0; b < acc.sum.length; b++) acc.sum[b] = (acc.sum[b] as number) / T;
  const interval = percentileInterval(acc.sum, acc.pointSum / T, opt.confidence, true);
  const st = stratifiedRankTest(acc.tests);
  // The stratified test alone could reach α with several tiny tasks, but each task's bootstrap
  // would still be degenerate: a headline verdict needs every task to support one.
  const supportable = acc.allSupportable && Math.min(1, 2 * acc.minPHalf) < opt.alpha;
  const se = acc.seKnown ? Math.sqrt(acc.seSq) / T : null;
  return {
    runner, condition: acc.condition, baseline: opt.baseline, metric: acc.metric, tasks: acc.tasks,
    ratio: finiteOrNull(interval.ratio), lo: finiteOrNull(interval.lo), hi: finiteOrNull(interval.hi),
    test: { name: 'stratified-rank', method: st.method, tieCorrected: st.tieCorrected, statistic: st.statistic, p: st.p },
    supportable,
    minArm: acc.minArm,
    paired: acc.anyPaired,
    runsNeeded: acc.runsNeeded,
    minAchievableP: Math.min(1, 2 * acc.minPHalf),
    spread: acc.spread,
    interval,
    power: { se, df: acc.df, logVariance: acc.seKnown ? acc.logVarSum / T : null, tasks: T },
  };
}
