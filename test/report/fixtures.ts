/** Hand-written RunRecords for report tests: a record factory and a seeded lognormal experiment. */
import type { RunRecord } from '../../src/experiment/run-record.ts';
import { buildReport } from '../../src/report/analyze.ts';
import { poolRecords, type LoadedRecords } from '../../src/report/load.ts';
import type { Report } from '../../src/report/model.ts';
import { createRng, type Rng } from '../../src/stats/prng.ts';

export function record(p: Partial<RunRecord> & Pick<RunRecord, 'condition' | 'task' | 'rep'>): RunRecord {
  const wallMs = p.wallMs ?? 10_000;
  return {
    v: 1,
    experiment: 'pilot',
    runId: 'run-1',
    cell: `${p.runner ?? 'claude'}-${p.condition}-${p.task}-${p.rep}`,
    runner: 'claude',
    runnerVersion: '2.1.197',
    launcher: 'local',
    host: 'test-host',
    startedAt: '2025-01-01T00:00:00.000Z',
    wallMs,
    exitCode: 0,
    outcome: 'pass',
    calls: 5,
    usage: { input: 20_000, output: 1_500, cacheRead: 12_000, cacheWrite: 2_000, reasoning: 0 },
    costUsd: 0.05,
    modelMs: wallMs * 0.8,
    ttftMs: 400,
    overheadMs: 3,
    runnerReported: {},
    env: { image: 'agentab/test:1', cpus: 2 },
    ...p,
  };
}

function normal(rng: Rng): number {
  // Box–Muller; 1 − u keeps the log argument in (0, 1].
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

export function lognormal(rng: Rng, median: number, sigma: number): number {
  return median * Math.exp(sigma * normal(rng));
}

export interface SynthTask {
  task: string;
  /** Median wall time of the baseline, ms. */
  scale: number;
}

/**
 * A seeded experiment: every task × condition × rep gets lognormal metrics; `effects` multiplies
 * the condition's medians (1 = no effect). Values are rounded to whole ms / tokens like real ones.
 */
export function synthRecords(o: {
  seed: number;
  tasks: SynthTask[];
  conditions: Record<string, number>;
  reps: number;
  sigma?: number;
  runner?: string;
  runId?: string;
  blocks?: boolean;
}): RunRecord[] {
  const rng = createRng(o.seed, 'synth');
  const sigma = o.sigma ?? 0.15;
  const out: RunRecord[] = [];
  for (const t of o.tasks) {
    for (const [condition, effect] of Object.entries(o.conditions)) {
      for (let rep = 0; rep < o.reps; rep++) {
        const wallMs = Math.round(lognormal(rng, t.scale * effect, sigma));
        const calls = Math.max(1, Math.round(lognormal(rng, 8 * effect, sigma)));
        const input = Math.round(lognormal(rng, 30_000 * (t.scale / 10_000) * effect, sigma));
        const output = Math.round(lognormal(rng, 2_000 * effect, sigma));
        const lat = Array.from({ length: calls }, () => Math.round(lognormal(rng, (wallMs * 0.8) / calls, 0.3)));
        out.push(record({
          runner: o.runner ?? 'claude',
          runId: o.runId ?? 'run-1',
          condition, task: t.task, rep,
          wallMs,
          modelMs: lat.reduce((a, b) => a + b, 0),
          calls,
          usage: { input, output, cacheRead: Math.round(input * 0.6), cacheWrite: Math.round(input * 0.1), reasoning: 0 },
          costUsd: Math.round((input * 3e-6 + output * 15e-6) * 1e6) / 1e6,
          callLatenciesMs: lat,
          ...(o.blocks ? { block: rep } : {}),
        }));
      }
    }
  }
  return out;
}

export function loaded(records: RunRecord[], path = 'fixture.jsonl'): LoadedRecords {
  return poolRecords([{ path, records }]);
}

let golden: Report | undefined;

/** The report behind the golden Markdown: 3 conditions, 2 tasks, 6 reps, one infra run. Built once. */
export function goldenReport(): Report {
  if (golden) return golden;
  const recs = synthRecords({
    seed: 21,
    tasks: [{ task: 'fix-bug', scale: 12_000 }, { task: 'add-test', scale: 45_000 }],
    conditions: { baseline: 1, 'with-docs': 0.8, 'no-mcp': 1 },
    reps: 6,
  });
  recs.push(record({ condition: 'no-mcp', task: 'add-test', rep: 6, outcome: 'infra', wallMs: 200, calls: 0 }));
  golden = buildReport(loaded(recs), { seed: 3 });
  return golden;
}
