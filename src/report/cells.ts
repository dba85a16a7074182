/** Per-cell statistics: counts by outcome, success rate, and a summary of every metric. */
import type { RunRecord } from '../experiment/run-record.ts';
import { summarizeSorted } from '../stats/summary.ts';
import { classifyOutlier } from '../stats/tukey.ts';
import { wilsonInterval } from '../stats/wilson.ts';
import { withLazyProp } from '../util/objects.ts';
import { sortedValues, type Group } from './group.ts';
import type { CellStats, MetricStats, Outlier, ReportOptions, RunColumns } from './model.ts';

/**
 * The values as a plain array, null where missing. A loop into a preallocated array: a million
 * runs make millions of samples, and Array.from over a typed array goes through its iterator
 * (≈ 10× slower, measured); with no value missing the array holds unboxed doubles.
 */
function samplesOf(values: Float64Array, noneMissing: boolean): (number | null)[] {
  const out = new Array<number | null>(values.length);
  if (noneMissing) for (let j = 0; j < values.length; j++) out[j] = values[j] as number;
  else {
    for (let j = 0; j < values.length; j++) {
      const v = values[j] as number;
      out[j] = Number.isNaN(v) ? null : v;
    }
  }
  return out;
}

/**
 * A metric's statistics with `samples` built from its column when first read (the JSON and HTML
 * writers, the viewer's structured clone), not while the report is computed: a million runs make
 * 9 million samples, and with a run missing a value (every failed run, in `passing` mode) a plain
 * array holds each number boxed, 9 million heap objects copied by every collection of the young
 * generation until they reach the old one (bench/PROFILE.md, eleventh pass). An enumerable
 * property (withLazyProp). The column is a view into the grouping's arena, which the report keeps
 * alive while it lives.
 */
function withSamples(stats: Omit<MetricStats, 'samples'>, values: Float64Array, noneMissing: boolean): MetricStats {
  return withLazyProp(stats, 'samples', () => samplesOf(values, noneMissing));
}

function metricStats(values: Float64Array, sorted: Float64Array, runs: RunColumns, confidence: number): MetricStats {
  const noneMissing = sorted.length === values.length;
  if (sorted.length === 0) {
    return withSamples({
      n: 0, median: null, medianCi: { lo: null, hi: null, unbounded: true, coverage: null, ranks: null },
      mean: null, p95: null, min: null, max: null, outliers: [],
    }, values, noneMissing);
  }
  const s = summarizeSorted(sorted, confidence);
  const outliers: Outlier[] = [];
  for (let j = 0; j < values.length; j++) {
    const v = values[j] as number;
    const kind = Number.isNaN(v) ? null : classifyOutlier(v, s.fences);
    if (kind) {
      outliers.push({ value: v, runId: runs.runId[j] as string, cell: runs.cell[j] as string, rep: runs.rep[j] as number, kind });
    }
  }
  return withSamples({ n: s.n, median: s.median, medianCi: s.medianCi, mean: s.mean, p95: s.p95, min: s.min, max: s.max, outliers }, values, noneMissing);
}

export function cellStats(group: Group, records: readonly RunRecord[], options: ReportOptions): CellStats {
  const n = group.used.length;
  const runs: RunColumns = { runId: new Array(n), cell: new Array(n), rep: new Array(n), outcome: new Array(n), block: new Array(n) };
  let latencyCount = 0;
  // one pass over the cell's records for its run columns (a million records do not fit in any
  // cache: every further pass over them costs as much again); their latency arrays are kept
  const callArrays: number[][] = [];
  for (let j = 0; j < n; j++) {
    const r = records[group.used[j] as number] as RunRecord;
    runs.runId[j] = r.runId;
    runs.cell[j] = r.cell;
    runs.rep[j] = r.rep;
    runs.outcome[j] = r.outcome;
    runs.block[j] = r.block ?? null;
    const calls = r.callLatenciesMs;
    if (calls?.length) {
      callArrays.push(calls);
      latencyCount += calls.length;
    }
  }
  const metrics: Record<string, MetricStats> = {};
  options.metrics.forEach((m, k) => {
    metrics[m] = metricStats(group.values[k] as Float64Array, sortedValues(group, k), runs, options.confidence);
  });
  const total = Object.values(group.outcomes).reduce((a, b) => a + b, 0);
  const cell = {
    runner: group.runner,
    condition: group.condition,
    task: group.task,
    runs: total,
    outcomes: group.outcomes,
    used: runs,
    success: wilsonInterval(group.outcomes.pass, n, options.confidence),
    metrics,
  };
  // Every call's latency, in run order, unsorted (the only readers pool them per runner ×
  // condition and sort the pool: view.ts pooledLatencies), joined into one array when first read
  // (the JSON and HTML writers, the latency table, the viewer's clone), not while the report is
  // computed: at a million runs, 400 arrays of 25,000 built and filled were ≈ 0.35 s of the main
  // thread (bench/PROFILE.md, eleventh pass). Lazy as samples are; it keeps the runs' own latency
  // arrays, not their records.
  return withLazyProp(cell, 'callLatenciesMs', () => joined(callArrays, latencyCount));
}

/** The arrays' values one after another, in one array of `count`. */
function joined(arrays: readonly number[][], count: number): number[] {
  const out = new Array<number>(count);
  let at = 0;
  for (let a = 0; a < arrays.length; a++) {
    const values = arrays[a] as number[];
    for (let i = 0; i < values.length; i++) out[at++] = values[i] as number;
  }
  return out;
}
