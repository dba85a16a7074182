/** Options of a report, validated up front; `--threshold 5%` and `0.05` both mean θ = 0.05. */
import { z } from 'zod';
import { ReportError } from './errors.ts';
import { DEFAULT_METRICS, METRICS, metricIdOf, type MetricId } from './metrics.ts';
import type { ReportOptions } from './model.ts';
import { DEFAULT_RESAMPLES } from './defaults.ts';

export { DEFAULT_RESAMPLES };

export const MIN_RESAMPLES = 1000;

export const ReportOptionsInputSchema = z.strictObject({
  baseline: z.string().min(1).optional(),
  metrics: z.array(z.string()).min(1).optional(),
  threshold: z.number().gt(0).lt(10).optional(),
  alpha: z.number().gt(0).lt(0.5).optional(),
  power: z.number().gt(0).lt(1).optional(),
  seed: z.number().int().nonnegative().max(0xffffffff).optional(),
  resamples: z.number().int().min(MIN_RESAMPLES).max(1_000_000).optional(),
  runs: z.enum(['passing', 'all']).optional(),
});
export type ReportOptionsInput = z.infer<typeof ReportOptionsInputSchema>;

/** Parse "5%", "0.05" or "5" (taken as percent when ≥ 1) into a fraction. */
export function parseThreshold(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text);
  const v = m ? Number(m[1]) : NaN;
  const frac = m && (m[2] === '%' || v >= 1) ? v / 100 : v;
  if (!(frac > 0 && frac < 10)) throw new ReportError(`--threshold must look like 5% or 0.05, got "${text}"`, 'bad_option', { threshold: text });
  return frac;
}

/** Pick the baseline: the one named, else a condition called "baseline", else the first in code-unit order. */
export function chooseBaseline(conditions: readonly string[], requested?: string): string {
  if (requested !== undefined) {
    if (!conditions.includes(requested)) {
      throw new ReportError(`baseline "${requested}" is not a condition of these runs (${conditions.join(', ')})`, 'unknown_baseline', {
        baseline: requested,
        conditions: [...conditions],
      });
    }
    return requested;
  }
  return conditions.includes('baseline') ? 'baseline' : (conditions[0] as string);
}

export function resolveOptions(input: ReportOptionsInput, conditions: readonly string[]): ReportOptions {
  const parsed = ReportOptionsInputSchema.safeParse(input);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new ReportError(`bad report option ${i?.path.join('.') ?? ''}: ${i?.message ?? 'invalid'}`, 'bad_option', {}, parsed.error);
  }
  const o = parsed.data;
  const metrics = (o.metrics ?? [...DEFAULT_METRICS]).map((m) => {
    const id = metricIdOf(m);
    if (!id) throw new ReportError(`unknown metric "${m}" (known: ${METRICS.map((x) => x.id).join(', ')})`, 'unknown_metric', { metric: m });
    return id;
  });
  const alpha = o.alpha ?? 0.05;
  return {
    baseline: chooseBaseline(conditions, o.baseline),
    metrics: [...new Set<MetricId>(metrics)],
    threshold: o.threshold ?? 0.05,
    alpha,
    confidence: 1 - alpha,
    power: o.power ?? 0.8,
    seed: o.seed ?? 1,
    resamples: o.resamples ?? DEFAULT_RESAMPLES,
    taskResamples: o.resamples ?? DEFAULT_RESAMPLES, // buildReport lowers it for large reports (taskResamplesFor)
    runs: o.runs ?? 'passing',
  };
}
