/**
 * One condition against the baseline on one metric: a comparison per task (ratio of medians,
 * bootstrap CI, rank test, detectable ratio) and the across-task headline (geometric mean of
 * the per-task ratios). The headline's stratified bootstrap reuses the per-task replicates:
 * each task's replicates come from its own streams, so replicate b summed over tasks is a
 * resample drawn within every task × arm independently — runs of different tasks are never
 * pooled. Adjusted p-values and verdicts are added by the caller, which sees every family.
 */
import { createRng } from '../stats/prng.ts';
import { mannWhitneyU, minRankSumP, type RankTest } from '../stats/rank-sum.ts';
import { independentLogRatios, logRatio, pairedLogRatios, percentileInterval, type RatioInterval } from '../stats/ratio.ts';
import { minSignedRankP, signedRank } from '../stats/signed-rank.ts';
import { stratifiedRankTest } from '../stats/stratified-rank.ts';
import { detectableRatioFromSe, logMedianRatioSe, pooledLogVariance, repsForRatio } from '../stats/power.ts';
import { medianSorted, sortedCopy } from '../stats/quantile.ts';
import { welchTTest } from '../stats/welch.ts';
import type { Group } from './group.ts';
import type { MetricId } from './metrics.ts';
import type { Comparison, Headline, ReportOptions, TestSummary } from './model.ts';
import { finiteOrNull } from './model.ts';
import { armsOf } from './pairing.ts';

export interface TaskArms {
  task: string;
  base: Group;
  cond: Group;
}

/** A comparison before multiplicity adjustment; `interval` keeps infinite CI ends for the verdict. */
export type ComparisonDraft = Omit<Comparison, 'q' | 'verdict' | 'reason'> & { interval: RatioInterval };
export type HeadlineDraft = Omit<Headline, 'pHolm' | 'verdict' | 'reason'> & { interval: RatioInterval };

export interface ConditionComparison {
  comparisons: ComparisonDraft[];
  headline: HeadlineDraft | null;
  notes: string[];
}

const SEP = '\u0000';

function testSummary(t: RankTest, paired: boolean): TestSummary {
  return { name: paired ? 'wilcoxon-signed-rank' : 'mann-whitney-u', method: t.method, tieCorrected: t.tieCorrected, statistic: t.statistic, p: t.p };
}

function logs(x: Float64Array): Float64Array | null {
  for (let i = 0; i < x.length; i++) if (!((x[i] as number) > 0)) return null;
  return x.map(Math.log);
}

function geometricMeanRatio(base: Float64Array, cond: Float64Array, confidence: number): ComparisonDraft['geometricMeanRatio'] {
  const lb = logs(base);
  const lc = logs(cond);
  const w = lb && lc ? welchTTest(lc, lb, confidence) : null;
  if (!w || Number.isNaN(w.t)) return null;
  return { ratio: Math.exp(w.estimate), lo: Math.exp(w.lo), hi: Math.exp(w.hi), p: w.p };
}

interface Accumulator {
  sum: Float64Array;
  pointSum: number;
  tests: RankTest[];
  tasks: string[];
  seSq: number;
  df: number;
  minPHalf: number;
  logVarSum: number;
  seKnown: boolean;
}

