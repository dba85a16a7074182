/**
 * Aggregation speed (issue #16): N RunRecords (default 1,000,000: 2 runners × 4 conditions ×
 * 50 tasks × 2,500 reps, ~10 calls each with their latencies, bench/lib/bench-records.ts)
 * through the report pipeline — pooling
 * (dedupe + canonical sort), grouping into columns, cell statistics, and every comparison with
 * a 10,000-resample bootstrap. The records are generated in memory, shaped as the loader returns
 * them (each one through JSON.stringify and JSON.parse: flat strings, its own nested objects);
 * parsing the file is the loader's cost, measured end to end by --e2e.
 *
 *   npx tsx bench/aggregate.ts [--records 1000000] [--resamples 10000] [--code DIR]
 *   AGENTAB_REPORT_THREADS=1 npx tsx bench/aggregate.ts   # comparisons on the main thread only
 *
 * The report pipeline is the one `agentab report` runs (bin/launch.js chooseCode): the compiled
 * dist/ when it is built from the sources on disk, else src/ through tsx (whose worker threads
 * then compile their modules again: ~1 s more). AGENTAB_RUN_FROM=src|dist forces either.
 *
 * --code DIR takes the report pipeline from another checkout, with this file's
 * records and timing. Before/after in one run: --against DIR runs the measurement in fresh
 * processes, alternating between DIR's code (e.g. a worktree of the commit before a change,
 * with node_modules) and this checkout's, --rounds times, and prints medians and ratios:
 *
 *   npx tsx bench/aggregate.ts --against /tmp/before [--rounds 3] [--e2e] [--jsonl FILE]
 *
 * --e2e adds `agentab report <records.jsonl> --out D` of each checkout, end to end (reading
 * and validating the JSON lines, the analysis, writing report.md), timed from outside with its
 * peak RSS; the records.jsonl is written once into a temporary directory (or --jsonl FILE is
 * reused: it is written there when missing).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { constants as perfConstants, performance, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { buildReport as BuildReport } from '../src/report/analyze.ts';
import type { groupRecords as GroupRecords } from '../src/report/group.ts';
import type { poolRecords as PoolRecords } from '../src/report/load.ts';
import { DEFAULT_METRICS } from '../src/report/metrics.ts';
import { medianSorted } from '../src/stats/quantile.ts';
import { benchReps, generateBenchRecords, writeBenchRecordsJsonl } from './lib/bench-records.ts';
import { intFlag, stringFlag } from './lib/flags.ts';
import { runMeasured, type MeasuredRun } from './lib/measured-child.ts';
import { chooseCode } from '../bin/launch.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const N = intFlag(argv, 'records', 1_000_000);
const RESAMPLES = intFlag(argv, 'resamples', 10_000);
const AGAINST = stringFlag(argv, 'against', '');
const ROUNDS = intFlag(argv, 'rounds', 3);
const E2E = argv.includes('--e2e');
const JSONL = stringFlag(argv, 'jsonl', '');
const CODE = path.resolve(stringFlag(argv, 'code', ROOT));

/** Wall and CPU time of one step (CPU time too, because shared machines make wall time noisy). */
function timed<T>(f: () => T): { value: T; wall: number; cpu: number } {
  const t = performance.now();
  const c = process.cpuUsage();
  const value = f();
  const used = process.cpuUsage(c);
  return { value, wall: performance.now() - t, cpu: (used.user + used.system) / 1000 };
}
const seconds = (x: { wall: number; cpu: number }): string => `${(x.wall / 1000).toFixed(2)} s (cpu ${(x.cpu / 1000).toFixed(2)} s)`;
const loadText = (): string => loadavg().map((x) => x.toFixed(1)).join(' ');

