/**
 * The plan step's power estimate (`--dry-run`, `agentab plan`): from the spread of earlier runs
 * of the same experiment, the smallest change the planned reps can detect per metric, and the
 * reps that would detect ±θ. The same calculation as the report's "detectable at this n"
 * (stats/power.ts), across the plan's tasks as the report's headline verdicts are.
 */
import { metricDef, type MetricId } from '../report/metrics.ts';
import { earlierLogVariance } from '../report/variance.ts';
import { powerEstimate, repsForRatio } from '../stats/power.ts';
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
  /** Reps per arm that would detect ±θ across the tasks. */
  repsForThreshold: number | null;
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
  // The plan's own runners and tasks when earlier runs have them; otherwise every earlier run.
  const tasks = new Set(o.tasks);
  const runners = new Set(o.runners);
  const own = o.history.filter((r) => tasks.has(r.task) && runners.has(r.runner));
  const records = own.length > 0 ? own : o.history;
  const metrics = (o.metrics ?? PLAN_POWER_METRICS).map((metric): MetricPower => {
    const logVariance = records.length ? earlierLogVariance(records, metric).pooled : null;
    if (logVariance === null) return { metric, logVariance, supportable: false, detectableRatio: null, detectableRatioPerTask: null, repsForThreshold: null };
    const base = { logVariance, alpha, power, paired: o.paired };
    const all = powerEstimate({ ...base, nPerArm: o.reps, tasks: T });
    return {
      metric,
      logVariance,
      supportable: all.supportable,
      detectableRatio: all.detectableRatio,
      detectableRatioPerTask: powerEstimate({ ...base, nPerArm: o.reps }).detectableRatio,
      repsForThreshold: repsForRatio(1 + threshold, { ...base, tasks: T }),
    };
  });
  const minRunsPerArm = powerEstimate({ nPerArm: Math.max(1, o.reps), logVariance: 0, alpha, paired: o.paired }).minRunsPerArm;
  return { reps: o.reps, tasks: T, paired: o.paired, threshold, alpha, power, minRunsPerArm, records: records.length, metrics };
}

/** Lines for the plan output, one per metric. */
export function renderPlanPower(p: PlanPower): string {
  const th = thresholdText(p.threshold);
  const unit = p.paired ? 'pairs' : 'runs per arm';
  const head = `power (${Math.round(p.power * 100)}% power, α = ${p.alpha}, θ = ${th}, ${p.tasks} task${p.tasks === 1 ? '' : 's'}${p.paired ? ', conditions paired in blocks' : ''}):`;
  if (p.records === 0) return `${head}\n  no earlier records of this experiment to estimate the spread from; plan again after a first run`;
  const from = `from ${p.records} earlier record${p.records === 1 ? '' : 's'}`;
  const lines = p.metrics.map((m) => {
    const label = metricDef(m.metric).label;
    const more = m.repsForThreshold !== null ? `; ~${m.repsForThreshold} reps per arm would detect ±${th}` : '';
    if (m.logVariance === null) return `  ${label}: spread unknown (earlier cells need ≥ 2 runs with values above zero)`;
    if (!m.supportable) {
      return `  with ${p.reps} reps per arm, no verdict on ${label} is possible (each task needs ≥ ${p.minRunsPerArm} ${unit}; ${from})${more}`;
    }
    if (m.detectableRatio === 1) return `  with ${p.reps} reps per arm, any change in ${label} is detectable (earlier runs did not vary; ${from})`;
    const perTask = p.tasks > 1 ? ` across ${p.tasks} tasks, ${formatDetectable(m.detectableRatioPerTask)} for one task` : '';
    return `  with ${p.reps} reps per arm, the smallest detectable change in ${label} is ${formatDetectable(m.detectableRatio)}${perTask} (${from})${more}`;
  });
  return [head, ...lines].join('\n');
}
