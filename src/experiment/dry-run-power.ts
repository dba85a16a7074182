/**
 * The plan step's power estimate (`--dry-run`, `agentab plan`): whether the planned reps can
 * give any verdict at all (the exact tests' smallest p, and Holm over the report's headlines,
 * need no history), and from the spread of earlier runs of the same experiment the smallest
 * change the verdict rule calls per metric and the reps for "no meaningful change". The same
 * calculation as the report's "detectable at this n" (stats/power.ts), across the plan's tasks
 * as the report's headline verdicts are.
 */
import { metricDef, type MetricId } from '../report/metrics.ts';
import { earlierLogVariance } from '../report/variance.ts';
import { minAchievableP, minRepsForVerdict, minRunsPerArm, powerEstimate, repsForNoChange } from '../stats/power.ts';
import { DEFAULT_METRICS } from '../report/metrics.ts';
import { formatP } from '../report/format.ts';
import { formatDetectable, thresholdText } from '../report/format.ts';
import type { RunRecord } from './run-record.ts';

export const PLAN_POWER_METRICS: readonly MetricId[] = ['wall', 'model', 'input', 'output', 'cost'];

export interface MetricPower {
  metric: MetricId;
  /** Pooled within-cell variance of log values of the earlier runs; null when unknown. */
  logVariance: number | null;
  /** Whether the planned reps can support any verdict. */
  supportable: boolean;
  /** Detectable ratio (> 1) across the plan's tasks; null when no verdict is possible or unknown. */
  detectableRatio: number | null;
  /** Detectable ratio of one task's comparison. */
  detectableRatioPerTask: number | null;
  /** Reps per arm at which "no meaningful change" is reached (with the given power) when nothing changes. */
  repsForNoChange: number | null;
}

export interface PlanPower {
  reps: number;
  tasks: number;
  /** Interleaved and sequential orders run conditions back to back in blocks: analysed as pairs. */
  paired: boolean;
  threshold: number;
  alpha: number;
  power: number;
  /** Fewest reps per arm for any verdict. */
  minRunsPerArm: number;
  /** Headline verdicts the report will adjust over (Holm): runners × other conditions × metrics. */
  headlines: number;
  /** Fewest reps per arm at which a headline verdict is reachable at all (exact test × Holm). */
  minRepsForHeadline: number;
  /** Said before the run when the planned reps cannot give a verdict. */
  warnings: string[];
  /** Earlier records the spread comes from. */
  records: number;
  metrics: MetricPower[];
}

export interface PlanPowerInput {
  reps: number;
  /** Task ids of the plan. */
  tasks: readonly string[];
  runners: readonly string[];
  paired: boolean;
  /** Conditions of the plan, baseline included (default 2). */
  conditions?: number;
  /** Metrics the report adjusts over (default: the report's default metrics). */
  reportMetrics?: number;
  /** Earlier records of the experiment (as loadHistory returns them). */
  history: readonly RunRecord[];
  threshold?: number;
  alpha?: number;
  power?: number;
  metrics?: readonly MetricId[];
}

