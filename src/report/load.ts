/**
 * Reading RunRecords for a report: any number of run directories (their records.jsonl) or
 * record files, pooled after checking they belong to one experiment. Records are put in a
 * canonical order so the report does not depend on the order the inputs were named in.
 */
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { readRecordsFile, type RecordsFile } from '../experiment/records-store.ts';
import type { RunRecord } from '../experiment/run-record.ts';
import { lockIsStale, readRunLockSync } from '../experiment/run-lock.ts';
import { addUncounted, noUncountedSpend, totalUncounted, uncountedSpendOfRun, uncountedText, type UncountedSpend } from '../experiment/uncounted-spend.ts';
import { ReportError } from './errors.ts';

export interface LoadedSource {
  path: string;
  records: number;
}

export interface LoadedRecords {
  experiment: string;
  records: RunRecord[];
  sources: LoadedSource[];
  runIds: string[];
  /** Records dropped because a later line had the same (runId, cell): `history` of them, and the rest inputs named twice. */
  duplicates: number;
  /** Of `duplicates`, earlier lines of cells a resume re-ran (--retry, a killed attempt): kept as history by design. */
  history?: number;
  /** What reading skipped or repaired (a torn line, a planned run without records). */
  notes?: string[];
  /** Spend of killed, canceled and retried attempts (kept out of the statistics); absent when none. */
  uncounted?: UncountedSpend;
}

/**
 * The spend a run's statistics leave out (uncounted-spend.ts), for a report. A run still in
 * progress (its run.lock held by a live process) has attempts in flight whose calls no record
 * holds yet: they are not counted as killed, and a note says so.
 */
export async function uncountedOfSource(recordsFile: string, file?: Pick<RecordsFile, 'records' | 'superseded'>): Promise<{ uncounted: UncountedSpend; note?: string }> {
  const lock = readRunLockSync(dirname(recordsFile));
  const live = lock !== null && !lockIsStale(lock);
  const uncounted = await uncountedSpendOfRun(recordsFile, { live, file });
  return live ? { uncounted, note: `${dirname(recordsFile)}: the run is still in progress (pid ${lock.pid}); the spend of its running attempts is not shown` } : { uncounted };
}

/**
 * The records files of an input: a records.jsonl, a run directory's, or, for an experiment's
 * directory (results/<experiment>, as the viewer takes it), every run directory's under it.
 */
async function resolveFiles(input: string): Promise<string[]> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(input)).isDirectory();
  } catch (e) {
    throw new ReportError(`cannot read ${input}: ${(e as Error).message}`, 'unreadable_input', { path: input }, e);
  }
  if (!isDirectory) return [input];
  const own = join(input, 'records.jsonl');
  if (existsSync(own) || existsSync(join(input, 'manifest.json'))) return [own];
  const subdirs = (await readdir(input, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => join(input, e.name));
  const runs = subdirs.filter((d) => existsSync(join(d, 'manifest.json'))).map((d) => join(d, 'records.jsonl')).sort();
  if (runs.length) return runs;
  // A results root holds experiments, which a report does not mix: say which there are.
  const experiments = (await Promise.all(subdirs.map(async (d) => ((await readdir(d).catch(() => [] as string[])).some((r) => existsSync(join(d, r, 'manifest.json'))) ? d : undefined)))).filter((d): d is string => d !== undefined).sort();
  if (experiments.length) {
    throw new ReportError(`${input} is a results root holding ${experiments.length} experiment(s); a report is of one: give one of ${experiments.join(', ')} (or run directories of it)`, 'no_records', { path: input });
  }
  return [own];
}

/**
 * The records of one records.jsonl, read as the run store reads it (records-store.ts): a torn
 * last line (a crash mid-append) is skipped, the latest line of a cell wins (a cell re-run by
 * --resume or --retry), and a missing file is empty (a planned run). Lines that are not valid
 * records are an error naming the file and line.
 */
export async function readRecordFile(path: string): Promise<RunRecord[]> {
  return (await readRecordFileWithNotes(path)).records;
}