export function compareCondition(o: {
  runner: string;
  condition: string;
  metric: MetricId;
  metricIndex: number;
  arms: readonly TaskArms[];
  options: ReportOptions;
}): ConditionComparison {
  const { options: opt, metric, runner, condition } = o;
  const B = opt.resamples;
  const acc: Accumulator = { sum: new Float64Array(B), pointSum: 0, tests: [], tasks: [], seSq: 0, df: 0, minPHalf: 1, logVarSum: 0, seKnown: true };
  const comparisons: ComparisonDraft[] = [];
  const notes: string[] = [];
  let anyPaired = false;
  for (const { task, base, cond } of o.arms) {
    const k = o.metricIndex;
    const arms = armsOf(base.values[k] as Float64Array, base.blocks, cond.values[k] as Float64Array, cond.blocks);
    if (!arms.paired && arms.brokenPairing) {
      notes.push(`${runner}/${condition}/${task}/${metric}: pairing blocks do not match across arms; analysed as independent runs`);
    }
    if (arms.base.length === 0 || arms.cond.length === 0) {
      notes.push(`${runner}/${condition}/${task}/${metric}: an arm has no values; not compared`);
      continue;
    }
    const bs = sortedCopy(arms.base);
    const cs = sortedCopy(arms.cond);
    const nb = bs.length;
    const nc = cs.length;
    const label = (c: string): string => [runner, task, metric, c].join(SEP);
    let replicates: Float64Array;
    let test: RankTest;
    if (arms.paired) {
      anyPaired = true;
      const pairLabel = [runner, task, metric, ...[opt.baseline, condition].sort()].join(SEP);
      replicates = pairedLogRatios(arms.base, arms.cond, B, createRng(opt.seed, `pair${SEP}${pairLabel}`));
      test = signedRank(arms.cond, arms.base);
    } else {
      replicates = independentLogRatios(bs, cs, B, createRng(opt.seed, `arm${SEP}${label(opt.baseline)}`), createRng(opt.seed, `arm${SEP}${label(condition)}`));
      test = mannWhitneyU(cs, bs);
    }
    const baseMedian = medianSorted(bs);
    const condMedian = medianSorted(cs);
    const pointLog = logRatio(condMedian, baseMedian);
    const interval = percentileInterval(replicates, pointLog, opt.confidence);
    const logVar = pooledLogVariance([bs, cs]);
    const minP = arms.paired ? minSignedRankP(nb) : minRankSumP(nb, nc);
    const supportable = minP < opt.alpha;
    const se = logVar === null ? null : logMedianRatioSe(logVar, nb, nc);
    const df = nb + nc - 2;
    comparisons.push({
      runner, condition, baseline: opt.baseline, task, metric, nBase: nb, nCond: nc, paired: arms.paired,
      baseMedian, condMedian,
      ratio: finiteOrNull(interval.ratio), lo: finiteOrNull(interval.lo), hi: finiteOrNull(interval.hi),
      test: testSummary(test, arms.paired),
      geometricMeanRatio: geometricMeanRatio(bs, cs, opt.confidence),
      supportable,
      detectableRatio: supportable && se !== null && df >= 1 ? detectableRatioFromSe(se, df, opt.alpha, opt.power) : null,
      repsForThreshold: logVar === null ? null : repsForRatio(1 + opt.threshold, { logVariance: logVar, alpha: opt.alpha, power: opt.power, paired: arms.paired }),
      interval,
    });
    for (let b = 0; b < B; b++) acc.sum[b] = (acc.sum[b] as number) + (replicates[b] as number);
    acc.pointSum += pointLog;
    acc.tests.push(test);
    acc.tasks.push(task);
    acc.df += df;
    acc.minPHalf *= minP / 2;
    if (se === null || logVar === null) acc.seKnown = false;
    else {
      acc.seSq += se * se;
      acc.logVarSum += logVar;
    }
  }
  return { comparisons, headline: headlineOf(acc, o, anyPaired), notes };
}

function headlineOf(acc: Accumulator, o: Parameters<typeof compareCondition>[0], anyPaired: boolean): HeadlineDraft | null {
  const T = acc.tasks.length;
  if (T === 0) return null;
  const opt = o.options;
  for (let b = 0; b < acc.sum.length; b++) acc.sum[b] = (acc.sum[b] as number) / T;
  const interval = percentileInterval(acc.sum, acc.pointSum / T, opt.confidence);
  const st = stratifiedRankTest(acc.tests);
  const supportable = Math.min(1, 2 * acc.minPHalf) < opt.alpha;
  const se = acc.seKnown ? Math.sqrt(acc.seSq) / T : null;
  return {
    runner: o.runner, condition: o.condition, baseline: opt.baseline, metric: o.metric, tasks: acc.tasks,
    ratio: finiteOrNull(interval.ratio), lo: finiteOrNull(interval.lo), hi: finiteOrNull(interval.hi),
    test: { name: 'stratified-rank', method: st.method, tieCorrected: st.tieCorrected, statistic: st.statistic, p: st.p },
    supportable,
    detectableRatio: supportable && se !== null && acc.df >= 1 ? detectableRatioFromSe(se, acc.df, opt.alpha, opt.power) : null,
    repsForThreshold: acc.seKnown
      ? repsForRatio(1 + opt.threshold, { logVariance: acc.logVarSum / T, tasks: T, alpha: opt.alpha, power: opt.power, paired: anyPaired })
      : null,
    interval,
  };
}