/** The measurement itself, in this process, with the pipeline of --code (what --against runs for each checkout). */
async function measureHere(): Promise<void> {
  const code = chooseCode(process.env, CODE);
  const module = (name: string): string => (code === 'dist' ? path.join(CODE, 'dist', 'report', `${name}.js`) : path.join(CODE, 'src', 'report', `${name}.ts`));
  const { poolRecords } = (await import(module('load'))) as { poolRecords: typeof PoolRecords };
  const { groupRecords } = (await import(module('group'))) as { groupRecords: typeof GroupRecords };
  const { buildReport } = (await import(module('analyze'))) as { buildReport: typeof BuildReport };
  const gen = timed(() => generateBenchRecords(N));
  // the main thread's collections during pooling and analysis (perf_hooks 'gc' entries: each
  // one's pause); a collection of the whole heap marks the million records, ~0.5 s
  const collections: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => collections.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  const from = performance.now();
  const records = gen.value;
  const pool = timed(() => poolRecords([{ path: 'generated', records }]));
  const loaded = pool.value;
  const full = timed(() => buildReport(loaded, { resamples: RESAMPLES }));
  const report = full.value;
  const to = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 100)); // the entries arrive on the event loop, a timer later
  observer.disconnect();
  const during = collections.filter((e) => e.startTime >= from && e.startTime <= to);
  const whole = during.filter((e) => (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR);
  const pauseMs = (entries: PerformanceEntry[]): number => entries.reduce((sum, e) => sum + e.duration, 0);
  // Grouping on its own, for its line below, after the analysis: run before it, its columns
  // (9 metrics × a million doubles) stayed alive through the analysis and cost it a collection
  // of the whole heap (bench/PROFILE.md, fifth pass).
  const group = timed(() => groupRecords(loaded.records, DEFAULT_METRICS));
  const grouped = group.value;
  const n = records.length.toLocaleString('en-US');
  process.stdout.write(
    [
      `generated ${n} RunRecords in ${seconds(gen)} (${grouped.groups.length} cells, ${benchReps(N)} reps each)`,
      `pool (dedupe + canonical sort): ${seconds(pool)}`,
      `group into typed columns (${DEFAULT_METRICS.length} metrics): ${seconds(group)}`,
      `full analysis (group + cell stats + ${report.comparisons.length.toLocaleString('en-US')} comparisons × ${RESAMPLES.toLocaleString('en-US')} resamples + ${report.headlines.length} headlines): ${seconds(full)}`,
      `aggregating ${n} records: ${seconds({ wall: pool.wall + full.wall, cpu: pool.cpu + full.cpu })} end to end (cpu: every thread; comparisons on threads: ${process.env['AGENTAB_REPORT_THREADS'] || 'auto'}, ${availableParallelism()} cores)`,
      `peak memory (max RSS of this process, records included): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB; load average ${loadText()}`,
      `main-thread collections while aggregating: ${whole.length} of the whole heap (${pauseMs(whole).toFixed(0)} ms of pause), ${during.length - whole.length} others (${pauseMs(during.filter((e) => !whole.includes(e))).toFixed(0)} ms)`,
      `report pipeline from ${path.join(CODE, code)}${code === 'dist' ? ' (compiled, as `agentab report` runs it)' : ' (the sources through tsx: dist/ is stale or AGENTAB_RUN_FROM=src)'}`,
      '',
    ].join('\n'),
  );
}

interface Sample {
  wallS: number;
  cpuS: number | null;
  rssMb: number;
  /** In-process measurements: the main thread's collections of the whole heap while aggregating, and their pause. */
  wholeHeapGcs?: number;
  wholeHeapGcMs?: number;
}