async function readRecordFileWithNotes(path: string): Promise<{ records: RunRecord[]; superseded: RunRecord[]; notes: string[]; duplicates: number }> {
  let f: Awaited<ReturnType<typeof readRecordsFile>>;
  try {
    f = await readRecordsFile(path);
  } catch (e) {
    throw new ReportError(`cannot read ${path}: ${(e as Error).message}`, 'unreadable_input', { path }, e);
  }
  if (f.badLines > 0) {
    throw new ReportError(`${path}:${f.firstBadLine ?? '?'}: ${f.firstBadError ?? 'not a run record'}${f.badLines > 1 ? ` (and ${f.badLines - 1} more invalid line(s))` : ''}`, 'bad_record', { path, line: f.firstBadLine });
  }
  const notes: string[] = [];
  if (f.tornTail) notes.push(`${path}: the last line was cut short (the run was killed mid-write); it is skipped`);
  if (f.duplicates > 0) notes.push(`${path}: ${f.duplicates} earlier line(s) of re-run cells kept as history, not counted`);
  return { records: f.records, superseded: f.superseded, notes, duplicates: f.duplicates };
}

/** Canonical order: runner, condition, task, rep, runId, cell (code-unit comparison, no locale). */
export function compareRecords(a: RunRecord, b: RunRecord): number {
  const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  return (
    cmp(a.runner, b.runner) || cmp(a.condition, b.condition) || cmp(a.task, b.task) || a.rep - b.rep ||
    cmp(a.runId, b.runId) || cmp(a.cell, b.cell)
  );
}

/** Ids of strings in the order first seen, and each id's rank in code-unit order. */
class StringIds {
  private readonly ids = new Map<string, number>();

  id(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) this.ids.set(value, (id = this.ids.size));
    return id;
  }

  get size(): number {
    return this.ids.size;
  }

  /** The strings ascending (code units, no locale). */
  sorted(): string[] {
    return [...this.ids.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** rank[id] = position of that id's string in sorted(). */
  ranks(): Int32Array {
    const rank = new Int32Array(this.ids.size);
    this.sorted().forEach((value, i) => (rank[this.ids.get(value) as number] = i));
    return rank;
  }
}

/** The canonical order of a set of records, and the integer keys it was sorted on. */
interface CanonicalOrder {
  /** Indices of the input records in canonical order. */
  order: Int32Array;
  /** Per input record: (runner, condition, task) rank, and (rep, runId) rank. Equal k1 and k2: same runner, condition, task, rep and run. */
  k1: Float64Array;
  k2: Float64Array;
  /** Run ids, ascending. */
  runIds: string[];
}

/**
 * Sort in canonical order (as compareRecords) through integer keys: strings are ranked once, so
 * a million records sort on numbers instead of repeated string comparisons. Each record is read
 * once (a million records do not fit in any cache).
 */
function canonicalOrder(records: readonly RunRecord[]): CanonicalOrder {
  const n = records.length;
  const runner = new StringIds();
  const condition = new StringIds();
  const task = new StringIds();
  const runId = new StringIds();
  const ids = new Int32Array(4 * n);
  const rep = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = records[i] as RunRecord;
    ids[4 * i] = runner.id(r.runner);
    ids[4 * i + 1] = condition.id(r.condition);
    ids[4 * i + 2] = task.id(r.task);
    ids[4 * i + 3] = runId.id(r.runId);
    rep[i] = r.rep;
  }
  const [runnerRank, conditionRank, taskRank, runIdRank] = [runner.ranks(), condition.ranks(), task.ranks(), runId.ranks()] as [Int32Array, Int32Array, Int32Array, Int32Array];
  const k1 = new Float64Array(n);
  const k2 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    k1[i] = ((runnerRank[ids[4 * i] as number] as number) * condition.size + (conditionRank[ids[4 * i + 1] as number] as number)) * task.size + (taskRank[ids[4 * i + 2] as number] as number);
    k2[i] = (rep[i] as number) * runId.size + (runIdRank[ids[4 * i + 3] as number] as number);
  }
  const order = bucketOrder(k1, k2, records) ?? packedOrder(k1, k2, records) ?? comparatorOrder(k1, k2, records);
  return { order, k1, k2, runIds: runId.sorted() };
}

