/**
 * Aggregation speed: generate N RunRecords in memory (default 1,000,000: 2 runners × 4
 * conditions × 50 tasks × 2,500 reps) and time the report pipeline on them — pooling
 * (dedupe + canonical sort), grouping, cell statistics, and every comparison with a
 * 10,000-resample bootstrap. Parsing JSON is not included: that is the loader's cost.
 *
 *   npx tsx bench/aggregate.ts [--records 1000000] [--resamples 10000]
 *   AGENTAB_REPORT_THREADS=1 npx tsx bench/aggregate.ts   # comparisons on the main thread only
 */
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { RunRecord } from '../src/experiment/run-record.ts';
import { buildReport } from '../src/report/analyze.ts';
import { groupRecords } from '../src/report/group.ts';
import { poolRecords } from '../src/report/load.ts';
import { DEFAULT_METRICS } from '../src/report/metrics.ts';
import { createRng } from '../src/stats/prng.ts';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}

const N = flag('records', 1_000_000);
const RESAMPLES = flag('resamples', 10_000);
const RUNNERS = ['claude', 'opencode'];
const CONDITIONS = ['baseline', 'with-docs', 'no-mcp', 'big-prompt'];
const EFFECT = [1, 0.85, 1, 1.1];
const TASKS = Array.from({ length: 50 }, (_, i) => `task-${String(i).padStart(2, '0')}`);
const REPS = Math.max(1, Math.round(N / (RUNNERS.length * CONDITIONS.length * TASKS.length)));

function generate(): RunRecord[] {
  const rng = createRng(1, 'bench');
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const env = { image: 'agentab/bench:1', cpus: 2 }; // shared: real records differ here only by reference
  const reported = {};
  const out: RunRecord[] = [];
  for (const runner of RUNNERS) {
    TASKS.forEach((task, t) => {
      const scale = 5_000 * (1 + t);
      CONDITIONS.forEach((condition, c) => {
        for (let rep = 0; rep < REPS; rep++) {
          const f = (EFFECT[c] as number) * Math.exp(0.3 * gauss());
          const wallMs = Math.round(scale * f);
          const input = Math.round(4 * scale * f);
          out.push({
            v: 1, experiment: 'bench', runId: 'bench-1', cell: `${runner}.${condition}.${task}.${rep}`, runner, runnerVersion: '1.0.0',
            condition, task, rep, launcher: 'local', host: 'bench', startedAt: '2025-01-01T00:00:00.000Z',
            wallMs, exitCode: 0, outcome: rng.next() < 0.01 ? 'infra' : rng.next() < 0.9 ? 'pass' : 'fail',
            calls: Math.max(1, Math.round(10 * f)),
            usage: { input, output: Math.round(input / 20), cacheRead: Math.round(input * 0.6), cacheWrite: 0, reasoning: 0 },
            costUsd: input * 3e-6, modelMs: Math.round(wallMs * 0.8), ttftMs: 400, overheadMs: 2,
            runnerReported: reported, env,
          });
        }
      });
    });
  }
  return out;
}

/** Wall and CPU time of one step (CPU time too, because shared machines make wall time noisy). */
function timed<T>(f: () => T): { value: T; wall: number; cpu: number } {
  const t = performance.now();
  const c = process.cpuUsage();
  const value = f();
  const used = process.cpuUsage(c);
  return { value, wall: performance.now() - t, cpu: (used.user + used.system) / 1000 };
}
const seconds = (x: { wall: number; cpu: number }): string => `${(x.wall / 1000).toFixed(2)} s (cpu ${(x.cpu / 1000).toFixed(2)} s)`;

const gen = timed(generate);
const records = gen.value;
const pool = timed(() => poolRecords([{ path: 'generated', records }]));
const loaded = pool.value;
const group = timed(() => groupRecords(loaded.records, DEFAULT_METRICS));
const grouped = group.value;
const full = timed(() => buildReport(loaded, { resamples: RESAMPLES }));
const report = full.value;

const n = records.length.toLocaleString('en-US');
process.stdout.write(
  [
    `generated ${n} RunRecords in ${seconds(gen)} (${grouped.groups.length} cells, ${REPS} reps each)`,
    `pool (dedupe + canonical sort): ${seconds(pool)}`,
    `group into typed columns (${DEFAULT_METRICS.length} metrics): ${seconds(group)}`,
    `full analysis (group + cell stats + ${report.comparisons.length.toLocaleString('en-US')} comparisons × ${RESAMPLES.toLocaleString('en-US')} resamples + ${report.headlines.length} headlines): ${seconds(full)}`,
    `aggregating ${n} records: ${seconds({ wall: pool.wall + full.wall, cpu: pool.cpu + full.cpu })} end to end (cpu: every thread; comparisons on threads: ${process.env['AGENTAB_REPORT_THREADS'] || 'auto'}, ${availableParallelism()} cores)`,
    `peak memory (max RSS of this process, records included): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`,
    '',
  ].join('\n'),
);
