/**
 * Spread of earlier runs on the log scale, for the plan step's power estimate (`--dry-run`):
 * the within-cell variance of log values, pooled over runner × condition × task cells.
 */
import type { RunRecord } from '../experiment/run-record.ts';
import { pooledLogVariance } from '../stats/power.ts';
import { groupRecords, sortedFinite } from './group.ts';
import type { MetricId } from './metrics.ts';

export interface EarlierVariance {
  metric: MetricId;
  /** Pooled over every cell; null when undefined (fewer than 2 runs per cell, or zero values). */
  pooled: number | null;
  /** Pooled over the cells of each task. */
  byTask: Record<string, number | null>;
}

export function earlierLogVariance(records: readonly RunRecord[], metric: MetricId): EarlierVariance {
  const g = groupRecords(records, [metric]);
  const samples = g.groups.map((x) => sortedFinite(x.values[0] as Float64Array));
  const byTask: Record<string, number | null> = {};
  for (const task of g.tasks) byTask[task] = pooledLogVariance(samples.filter((_, i) => g.groups[i]?.task === task));
  return { metric, pooled: pooledLogVariance(samples), byTask };
}