export function planPower(o: PlanPowerInput): PlanPower {
  const alpha = o.alpha ?? 0.05;
  const power = o.power ?? 0.8;
  const threshold = o.threshold ?? 0.05;
  const T = Math.max(1, o.tasks.length);
  const headlines = Math.max(1, o.runners.length * Math.max(1, (o.conditions ?? 2) - 1) * (o.reportMetrics ?? DEFAULT_METRICS.length));
  // The plan's own runners and tasks when earlier runs have them; otherwise every earlier run.
  const tasks = new Set(o.tasks);
  const runners = new Set(o.runners);
  const own = o.history.filter((r) => tasks.has(r.task) && runners.has(r.runner));
  const records = own.length > 0 ? own : o.history;
  const base = { alpha, power, threshold, paired: o.paired };
  const metrics = (o.metrics ?? PLAN_POWER_METRICS).map((metric): MetricPower => {
    const logVariance = records.length ? earlierLogVariance(records, metric).pooled : null;
    if (logVariance === null) return { metric, logVariance, supportable: false, detectableRatio: null, detectableRatioPerTask: null, repsForNoChange: null };
    const all = powerEstimate({ ...base, logVariance, nPerArm: o.reps, tasks: T, multiplicity: headlines });
    return {
      metric,
      logVariance,
      supportable: all.supportable,
      detectableRatio: all.detectableRatio,
      detectableRatioPerTask: powerEstimate({ ...base, logVariance, nPerArm: o.reps }).detectableRatio,
      repsForNoChange: repsForNoChange({ ...base, logVariance, tasks: T, multiplicity: headlines }),
    };
  });
  const perArm = minRunsPerArm(alpha, o.paired);
  const minRepsForHeadline = minRepsForVerdict({ alpha, paired: o.paired, tasks: T, multiplicity: headlines });
  const unit = o.paired ? 'pairs' : 'runs per arm';
  const warnings: string[] = [];
  if (o.reps < perArm) {
    warnings.push(
      `with ${o.reps} reps no verdict of any kind is possible: each task needs ≥ ${perArm} ${unit} (the exact test's smallest p with ${o.reps} is ${formatP(minAchievableP(o.reps, o.reps, 1, o.paired))}, not below α = ${alpha}); plan ≥ ${minRepsForHeadline} reps for headline verdicts`,
    );
  } else if (o.reps < minRepsForHeadline) {
    warnings.push(
      `with ${o.reps} reps no headline verdict is reachable: the smallest p over ${T} task${T === 1 ? '' : 's'} (${formatP(minAchievableP(o.reps, o.reps, T, o.paired))}) times ${headlines} headlines (Holm) is not below α = ${alpha}; plan ≥ ${minRepsForHeadline} reps${o.paired ? ' (or order: random, whose independent arms reach smaller p with the same reps)' : ''}`,
    );
  }
  return { reps: o.reps, tasks: T, paired: o.paired, threshold, alpha, power, minRunsPerArm: perArm, headlines, minRepsForHeadline, warnings, records: records.length, metrics };
}

/** Lines for the plan output: warnings first, then one line per metric. */
export function renderPlanPower(p: PlanPower): string {
  const th = thresholdText(p.threshold);
  const unit = p.paired ? 'pairs' : 'runs per arm';
  const head = `power (${Math.round(p.power * 100)}% power, α = ${p.alpha}, θ = ${th}, ${p.tasks} task${p.tasks === 1 ? '' : 's'}, Holm over ${p.headlines} headlines${p.paired ? ', conditions paired in blocks' : ''}):`;
  const warnings = p.warnings.map((w) => `  WARNING: ${w}`);
  if (p.records === 0) return [head, ...warnings, '  no earlier records of this experiment to estimate the spread from; plan again after a first run'].join('\n');
  const from = `from ${p.records} earlier record${p.records === 1 ? '' : 's'}`;
  const lines = p.metrics.map((m) => {
    const label = metricDef(m.metric).label;
    const more = m.repsForNoChange !== null ? `; ~${m.repsForNoChange} reps per arm would show "no meaningful change" (±${th}) if nothing changed` : '';
    if (m.logVariance === null) return `  ${label}: spread unknown (earlier cells need ≥ 2 runs with values above zero)`;
    if (!m.supportable) {
      // The same two floors the report names: any verdict per task, and the headline's (Holm over every headline).
      const floors = p.reps < p.minRunsPerArm ? `each task needs ≥ ${p.minRunsPerArm} ${unit}, a headline verdict ≥ ${p.minRepsForHeadline} reps` : `a headline verdict needs ≥ ${p.minRepsForHeadline} reps`;
      return `  with ${p.reps} reps per arm, no verdict on ${label} is possible (${floors}; ${from})${more}`;
    }
    if (m.logVariance === 0) return `  with ${p.reps} reps per arm, any change in ${label} beyond ±${th} gets a verdict (earlier runs did not vary; ${from})`;
    const perTask = p.tasks > 1 ? ` across ${p.tasks} tasks, ${formatDetectable(m.detectableRatioPerTask, p.threshold)} for one task` : '';
    return `  with ${p.reps} reps per arm, the verdict rule calls a true change of ${formatDetectable(m.detectableRatio, p.threshold)} in ${label} with ${Math.round(p.power * 100)}% power${perTask} (${from})${more}`;
  });
  return [head, ...warnings, ...lines].join('\n');
}
