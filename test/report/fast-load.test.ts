/**
 * The fast paths of reading and aggregating records (issue #16: a million records) against the
 * plain computation they stand in for, on a mixed set: two pooled runs (one paired by blocks),
 * retried cells (history lines), a torn last line, a line with a field of a newer writer (zod's
 * path), records without a decomposition (tool and harness time missing), null ttft, excluded
 * outcomes, fractional and whole values, -0. The fast path: loadRecords (the hand-written record
 * check, key-based dedupe, packed sort) and the report (whole numbers sorted as Int32Array,
 * samples copied by loop, waterfalls found in one pass). The plain path: every line through zod,
 * pooled with compareRecords and a string comparison of every neighbour.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunRecordV1Schema, type RunRecord } from '../../src/experiment/run-record.ts';
import { buildReport } from '../../src/report/analyze.ts';
import { sortedFinite } from '../../src/report/group.ts';
import { compareRecords, loadRecords, poolRecords, type LoadedRecords } from '../../src/report/load.ts';
import { createRng } from '../../src/stats/prng.ts';
import { record } from './fixtures.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';

/** Records of one run: 2 runners × 2 conditions × 3 tasks × `reps`, with every kind of value a report meets. */
function runRecords(runId: string, reps: number, seed: number, paired: boolean): RunRecord[] {
  const rng = createRng(seed, runId);
  const out: RunRecord[] = [];
  for (const runner of ['claude', 'opencode']) {
    for (const task of ['t1', 't2', 't3']) {
      for (const condition of ['baseline', 'c1']) {
        for (let rep = 0; rep < reps; rep++) {
          const wallMs = Math.round(10_000 * (condition === 'c1' ? 0.9 : 1) * Math.exp(0.3 * (rng.next() - 0.5)));
          const u = rng.next();
          const r = record({
            runner, condition, task, rep, runId, wallMs,
            cell: `${runner}.${condition}.${task}.${rep}`,
            outcome: u < 0.05 ? 'infra' : u < 0.08 ? 'canceled' : u < 0.2 ? 'fail' : 'pass',
            costUsd: wallMs * 3.3e-6, // fractional: the Float64Array sort
            modelMs: wallMs * 0.8,
            ttftMs: rng.next() < 0.2 ? null : 400 + Math.round(100 * rng.next()),
            calls: 1 + Math.floor(5 * rng.next()),
            callLatenciesMs: [Math.round(wallMs / 3), Math.round(wallMs / 5)],
            ...(paired ? { block: rep } : {}),
            ...(rng.next() < 0.5
              ? {
                  decomposition: {
                    wallMs, modelMs: wallMs * 0.6, toolMs: Math.round(wallMs * 0.2), harnessMs: Math.round(wallMs * 0.15), orchestrationMs: wallMs * 0.05, unattributedMs: 0,
                    startupMs: 300, outsideMs: 0, shares: { model: 0.6, tool: 0.2, harness: 0.15, orchestration: 0.05, unattributed: 0 },
                    toleranceMs: 50, withinTolerance: true, modelCalls: 3, toolCalls: 2, toolTiming: 'measured' as const, phaseTiming: 'measured' as const,
                  },
                }
              : {}),
          });
          out.push(r);
        }
      }
    }
  }
  return out;
}

const line = (r: unknown): string => JSON.stringify(r);

/** The plain reading of one records.jsonl: zod for every line, the torn tail skipped, the latest line of a cell kept. */
async function plainRead(file: string): Promise<{ records: RunRecord[]; superseded: number }> {
  const text = await readFile(file, 'utf8');
  const lines = text.split('\n');
  const complete = text.endsWith('\n') ? lines.slice(0, -1) : lines.slice(0, -1); // the last piece is empty or torn
  const byCell = new Map<string, RunRecord>();
  let superseded = 0;
  for (const l of complete) {
    if (!l.trim()) continue;
    const r = RunRecordV1Schema.parse(JSON.parse(l));
    if (byCell.has(r.cell)) superseded++;
    byCell.delete(r.cell);
    byCell.set(r.cell, r);
  }
  return { records: [...byCell.values()], superseded };
}

