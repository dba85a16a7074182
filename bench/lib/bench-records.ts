/**
 * The RunRecords of the aggregation benchmark (bench/aggregate.ts): 2 runners × 4 conditions ×
 * 50 tasks × reps, seeded, so every run of the benchmark — and the old code it is compared
 * with — aggregates the same records. Also written as a records.jsonl for the end-to-end
 * `agentab report` measurement.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { RunRecord } from '../../src/experiment/run-record.ts';
import { cellId } from '../../src/experiment/cell-id.ts';
import { createRng } from '../../src/stats/prng.ts';

export const BENCH_RUNNERS = ['claude', 'opencode'];
export const BENCH_CONDITIONS = ['baseline', 'with-docs', 'no-mcp', 'big-prompt'];
const EFFECT = [1, 0.85, 1, 1.1];
export const BENCH_TASKS = Array.from({ length: 50 }, (_, i) => `task-${String(i).padStart(2, '0')}`);

/** Reps per cell for about `records` records in all. */
export function benchReps(records: number): number {
  return Math.max(1, Math.round(records / (BENCH_RUNNERS.length * BENCH_CONDITIONS.length * BENCH_TASKS.length)));
}

/** Calls `emit` with every record of the benchmark, in the order a run writes them (runner, task, condition, rep). */
export function forEachBenchRecord(records: number, emit: (r: RunRecord) => void): void {
  const reps = benchReps(records);
  const rng = createRng(1, 'bench');
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  // the calls' latencies from a stream of their own, so every other value is what it was before they were added
  const callRng = createRng(1, 'bench-calls');
  const env = { image: 'agentab/bench:1', cpus: 2 }; // shared: real records differ here only by reference
  const reported = {};
  for (const runner of BENCH_RUNNERS) {
    BENCH_TASKS.forEach((task, t) => {
      const scale = 5_000 * (1 + t);
      BENCH_CONDITIONS.forEach((condition, c) => {
        for (let rep = 0; rep < reps; rep++) {
          const f = (EFFECT[c] as number) * Math.exp(0.3 * gauss());
          const wallMs = Math.round(scale * f);
          const input = Math.round(4 * scale * f);
          const calls = Math.max(1, Math.round(10 * f));
          // every real record lists each call's latency (build-record.ts): the model's time split
          // unevenly over the calls, to the 0.1 ms
          const callLatenciesMs: number[] = [];
          for (let k = 0; k < calls; k++) callLatenciesMs.push(Math.round((wallMs * 0.8 * (0.5 + callRng.next())) / calls * 10) / 10);
          emit({
            v: 1, experiment: 'bench', runId: 'bench-1', cell: cellId({ experiment: 'bench', runner, condition, task, rep }), runner, runnerVersion: '1.0.0',
            condition, task, rep, launcher: 'local', host: 'bench', startedAt: '2025-01-01T00:00:00.000Z',
            wallMs, exitCode: 0, outcome: rng.next() < 0.01 ? 'infra' : rng.next() < 0.9 ? 'pass' : 'fail',
            calls, callLatenciesMs,
            usage: { input, output: Math.round(input / 20), cacheRead: Math.round(input * 0.6), cacheWrite: 0, reasoning: 0 },
            costUsd: input * 3e-6, modelMs: Math.round(wallMs * 0.8), ttftMs: 400, overheadMs: 2,
            runnerReported: reported, env,
          });
        }
      });
    });
  }
}

/**
 * The records as the report's loader returns them: each one through JSON (flat strings, its own
 * nested objects), not the generator's shared objects and concatenated strings, which a garbage
 * collector traverses differently.
 */
export function generateBenchRecords(records: number): RunRecord[] {
  const out: RunRecord[] = [];
  forEachBenchRecord(records, (r) => out.push(JSON.parse(JSON.stringify(r)) as RunRecord));
  return out;
}

/** Writes the benchmark's records as one records.jsonl (a line each, as RecordsLog appends them). */
export async function writeBenchRecordsJsonl(file: string, records: number): Promise<void> {
  const stream = createWriteStream(file);
  let chunk: string[] = [];
  const pending: RunRecord[] = [];
  forEachBenchRecord(records, (r) => pending.push(r));
  for (const r of pending) {
    chunk.push(JSON.stringify(r));
    if (chunk.length === 10_000) {
      if (!stream.write(chunk.join('\n') + '\n')) await once(stream, 'drain');
      chunk = [];
    }
  }
  if (chunk.length) stream.write(chunk.join('\n') + '\n');
  stream.end();
  await once(stream, 'finish');
}
