/**
 * Columnar grouping of RunRecords by runner × condition × task. One pass assigns each record
 * a group id through nested Maps (no per-record key strings), a counting sort lays the runs
 * used for statistics out group by group, and each metric becomes one column whose per-group
 * slices are views — no per-record objects are created.
 *
 * Every column — the metrics' values, the pairing blocks, and room for each metric's sorted
 * values — lives in one SharedArrayBuffer (see ColumnArena), so report worker threads read the
 * groups where they are (compare-parallel.ts) instead of from a copy.
 */
import { OUTCOMES, type Outcome } from '../experiment/outcomes.ts';
import type { RunRecord } from '../experiment/run-record.ts';
import { metricDef, type MetricId } from './metrics.ts';
import { sortDoubles, sortWholeNumbers } from '../stats/radix-sort.ts';

/** Outcomes counted but kept out of every statistic (success rate included). */
export const EXCLUDED_OUTCOMES: readonly Outcome[] = ['infra', 'canceled'];

/**
 * Which used runs feed the latency / token / cost statistics: `passing` (the default) compares
 * runs that passed their check only, so a condition that fails fast never looks cheaper;
 * `all` takes every used run (pass, fail, error, timeout).
 */
export type MetricRuns = 'passing' | 'all';

export interface Group {
  runner: string;
  condition: string;
  task: string;
  /** Runs per outcome, all outcomes included. */
  outcomes: Record<Outcome, number>;
  /** Indices into the records array of the runs used in statistics. */
  used: Int32Array;
  /** Per metric (same order as `metrics`): values of the used runs; NaN where a record has none or its outcome is not measured (see MetricRuns). */
  values: Float64Array[];
  /** Pairing block of each used run, NaN where absent. */
  blocks: Float64Array;
  /** Per metric: the finite values ascending, computed on first use (see sortedValues). */
  sorted: (Float64Array | undefined)[];
  /** Per metric: where sortedValues writes the sorted values (as long as `used`); absent: a new array. */
  sortSpace?: Float64Array[];
  /** Per metric: where logSortedValues writes the logs (as long as `used`); absent: a new array. */
  logSpace?: Float64Array[];
  /** Per metric: logs of `sorted`, or null when a value is ≤ 0; computed on first use (see logSortedValues). */
  logSorted: (Float64Array | null | undefined)[];
}

export interface Grouped {
  metrics: readonly MetricId[];
  groups: Group[];
  runners: string[];
  conditions: string[];
  tasks: string[];
}

const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

export function groupRecords(records: readonly RunRecord[], metrics: readonly MetricId[], metricRuns: MetricRuns = 'all'): Grouped {
  const n = records.length;
  const ids = new Map<string, Map<string, Map<string, number>>>();
  const keys: [string, string, string][] = [];
  const gid = new Int32Array(n);
  const excluded = new Uint8Array(OUTCOMES.length);
  for (const o of EXCLUDED_OUTCOMES) excluded[OUTCOMES.indexOf(o)] = 1;
  const outcomeIndex = new Map<string, number>(OUTCOMES.map((o, i) => [o, i]));
  const oid = new Uint8Array(n);
  // Pooled records come in canonical order, a group's runs one after another (load.ts): a record
  // of the same runner, condition and task as the one before takes its group without the three
  // Map lookups (each hashes a string JSON.parse made new).
  let lastRunner: string | undefined;
  let lastCondition: string | undefined;
  let lastTask: string | undefined;
  let lastGroup = -1;
  for (let i = 0; i < n; i++) {
    const r = records[i] as RunRecord;
    let g: number | undefined;
    if (r.task === lastTask && r.condition === lastCondition && r.runner === lastRunner) g = lastGroup;
    else {
      let byCond = ids.get(r.runner);
      if (!byCond) ids.set(r.runner, (byCond = new Map()));
      let byTask = byCond.get(r.condition);
      if (!byTask) byCond.set(r.condition, (byTask = new Map()));
      g = byTask.get(r.task);
      if (g === undefined) {
        g = keys.length;
        byTask.set(r.task, g);
        keys.push([r.runner, r.condition, r.task]);
      }
      lastRunner = r.runner;
      lastCondition = r.condition;
      lastTask = r.task;
      lastGroup = g;
    }
    gid[i] = g;
    oid[i] = outcomeIndex.get(r.outcome) as number;
  }
  const G = keys.length;
  const K = OUTCOMES.length;
  const outcomeCounts = new Int32Array(G * K);
  const usedCount = new Int32Array(G);
  for (let i = 0; i < n; i++) {
    const g = gid[i] as number;
    const o = oid[i] as number;
    outcomeCounts[g * K + o]!++;
    if (!excluded[o]) usedCount[g]!++;
  }
  const offset = new Int32Array(G + 1);
  for (let g = 0; g < G; g++) offset[g + 1] = (offset[g] as number) + (usedCount[g] as number);
  const fill = offset.slice(0, G);
  const usedIdx = new Int32Array(offset[G] as number);
  for (let i = 0; i < n; i++) if (!excluded[oid[i] as number]) usedIdx[fill[gid[i] as number]!++] = i;

  // One pass over the used records for every column: a million records do not fit in any
  // cache, and reading each record once instead of once per metric is most of this function.
  const reads = metrics.map((id) => metricDef(id).read);
  const arena = new ColumnArena(metrics.length, usedIdx.length);
  const columns = metrics.map((_, k) => arena.values(k));
  const blockCol = arena.blocks();
  const sortColumns = metrics.map((_, k) => arena.sortSpace(k));
  const logColumns = metrics.map((_, k) => arena.logSpace(k));
  const runIndex = new Map<string, number>();
  const M = reads.length;
  for (let j = 0; j < usedIdx.length; j++) {
    const r = records[usedIdx[j] as number] as RunRecord;
    const measured = metricRuns === 'all' || r.outcome === 'pass';
    for (let k = 0; k < M; k++) (columns[k] as Float64Array)[j] = measured ? (reads[k] as (r: RunRecord) => number)(r) : NaN;
    blockCol[j] = pairingBlock(r, runIndex);
  }

  const groups: Group[] = keys.map(([runner, condition, task], g) => {
    const a = offset[g] as number;
    const b = offset[g + 1] as number;
    const outcomes = Object.fromEntries(OUTCOMES.map((o, k) => [o, outcomeCounts[g * K + k] as number])) as Record<Outcome, number>;
    return {
      runner, condition, task, outcomes, used: usedIdx.subarray(a, b), values: columns.map((c) => c.subarray(a, b)), blocks: blockCol.subarray(a, b),
      sorted: [], sortSpace: sortColumns.map((c) => c.subarray(a, b)), logSorted: [], logSpace: logColumns.map((c) => c.subarray(a, b)),
    };
  });
  groups.sort((x, y) => cmp(x.runner, y.runner) || cmp(x.condition, y.condition) || cmp(x.task, y.task));
  const uniq = (f: (k: [string, string, string]) => string): string[] => [...new Set(keys.map(f))].sort(cmp);
  return { metrics, groups, runners: uniq((k) => k[0]), conditions: uniq((k) => k[1]), tasks: uniq((k) => k[2]) };
}