/** The plain pooling: a stable sort with compareRecords, then the later of neighbours with the same run and cell. */
function plainPool(files: { path: string; records: RunRecord[] }[], superseded: number, like: LoadedRecords): LoadedRecords {
  const input = files.flatMap((f) => f.records);
  const sorted = input.map((r, i) => ({ r, i })).sort((a, b) => compareRecords(a.r, b.r) || a.i - b.i).map((x) => x.r);
  const kept = sorted.filter((r, i) => !(sorted[i + 1] && sorted[i + 1]!.runId === r.runId && sorted[i + 1]!.cell === r.cell));
  return {
    experiment: 'pilot',
    records: kept,
    sources: files.map((f) => ({ path: f.path, records: f.records.length })),
    runIds: [...new Set(input.map((r) => r.runId))].sort(),
    duplicates: sorted.length - kept.length + superseded,
    history: superseded,
    // notes and the spend of history attempts are the loader's text, not what this compares
    ...(like.notes ? { notes: like.notes } : {}),
    ...(like.uncounted ? { uncounted: like.uncounted } : {}),
  };
}

describe('fast reading and aggregation give the plain report', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentab-fast-load-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a mixed set of two pooled runs: the same records, order, duplicates and report', async () => {
    const a = runRecords('run-a', 6, 1, false);
    const b = runRecords('run-b', 5, 2, true);
    // run-a: two cells retried (the earlier attempt stays as history), one line from a newer
    // writer (an unknown field: zod's path strips it), a -0, and a torn last line
    const retried = [{ ...a[3]!, outcome: 'canceled' as const }, { ...a[10]!, wallMs: 99_999, attempt: 1 }];
    const aLines = [
      ...retried.map(line),
      ...a.map((r, i) => (i === 10 ? line({ ...r, attempt: 2 }) : i === 7 ? line({ ...r, newerField: { x: 1 } }) : i === 12 ? line(r).replace(/"overheadMs":\d+/, '"overheadMs":-0') : line(r))),
    ];
    await mkdir(join(dir, 'run-a'));
    await writeFile(join(dir, 'run-a', 'records.jsonl'), aLines.join('\n') + '\n' + line(a[0]).slice(0, 50));
    // run-b as a records file of its own, one record repeated across the two inputs
    await writeFile(join(dir, 'b.jsonl'), [...b, a[5]!].map(line).join('\n') + '\n');

    const fast = await loadRecords([join(dir, 'run-a'), join(dir, 'b.jsonl')]);
    const readA = await plainRead(join(dir, 'run-a', 'records.jsonl'));
    const readB = await plainRead(join(dir, 'b.jsonl'));
    const plain = plainPool([{ path: join(dir, 'run-a', 'records.jsonl'), records: readA.records }, { path: join(dir, 'b.jsonl'), records: readB.records }], readA.superseded + readB.superseded, fast);

    assert.equal(fast.records.length, plain.records.length);
    assert.deepStrictEqual(fast.records, plain.records);
    assert.equal(fast.duplicates, plain.duplicates);
    assert.equal(fast.duplicates, 3, 'two history lines and one record named twice');
    assert.equal(fast.history, 2, 'of which two are history');
    const header = renderMarkdown(buildReport(fast, { resamples: 1000 })).split('\n').find((l) => /records from/.test(l));
    assert.match(header ?? '', /; 2 earlier lines of re-run cells kept as history; 1 duplicate records dropped\./, 'history is not called duplicates');
    assert.deepEqual(fast.runIds, plain.runIds);
    assert.ok(fast.notes?.some((n) => /cut short/.test(n)));
    assert.ok(fast.records.some((r) => Object.is(r.overheadMs, -0)));
    assert.ok(fast.records.every((r) => !('newerField' in r)));

    for (const runs of ['passing', 'all'] as const) {
      const options = { resamples: 1000, runs, metrics: ['wall', 'model', 'tool', 'harness', 'input', 'cost', 'ttft', 'overhead'] as never };
      const got = buildReport(fast, options);
      const want = buildReport(plain, options);
      assert.deepStrictEqual(got, want);
      assert.ok(got.cells.some((c) => c.metrics['tool']?.samples.includes(null)), 'some runs have no tool time');
      assert.ok(got.comparisons.length > 0);
    }
  });

  test('pooling (counting sort by cell group, packed or comparator sort as fallbacks) orders and dedupes as the plain stable sort', () => {
    const rng = createRng(11, 'pool-order');
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(xs.length * rng.next())] as T;
    const shuffle = <T,>(xs: T[]): T[] => {
      for (let i = xs.length - 1; i > 0; i--) {
        const j = Math.floor((i + 1) * rng.next());
        [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
      }
      return xs;
    };
    for (let trial = 0; trial < 120; trial++) {
      const shape = trial % 4; // 0: one run in write order, 1: two runs pooled, 2: shuffled, 3: sparse keys (k1 range ≫ records)
      const runners = shape === 3 ? Array.from({ length: 14 }, (_, i) => `r${i}`) : ['claude', 'opencode'];
      const conditions = shape === 3 ? Array.from({ length: 14 }, (_, i) => `c${i}`) : ['baseline', 'c1', 'c2'];
      const tasks = shape === 3 ? Array.from({ length: 14 }, (_, i) => `t${i}`) : ['t1', 't2'];
      const runIds = shape === 0 ? ['run-1'] : ['run-1', 'run-2', 'run-0'];
      const batches: { path: string; records: RunRecord[] }[] = runIds.map((runId) => ({ path: runId, records: [] }));
      const reps = 1 + Math.floor(6 * rng.next());
      for (const batch of batches) {
        for (const runner of shape === 3 ? [pick(runners)] : runners) {
          for (const task of tasks) {
            for (const condition of shape === 3 ? [pick(conditions), pick(conditions)] : conditions) {
              for (let rep = 0; rep < reps; rep++) {
                const r = record({ runner, condition, task, rep, runId: batch.path, wallMs: Math.floor(1e5 * rng.next()) });
                batch.records.push(r);
                if (rng.next() < 0.1) batch.records.push({ ...r, wallMs: 1 }); // the same run and cell again: a duplicate
                if (rng.next() < 0.03) batch.records.push({ ...r, cell: `${r.cell}-other` }); // equal sort keys, another cell
              }
            }
          }
        }
        if (shape === 2) shuffle(batch.records);
      }
      const got = poolRecords(batches);
      const input = batches.flatMap((b) => b.records);
      const sorted = input.map((r, i) => ({ r, i })).sort((a, b) => compareRecords(a.r, b.r) || a.i - b.i).map((x) => x.r);
      const kept = sorted.filter((r, i) => !(sorted[i + 1] && sorted[i + 1]!.runId === r.runId && sorted[i + 1]!.cell === r.cell));
      assert.equal(got.records.length, kept.length, `trial ${trial}`);
      for (let i = 0; i < kept.length; i++) assert.equal(got.records[i], kept[i], `trial ${trial} (shape ${shape}) at ${i}`);
      assert.equal(got.duplicates, sorted.length - kept.length);
      assert.deepEqual(got.runIds, [...new Set(input.map((r) => r.runId))].sort());
    }
  });

  test('sortedFinite (whole numbers through an Int32Array or a radix sort, others through sortDoubles) orders exactly as a Float64Array sort', () => {
    const rng = createRng(7, 'sorted-finite');
    const kinds: (() => number)[] = [
      () => Math.floor(1e6 * rng.next()),
      () => -Math.floor(1e3 * rng.next()),
      () => 0,
      () => -0,
      () => NaN,
      () => 2 ** 31 + Math.floor(10 * rng.next()), // beyond 32 bits
      () => -(2 ** 31),
      () => 2 ** 31 - 1,
      () => 1e6 * rng.next(), // fractional
    ];
    for (let trial = 0; trial < 400; trial++) {
      // from trial 300 on, half the sets hold only 32-bit whole numbers (and NaN): the radix sort's input
      const use = (trial >= 300 && trial % 2 === 0 ? [kinds[0]!, kinds[1]!, kinds[2]!, kinds[4]!, kinds[6]!, kinds[7]!] : kinds).filter(() => rng.next() < 0.5);
      // short sets (native sort) and long ones (the radix sort of whole numbers, 1 to 3 passes)
      const n = trial < 300 ? Math.floor(60 * rng.next()) : 256 + Math.floor(3000 * rng.next());
      const values = Float64Array.from({ length: n }, () => (use.length ? use[Math.floor(use.length * rng.next())]!() : 1));
      const want = Float64Array.from(values.filter((v) => !Number.isNaN(v))).sort();
      const got = sortedFinite(values);
      assert.equal(got.length, want.length);
      for (let i = 0; i < want.length; i++) assert.ok(Object.is(got[i], want[i]), `trial ${trial} at ${i}: ${got[i]} vs ${want[i]}`);
    }
  });
});
