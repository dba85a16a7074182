/**
 * The report model: everything the renderers show, and what report.json serialises.
 * Versioned; numbers that are undefined or unbounded (an infinite CI end, a ratio over a zero
 * median) are null, never NaN/Infinity, so the JSON is plain.
 */
import type { UncountedSpend } from '../experiment/uncounted-spend.ts';
import type { Outcome } from '../experiment/run-record.ts';
import type { Proportion } from '../stats/wilson.ts';
import type { MedianInterval } from '../stats/summary.ts';
import type { OutlierKind } from '../stats/tukey.ts';
import type { Verdict, VerdictReason } from '../stats/verdict.ts';
import type { TestMethod } from '../stats/rank-sum.ts';
import type { LoadedSource } from './load.ts';
import type { MetricRuns } from './group.ts';
import type { MetricId } from './metrics.ts';
import type { ReportProvenance } from './provenance.ts';
import type { TimeSplit } from './time-split.ts';
import type { Waterfall } from './waterfall.ts';

export const REPORT_FORMAT = 'agentab.report';
export const REPORT_VERSION = 2;

export interface ReportOptions {
  baseline: string;
  metrics: MetricId[];
  /** θ: relative change below which a difference is not meaningful (0.05 = 5 %). */
  threshold: number;
  alpha: number;
  /** Confidence of every interval, 1 − alpha. */
  confidence: number;
  /** Power at which the minimum detectable ratio is stated. */
  power: number;
  seed: number;
  /** Bootstrap resamples of every headline (and of each per-task comparison unless taskResamples says fewer). */
  resamples: number;
  /**
   * Bootstrap resamples of each per-task comparison: `resamples`, or fewer in a report with so
   * many comparisons that they would dominate its time (taskResamplesFor in compare.ts); the
   * headlines then draw each task's replicate from that task's (RunnerFold).
   */
  taskResamples: number;
  /** Runs whose latency / token / cost values are compared (success counts every used run). */
  runs: MetricRuns;
}

/** The runs of a cell used in statistics, as parallel columns (index j is one run). */
export interface RunColumns {
  runId: string[];
  cell: string[];
  rep: number[];
  outcome: Outcome[];
  block: (number | null)[];
}

export interface Outlier {
  value: number;
  runId: string;
  cell: string;
  rep: number;
  kind: OutlierKind;
}

export interface MetricStats {
  /** Runs with a value for this metric. */
  n: number;
  median: number | null;
  medianCi: MedianInterval;
  mean: number | null;
  p95: number | null;
  min: number | null;
  max: number | null;
  outliers: Outlier[];
  /** Raw values aligned with the cell's `used` columns (null where a run has no value). */
  samples: (number | null)[];
}

export interface CellStats {
  runner: string;
  condition: string;
  task: string;
  /** All records of the cell, excluded outcomes included. */
  runs: number;
  outcomes: Record<Outcome, number>;
  /** Runs used in statistics (outcomes other than infra and canceled). */
  used: RunColumns;
  /** pass / used, with a Wilson interval. */
  success: Proportion | null;
  metrics: Record<string, MetricStats>;
  /** Durations of every call of the used runs, in the order of `used`, each run's calls in the order made (not sorted: pooledLatencies sorts). */
  callLatenciesMs: number[];
}

export type TestName = 'mann-whitney-u' | 'wilcoxon-signed-rank' | 'stratified-rank';

export interface TestSummary {
  name: TestName;
  method: TestMethod;
  tieCorrected: boolean;
  statistic: number;
  p: number;
}

export interface RatioEstimate {
  ratio: number | null;
  lo: number | null;
  hi: number | null;
}

/** Range of per-run changes (ratios): per pair, or over every condition × baseline run pair. */
export interface RunSpread {
  paired: boolean;
  /** Pairs, or the smaller arm's runs. */
  n: number;
  lo: number;
  hi: number;
}

/** Condition − baseline where a ratio is undefined (zero baseline median): difference of means. */
export interface AbsoluteChange {
  diff: number;
  lo: number;
  hi: number;
  /** Both arms hold one and the same value (e.g. 0 in every run). */
  identical: boolean;
}

/** Reps per arm (per task) the verdict rule needs: to call the observed change, or "no meaningful change" at no change. */
export interface RepsNeeded {
  kind: 'change' | 'no-change';
  /** The true ratio assumed (the observed ratio, or 1). */
  target: number;
  /** Null beyond 100,000 reps. */
  reps: number | null;
}