/** The general sort: integer keys first, then the full comparison, then input order. */
function comparatorOrder(k1: Float64Array, k2: Float64Array, records: readonly RunRecord[]): Int32Array {
  const idx = new Int32Array(k1.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx.sort((a, b) => (k1[a] as number) - (k1[b] as number) || (k2[a] as number) - (k2[b] as number) || compareRecords(records[a] as RunRecord, records[b] as RunRecord) || a - b);
}

/**
 * The same order as packedOrder in O(n) for the usual input: a stable counting sort on k1 (one
 * bucket per runner × condition × task), after which each bucket holds its records in input order,
 * which is already (k2, input index) order when a bucket's k2 never decreases — as a run writes its
 * reps. Only buckets that are not (pooled runs, hand-made files) are sorted, on (k2, index) packed
 * into doubles. Sorting a million packed doubles was ≈ 40 % of pooling (profile, bench/PROFILE.md).
 * null — the caller falls back to packedOrder — when k1 spans far more values than there are
 * records (its counting array would be the larger cost), when packed keys of a bucket would not be
 * exact, or when equal keys hide different cells (as packedOrder).
 */
function bucketOrder(k1: Float64Array, k2: Float64Array, records: readonly RunRecord[]): Int32Array | null {
  const n = k1.length;
  let max1 = 0;
  let max2 = 0;
  for (let i = 0; i < n; i++) {
    if ((k1[i] as number) > max1) max1 = k1[i] as number;
    if ((k2[i] as number) > max2) max2 = k2[i] as number;
  }
  if (max1 >= 4 * n + 1024) return null;
  const start = new Int32Array(max1 + 2);
  for (let i = 0; i < n; i++) start[(k1[i] as number) + 1]!++;
  for (let b = 1; b < start.length; b++) start[b] = (start[b] as number) + (start[b - 1] as number);
  const fill = start.slice(0, max1 + 1);
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[fill[k1[i] as number]!++] = i;
  let scratch = new Float64Array(0);
  for (let b = 0; b <= max1; b++) {
    const from = start[b] as number;
    const to = start[b + 1] as number;
    let ordered = true;
    for (let j = from + 1; j < to; j++) {
      if ((k2[idx[j] as number] as number) < (k2[idx[j - 1] as number] as number)) {
        ordered = false;
        break;
      }
    }
    if (!ordered) {
      const size = to - from;
      if ((max2 + 1) * n > Number.MAX_SAFE_INTEGER) return null;
      if (scratch.length < size) scratch = new Float64Array(Math.max(size, 2 * scratch.length));
      const packed = scratch.subarray(0, size);
      for (let j = 0; j < size; j++) {
        const i = idx[from + j] as number;
        packed[j] = (k2[i] as number) * n + i;
      }
      packed.sort();
      for (let j = 0; j < size; j++) idx[from + j] = (packed[j] as number) % n;
    }
    for (let j = from + 1; j < to; j++) {
      const i = idx[j] as number;
      const prev = idx[j - 1] as number;
      if (k2[i] === k2[prev] && (records[i] as RunRecord).cell !== (records[prev] as RunRecord).cell) return null;
    }
  }
  return idx;
}

/**
 * The same order without a comparator callback: (k1, k2, input index) packed into one double
 * each, sorted natively. Records with equal (k1, k2) differ at most in their cell id; a cell
 * id derives from (runner, condition, task, rep), so they are duplicates of one run and keep
 * input order — exactly as the comparator orders them. null when the packed keys would not be
 * exact integers (more than 2^53), or when equal keys hide different cells (hand-made records),
 * so the caller falls back to the comparator.
 */
function packedOrder(k1: Float64Array, k2: Float64Array, records: readonly RunRecord[]): Int32Array | null {
  const n = k1.length;
  let max1 = 0;
  let max2 = 0;
  for (let i = 0; i < n; i++) {
    if ((k1[i] as number) > max1) max1 = k1[i] as number;
    if ((k2[i] as number) > max2) max2 = k2[i] as number;
  }
  if ((max1 + 1) * (max2 + 1) * n > Number.MAX_SAFE_INTEGER) return null;
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) packed[i] = ((k1[i] as number) * (max2 + 1) + (k2[i] as number)) * n + i;
  packed.sort();
  const idx = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const i = (packed[j] as number) % n;
    idx[j] = i;
    if (j > 0) {
      const prev = idx[j - 1] as number;
      if (k1[i] === k1[prev] && k2[i] === k2[prev] && (records[i] as RunRecord).cell !== (records[prev] as RunRecord).cell) return null;
    }
  }
  return idx;
}