/** The figures of one in-process measurement, read from its printed lines (the same lines before and after this change). */
function aggregationOf(run: MeasuredRun, where: string): Sample {
  const agg = /aggregating [\d,]+ records: ([\d.]+) s \(cpu ([\d.]+) s\)/.exec(run.stdout);
  const rss = /peak memory[^:]*: (\d+) MB/.exec(run.stdout);
  if (run.exitCode !== 0 || !agg || !rss) throw new Error(`${where}: the aggregation benchmark failed (exit ${run.exitCode}):\n${run.stdout}\n${run.stderr.slice(-2000)}`);
  const gc = /collections while aggregating: (\d+) of the whole heap \((\d+) ms/.exec(run.stdout);
  return { wallS: Number(agg[1]), cpuS: Number(agg[2]), rssMb: Number(rss[1]), ...(gc ? { wholeHeapGcs: Number(gc[1]), wholeHeapGcMs: Number(gc[2]) } : {}) };
}

async function aggregationIn(checkout: string): Promise<Sample> {
  const run = await runMeasured(process.execPath, ['--max-old-space-size=8192', '--import', 'tsx', fileURLToPath(import.meta.url), '--code', checkout, '--records', String(N), '--resamples', String(RESAMPLES)], { cwd: ROOT });
  return aggregationOf(run, checkout);
}

async function reportIn(checkout: string, file: string, outDir: string): Promise<Sample> {
  rmSync(outDir, { recursive: true, force: true });
  const run = await runMeasured(process.execPath, ['--max-old-space-size=8192', path.join(checkout, 'bin', 'agentab.js'), 'report', file, '--resamples', String(RESAMPLES), '--out', outDir], { cwd: checkout, keepStdout: false });
  if (run.exitCode !== 0) throw new Error(`${checkout}: agentab report failed (exit ${run.exitCode}):\n${run.stderr.slice(-2000)}`);
  return { wallS: run.wallS, cpuS: run.cpuS, rssMb: run.peakRssMb };
}

const med = (xs: readonly number[]): number => medianSorted(Float64Array.from(xs).sort());
function summary(samples: readonly Sample[]): { wallS: number; cpuS: number | null; rssMb: number } {
  const cpus = samples.map((s) => s.cpuS).filter((c): c is number => c !== null);
  return { wallS: med(samples.map((s) => s.wallS)), cpuS: cpus.length ? med(cpus) : null, rssMb: med(samples.map((s) => s.rssMb)) };
}

/** --against: both checkouts, alternating, fresh processes; medians and after ÷ before. */
async function compareCheckouts(before: string): Promise<void> {
  const after = ROOT;
  const work = mkdtempSync(path.join(tmpdir(), 'agentab-aggregate-'));
  try {
    const file = JSONL || path.join(work, 'records.jsonl');
    if (E2E && !existsSync(file)) await writeBenchRecordsJsonl(file, N);
    const kinds = E2E ? (['aggregation', 'report'] as const) : (['aggregation'] as const);
    const samples = new Map<string, Sample[]>();
    const loads: string[] = [loadText()];
    for (let round = 0; round < ROUNDS; round++) {
      // alternate which checkout goes first, so neither always runs on the warmer machine
      const order = round % 2 === 0 ? [before, after] : [after, before];
      for (const kind of kinds) {
        for (const checkout of order) {
          const s = kind === 'aggregation' ? await aggregationIn(checkout) : await reportIn(checkout, file, path.join(work, 'out'));
          const key = `${kind} ${checkout === after ? 'after' : 'before'}`;
          samples.set(key, [...(samples.get(key) ?? []), s]);
          const gcText = s.wholeHeapGcs === undefined ? '' : `, ${s.wholeHeapGcs} whole-heap collections (${s.wholeHeapGcMs} ms)`;
          process.stderr.write(`round ${round + 1} ${key}: ${s.wallS.toFixed(2)} s wall, cpu ${s.cpuS?.toFixed(2) ?? '?'} s, peak RSS ${s.rssMb.toFixed(0)} MB${gcText} (load ${loadText()})\n`);
        }
      }
      loads.push(loadText());
    }
    const lines = [
      `${N.toLocaleString('en-US')} records, ${RESAMPLES.toLocaleString('en-US')} resamples, ${ROUNDS} interleaved rounds; before: ${before}, after: ${after}`,
      `load average (1, 5, 15 min) at the start and after each round: ${loads.join(' | ')}`,
      '',
      '| what | before: wall / cpu / peak RSS (median) | after | after ÷ before (wall, cpu, RSS) |',
      '|---|--:|--:|--:|',
    ];
    for (const kind of kinds) {
      const b = summary(samples.get(`${kind} before`) ?? []);
      const a = summary(samples.get(`${kind} after`) ?? []);
      const cell = (x: typeof a): string => `${x.wallS.toFixed(2)} s / ${x.cpuS?.toFixed(2) ?? '?'} s / ${x.rssMb.toFixed(0)} MB`;
      const ratio = (x: number | null, y: number | null): string => (x !== null && y !== null && y > 0 ? (x / y).toFixed(2) : '?');
      const what = kind === 'aggregation' ? 'aggregation in memory (pool + analysis; bench/aggregate.ts)' : '`agentab report records.jsonl --out D` end to end (md)';
      lines.push(`| ${what} | ${cell(b)} | ${cell(a)} | ${ratio(a.wallS, b.wallS)}, ${ratio(a.cpuS, b.cpuS)}, ${ratio(a.rssMb, b.rssMb)} |`);
    }
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (AGAINST) await compareCheckouts(path.resolve(AGAINST));
else await measureHere();
