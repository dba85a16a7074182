/** The method notes printed under every report (Markdown footnotes, HTML notes). Plain text. */
import { medianCiRanks, minNForMedianCi } from '../stats/order-stat-ci.ts';
import { minRunsPerArm } from '../stats/power.ts';
import { minRankSumP } from '../stats/rank-sum.ts';
import { percentileMonteCarloError } from '../stats/ratio.ts';
import { minSignedRankP } from '../stats/signed-rank.ts';
import { band } from '../stats/verdict.ts';
import { formatPercent, ordinal, thresholdText } from './format.ts';
import type { Report } from './model.ts';

export function methodNotes(r: Report): string[] {
  const o = r.options;
  const conf = formatPercent(o.confidence);
  const th = thresholdText(o.threshold);
  const [lo, hi] = band(o.threshold);
  const smallN = minNForMedianCi(o.confidence);
  const ten = medianCiRanks(10, o.confidence);
  const need = minRunsPerArm(o.alpha, false);
  const needPaired = minRunsPerArm(o.alpha, true);
  const anyPaired = r.comparisons.some((c) => c.paired);
  const notes = [
    `Medians carry an exact order-statistic (binomial) ${conf} interval: no distributional assumption; e.g. with n = 10 it runs from the ${ordinal(ten?.lo ?? 0)} to the ${ordinal(ten?.hi ?? 0)} smallest value. With n < ${smallN} no such interval reaches ${conf}, so none is shown (unbounded: "±∞" in tables where other cells have one).`,
    `p95 is shown without an interval: at these sample sizes a bootstrap interval for a 95th percentile is set by the one or two largest runs and covers far less often than it claims, so none is given.`,
    `Outliers are runs outside Tukey's fences (1.5 × IQR beyond the quartiles; "extreme" beyond 3 × IQR). They are labelled, never removed.`,
    `"vs base" is the ratio of medians (condition / baseline) as a percent change, with a seeded percentile-bootstrap ${conf} interval on the log ratio (${o.taskResamples.toLocaleString('en-US')} resamples, seed ${o.seed}; each arm resampled independently${anyPaired ? ', paired tasks resampled by pair' : ''}).`,
    `p is a two-sided Mann–Whitney U test${anyPaired ? ' (Wilcoxon signed-rank for paired tasks)' : ''}: exact null distribution when both arms have fewer than 50 runs and no ties, otherwise the normal approximation with tie and continuity corrections (marked "≈"). q is the Benjamini–Hochberg adjusted p over all ${r.comparisons.length} per-task comparisons.`,
    `The geomean row is the geometric mean of the per-task ratios (tasks of different scale are never pooled run by run); its interval is a stratified bootstrap (runs resampled within task × arm, ${o.resamples.toLocaleString('en-US')} resamples) and its p a stratified rank test (sum of per-task statistics), Holm-adjusted over the ${r.headlines.length} headline verdicts.`,
    ...(o.taskResamples < o.resamples ? [fewerTaskResamplesNote(r)] : []),
    `Verdicts use θ = ${th}: improved when the whole interval lies below ×${lo.toFixed(3)} and the adjusted p < ${o.alpha}; regressed when it lies above ×${hi.toFixed(3)} with adjusted p < ${o.alpha}; no meaningful change when it lies wholly inside; otherwise inconclusive. Any verdict, "no meaningful change" included, needs at least ${need} runs in each arm${anyPaired ? ` (${needPaired} pairs for paired tasks)` : ''} of every task it covers: with fewer no exact test can reach p < ${o.alpha} (${need - 1} per arm: smallest p = ${minRankSumP(need - 1, need - 1).toFixed(2)}${anyPaired ? `; ${needPaired - 1} pairs: ${minSignedRankP(needPaired - 1).toFixed(3)}` : ''}), and an arm's bootstrap median takes only a handful of values (3 at n = 2 or 3), so an interval inside ±${th} would be an artefact of the resampling. Such rows are inconclusive whatever their interval.`,
    `"detectable" is the change the design detects with ${formatPercent(o.power)} power at this n, from the runs' spread on the log scale (sample median efficiency π/2; "any change" when the runs do not vary at all); "~k runs per arm" is the number per arm that would detect ±${th} (never fewer than a verdict needs).`,
    `Runs with outcome infra or canceled are counted but kept out of every statistic; success is pass / runs used, with a Wilson ${conf} interval.`,
  ];
  return notes;
}

/** The method note of a report whose per-task rows drew fewer resamples than its headlines (taskResamplesFor). */
function fewerTaskResamplesNote(r: Report): string {
  const o = r.options;
  const share = (b: number): string => `${(100 * percentileMonteCarloError(b, o.confidence)).toFixed(1)} %`;
  return `With ${r.comparisons.length.toLocaleString('en-US')} per-task comparisons, each per-task interval is drawn from ${o.taskResamples.toLocaleString('en-US')} resamples instead of ${o.resamples.toLocaleString('en-US')} (they would take nearly all of the report's time): ` +
    `each interval end then carries a Monte Carlo error of about ${share(o.taskResamples)} of the interval's half-width (${share(o.resamples)} at ${o.resamples.toLocaleString('en-US')}); the point estimates, tests and p-values do not depend on it. ` +
    `Each headline still sums ${o.resamples.toLocaleString('en-US')} replicates, taking every task's replicate at random (seeded) from that task's ${o.taskResamples.toLocaleString('en-US')}.`;
}

/** Why a report has no verdicts. */
export function nothingToCompare(r: Report): string {
  return r.conditions.length < 2
    ? `Only one condition (${r.options.baseline}) in these runs; nothing to compare.`
    : `No condition shares a task with the baseline (${r.options.baseline}) for the same runner; nothing to compare.`;
}