/**
 * Pool records, dropping earlier duplicates of (runId, cell), and check the experiment is one.
 * A cell id is a hash of (experiment, runner, condition, task, rep), so duplicates sort next to
 * each other (in input order, the sort being stable); keeping the last of each run is O(n).
 */
export function poolRecords(batches: readonly { path: string; records: readonly RunRecord[] }[]): LoadedRecords {
  const experiments = new Set<string>();
  const input: RunRecord[] = [];
  for (const b of batches) {
    // an indexed loop: a for…of loop that runs once makes an iterator result per record
    for (let i = 0; i < b.records.length; i++) {
      const r = b.records[i] as RunRecord;
      experiments.add(r.experiment);
      input.push(r);
    }
  }
  const { order, k1, k2, runIds } = input.length ? canonicalOrder(input) : { order: new Int32Array(0), k1: new Float64Array(0), k2: new Float64Array(0), runIds: [] };
  const all: RunRecord[] = [];
  let duplicates = 0;
  for (let j = 0; j < order.length; j++) {
    const i = order[j] as number;
    const next = j + 1 < order.length ? (order[j + 1] as number) : -1;
    // equal keys: same runner, condition, task, rep and run; only then are the cell ids read
    // (a million records' objects are not touched again, and their strings not compared)
    if (next >= 0 && k1[next] === k1[i] && k2[next] === k2[i] && (input[next] as RunRecord).cell === (input[i] as RunRecord).cell) duplicates++;
    else all.push(input[i] as RunRecord);
  }
  if (all.length === 0) throw new ReportError('no run records found in the inputs', 'no_records', { inputs: batches.map((b) => b.path) });
  if (experiments.size > 1) {
    throw new ReportError(`inputs belong to different experiments: ${[...experiments].sort().join(', ')}`, 'mixed_experiments', {
      experiments: [...experiments].sort(),
    });
  }
  return {
    experiment: [...experiments][0] as string,
    records: all,
    sources: batches.map((b) => ({ path: b.path, records: b.records.length })),
    runIds, // dropping an earlier line of a (runId, cell) keeps its run id
    duplicates,
  };
}

export async function loadRecords(inputs: readonly string[]): Promise<LoadedRecords> {
  if (inputs.length === 0) throw new ReportError('name at least one run directory or records.jsonl', 'no_records');
  const batches = [];
  const notes: string[] = [];
  let superseded = 0;
  let uncounted = noUncountedSpend();
  for (const input of inputs) for (const path of await resolveFiles(input)) {
    const read = await readRecordFileWithNotes(path);
    notes.push(...read.notes);
    superseded += read.duplicates;
    if (basename(path) === 'records.jsonl') {
      const u = await uncountedOfSource(path, read);
      uncounted = addUncounted(uncounted, u.uncounted);
      if (u.note) notes.push(u.note);
    }
    if (read.records.length === 0) {
      notes.push(`${path === join(input, 'records.jsonl') || path === input ? input : dirname(path)}: no run records (a plan, or a run that recorded no cell yet); skipped`);
      continue;
    }
    batches.push({ path, records: read.records });
  }
  if (batches.length === 0) {
    // a run killed before its first record still spent: say how much
    const lost = uncountedText(uncounted);
    if (lost) notes.push(lost.replace(/^Spend of killed, canceled or retried attempts \(excluded from the statistics\): killed/, 'spend of killed attempts:'));
    throw new ReportError(`no run records found in the inputs${notes.length ? ` (${notes.join('; ')})` : ''}`, 'no_records', { inputs: [...inputs] });
  }
  const pooled = poolRecords(batches);
  return { ...pooled, duplicates: pooled.duplicates + superseded, history: superseded, notes, ...(totalUncounted(uncounted).attempts ? { uncounted } : {}) };
}