/**
 * The pairing key of a used run: its block within its own run (NaN without one). Block numbers
 * restart in every run, so pooled runs of one spec (block 0 in each) pair within each run, never
 * across. `runIndex` numbers the runs in the order they are first seen.
 */
function pairingBlock(r: RunRecord, runIndex: Map<string, number>): number {
  if (r.block === undefined) return NaN;
  let k = runIndex.get(r.runId);
  if (k === undefined) runIndex.set(r.runId, (k = runIndex.size));
  return k * BLOCKS_PER_RUN + r.block;
}

/** Keys of blocks stay exact integers up to 2^53 / 2^32 ≈ 2 million pooled runs. */
const BLOCKS_PER_RUN = 2 ** 32;

/**
 * The columns of one grouping in one SharedArrayBuffer: per metric the values, then the pairing
 * blocks, then per metric the space for its sorted values and for their logs, each `runs`
 * doubles long. One buffer
 * instead of a Float64Array per column and one per group and metric sorted, and no copy of them
 * all for report workers (compare-parallel.ts shares this buffer): at a million runs that copy was
 * another 120 MB of buffers, and every ~64 MB of new buffers makes V8 collect the whole heap — the
 * million records included, ≈ 0.4 s each (`--trace-gc`, bench/PROFILE.md fifth pass).
 */
class ColumnArena {
  readonly buffer: SharedArrayBuffer;

  constructor(private readonly metrics: number, private readonly runs: number) {
    this.buffer = new SharedArrayBuffer((3 * metrics + 1) * runs * Float64Array.BYTES_PER_ELEMENT);
  }

  private column(i: number): Float64Array {
    return new Float64Array(this.buffer, i * this.runs * Float64Array.BYTES_PER_ELEMENT, this.runs);
  }

  values(k: number): Float64Array {
    return this.column(k);
  }

  blocks(): Float64Array {
    return this.column(this.metrics);
  }

  sortSpace(k: number): Float64Array {
    return this.column(this.metrics + 1 + k);
  }

  logSpace(k: number): Float64Array {
    return this.column(2 * this.metrics + 1 + k);
  }
}

/**
 * Finite values of one metric of a group, ascending, in `space` when given (a million runs
 * make 9 million values to sort). Durations, tokens and counts are whole numbers: those take
 * sortWholeNumbers, other values (cost, -0, beyond 32 bits) sortDoubles (src/stats/radix-sort.ts);
 * either gives the native sort's result.
 */
export function sortedFinite(values: Float64Array, space?: Float64Array): Float64Array {
  let k = 0;
  let whole = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isNaN(v)) continue;
    k++;
    if (whole && (v !== (v | 0) || (v === 0 && 1 / v < 0))) whole = false;
  }
  // written into `space` (at least as long as `values`) when given, else into a new array
  const out = space ? space.subarray(0, k) : new Float64Array(k);
  k = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isNaN(v)) out[k++] = v;
  }
  if (!whole) return sortDoubles(out);
  sortWholeNumbers(out);
  return out;
}

/** A group's finite values of metric k, ascending; sorted once and shared by every reader (do not modify). */
export function sortedValues(g: Group, k: number): Float64Array {
  let s = g.sorted[k];
  if (!s) {
    s = sortedFinite(g.values[k] as Float64Array, g.sortSpace?.[k]);
    g.sorted[k] = s;
  }
  return s;
}

/** Natural logs of positive values (in `space` when given), or null when any value is ≤ 0 (or NaN). */
export function logsOfPositive(x: Float64Array, space?: Float64Array): Float64Array | null {
  const out = space ? space.subarray(0, x.length) : new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i] as number;
    if (!(v > 0)) return null;
    out[i] = Math.log(v);
  }
  return out;
}

/** Logs of sortedValues(g, k), or null when a value is ≤ 0; computed once and shared (do not modify). */
export function logSortedValues(g: Group, k: number): Float64Array | null {
  let l = g.logSorted[k];
  if (l === undefined) {
    l = logsOfPositive(sortedValues(g, k), g.logSpace?.[k]);
    g.logSorted[k] = l;
  }
  return l;
}