/** Success rate of a condition against the baseline over the tasks both ran. */
export interface SuccessComparison {
  runner: string;
  condition: string;
  baseline: string;
  tasks: string[];
  base: Proportion | null;
  cond: Proportion | null;
  /** Two-sided Fisher exact p on the pooled 2 × 2 table. */
  p: number;
  /** worse / better when p < α; same when neither rate moved; otherwise inconclusive. */
  verdict: 'worse' | 'better' | 'same' | 'inconclusive';
}

/**
 * A condition's overall reading: regressed when its success rate is significantly worse;
 * inconclusive (never improved) when its success rate is lower but not significantly;
 * null when success does not stand in the way of the metric verdicts.
 */
export interface ConditionVerdict {
  runner: string;
  condition: string;
  overall: Verdict | null;
  reason: string | null;
}

export interface Comparison extends RatioEstimate {
  runner: string;
  condition: string;
  baseline: string;
  task: string;
  metric: MetricId;
  nBase: number;
  nCond: number;
  paired: boolean;
  baseMedian: number | null;
  condMedian: number | null;
  /** Set (and ratio/lo/hi null) where the ratio is undefined: a zero baseline median. */
  absolute: AbsoluteChange | null;
  test: TestSummary;
  /** Benjamini–Hochberg q over every per-task comparison of the report. */
  q: number;
  /** Ratio of geometric means with a Welch t interval on logs (a parametric cross-check). */
  geometricMeanRatio: (RatioEstimate & { p: number }) | null;
  /** Whether these n can support any verdict (improved, regressed or no change). */
  supportable: boolean;
  /** Fewest runs per arm (pairs, when paired) for a verdict at α. */
  runsNeeded: number;
  /** True ratio (≥ 1 + θ, or its mirror) the verdict rule calls with the report's power at this n. */
  detectableRatio: number | null;
  repsNeeded: RepsNeeded | null;
  spread: RunSpread | null;
  verdict: Verdict;
  reason: VerdictReason;
}

export interface Headline extends RatioEstimate {
  runner: string;
  condition: string;
  baseline: string;
  metric: MetricId;
  /** Tasks with both arms measured (the strata of the geometric mean). */
  tasks: string[];
  test: TestSummary;
  /** Holm-adjusted p over every headline of the report. */
  pHolm: number;
  /** Whether every task's n can support a verdict (improved, regressed or no change). */
  supportable: boolean;
  /** Fewest runs in any arm of any of the tasks (pairs, when paired). */
  minArm: number;
  /** Whether any task was analysed as pairs (blocks of the interleaved order). */
  paired: boolean;
  /** Fewest runs per arm (pairs, when paired) each task needs for a verdict at α. */
  runsNeeded: number;
  /** Smallest p the stratified exact test can reach with these n (before Holm). */
  minAchievableP: number;
  detectableRatio: number | null;
  repsNeeded: RepsNeeded | null;
  spread: RunSpread | null;
  verdict: Verdict;
  reason: VerdictReason;
}

export interface Report {
  format: typeof REPORT_FORMAT;
  version: typeof REPORT_VERSION;
  experiment: string;
  runIds: string[];
  sources: LoadedSource[];
  /** Backends, models (simulated or not), runner versions and launchers behind the records. */
  provenance: ReportProvenance;
  /** `duplicates` includes `history`: earlier lines of re-run cells, kept out by design. */
  records: { total: number; used: number; infra: number; canceled: number; duplicates: number; history?: number };
  /** Spend of killed, canceled and retried attempts, kept out of the statistics; absent when there was none. */
  uncounted?: UncountedSpend;
  options: ReportOptions;
  runners: string[];
  /** Baseline first, then the others in code-unit order. */
  conditions: string[];
  tasks: string[];
  cells: CellStats[];
  /** Success first: per runner × condition against the baseline. */
  success: SuccessComparison[];
  /** Per runner × condition: what success does to the overall reading. */
  overall: ConditionVerdict[];
  comparisons: Comparison[];
  headlines: Headline[];
  /** Data-dependent remarks (a task without a baseline, broken pairing…). */
  notes: string[];
  /** Where each runner × condition's wall time went (runs with a decomposition only). */
  timeSplit: TimeSplit[];
  /** The slowest used run of each group, as spans; absent when the cells' directories were not read. */
  waterfalls?: Waterfall[];
}

export function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/**
 * Why a comparison has no ratio: the arm whose median is 0 (the baseline's first), or undefined
 * when both medians are above 0 and only resamples hit a median of 0.
 */
export function zeroMedianArm(x: Pick<Comparison, 'baseMedian' | 'condMedian' | 'baseline' | 'condition'>): string | undefined {
  return x.baseMedian === 0 ? x.baseline : x.condMedian === 0 ? x.condition : undefined;
}
