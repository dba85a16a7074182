/** Lookups over a Report shared by the renderers (tables are laid out runner × task × condition). */
import { minNForMedianCi } from '../stats/order-stat-ci.ts';
import { quantileSorted } from '../stats/quantile.ts';
import { sortDoubles } from '../stats/radix-sort.ts';
import { metricDef, type MetricDef, type MetricId } from './metrics.ts';
import type { CellStats, Comparison, Headline, Report } from './model.ts';

const SEP = '\u0000';

export interface ReportView {
  report: Report;
  metric(id: MetricId): MetricDef;
  cell(runner: string, condition: string, task: string): CellStats | undefined;
  comparison(runner: string, condition: string, task: string, metric: MetricId): Comparison | undefined;
  headline(runner: string, condition: string, metric: MetricId): Headline | undefined;
  /** Tasks that have at least one cell for this runner. */
  tasksOf(runner: string): string[];
  /** Non-baseline conditions. */
  others: string[];
  /** Fewest runs for a median interval at the report's confidence. */
  medianCiMinN: number;
  /** No cell has a median interval for any metric (every cell has too few runs). */
  allMediansUnbounded: boolean;
  /** Geometric mean of a condition's per-task medians over the tasks of a headline. */
  geomeanOfMedians(runner: string, condition: string, metric: MetricId, tasks: readonly string[]): number | null;
}

export function viewOf(report: Report): ReportView {
  const cells = new Map(report.cells.map((c) => [[c.runner, c.condition, c.task].join(SEP), c]));
  const comps = new Map(report.comparisons.map((c) => [[c.runner, c.condition, c.task, c.metric].join(SEP), c]));
  const heads = new Map(report.headlines.map((h) => [[h.runner, h.condition, h.metric].join(SEP), h]));
  const cell = (r: string, c: string, t: string): CellStats | undefined => cells.get([r, c, t].join(SEP));
  return {
    report,
    metric: metricDef,
    cell,
    comparison: (r, c, t, m) => comps.get([r, c, t, m].join(SEP)),
    headline: (r, c, m) => heads.get([r, c, m].join(SEP)),
    tasksOf: (r) => report.tasks.filter((t) => report.conditions.some((c) => cell(r, c, t) !== undefined)),
    others: report.conditions.slice(1),
    medianCiMinN: minNForMedianCi(report.options.confidence),
    allMediansUnbounded: report.cells.every((c) => Object.values(c.metrics).every((s) => s.medianCi.unbounded)),
    geomeanOfMedians(r, c, m, tasks) {
      let s = 0;
      for (const t of tasks) {
        const med = cell(r, c, t)?.metrics[m]?.median;
        if (med === undefined || med === null) return null;
        if (med <= 0) return 0;
        s += Math.log(med);
      }
      return tasks.length ? Math.exp(s / tasks.length) : null;
    },
  };
}

/** p50 / p90 / p99 of a cell group's pooled call latencies. */
export function latencyQuantiles(sorted: Float64Array): { n: number; p50: number; p90: number; p99: number } | null {
  if (sorted.length === 0) return null;
  return { n: sorted.length, p50: quantileSorted(sorted, 0.5), p90: quantileSorted(sorted, 0.9), p99: quantileSorted(sorted, 0.99) };
}

/** Pooled latencies per report and runner × condition: the latency table and the CDF plot both ask (~1M calls at 100k records). */
const pooledCache = new WeakMap<Report, Map<string, Float64Array>>();

/**
 * Pooled, sorted call latencies of one runner × condition over all tasks (a typed array: ~1M calls
 * sort natively in tens of ms). Computed once per report (its cells do not change once built);
 * callers must not modify the array.
 */
export function pooledLatencies(report: Report, runner: string, condition: string): Float64Array {
  let byGroup = pooledCache.get(report);
  if (!byGroup) pooledCache.set(report, (byGroup = new Map()));
  const key = [runner, condition].join(SEP);
  const known = byGroup.get(key);
  if (known) return known;
  const mine = report.cells.filter((c) => c.runner === runner && c.condition === condition);
  const out = new Float64Array(mine.reduce((n, c) => n + c.callLatenciesMs.length, 0));
  let k = 0;
  for (const c of mine) for (const v of c.callLatenciesMs) out[k++] = v;
  sortDoubles(out);
  byGroup.set(key, out);
  return out;
}
