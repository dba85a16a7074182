/**
 * Report writing at scale (issue #11: `--format html` crashed at ~1,000 tasks, and 100k records
 * took 61 s, 4 GB and a 206 MB page). Builds records.jsonl files of 10k records (100 tasks) and
 * 100k records (1,000 tasks), 2 conditions × 50 reps, 8 calls each, and measures per size:
 *   1. the phases in a fresh process (this script with --phases): reading the records, the
 *      analysis (every comparison's bootstrap), then each format rendered and written on its
 *      own — time, the process's peak RSS so far, and the file's size;
 *   2. the real CLI end to end: `agentab report <file> --format html --out D`, wall time and
 *      peak RSS (VmHWM, read from /proc as it runs);
 *   3. `agentab --version` in the same run: the floor of any agentab process here.
 * Goal at 100k records: report.html ≤ ~20 MB and ≤ 10 s. Ratios (100k vs 10k, html vs md) are
 * what a loaded machine moves least; the load average is printed.
 *
 *   npx tsx bench/report-html.ts [--sizes 10000,100000] [--formats md,html,json,csv,runs] [--out bench/results]
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { RunRecord } from '../src/experiment/run-record.ts';
import { createRng } from '../src/stats/prng.ts';
import { chooseCode } from '../bin/launch.js';
import { selfCpuMs } from './lib/cpu-time.ts';
import { runMeasured, type MeasuredRun } from './lib/measured-child.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'agentab.js');
const GOAL_MB = 20;
const GOAL_S = 10;
const REPS = 50;
const CONDITIONS = { baseline: 1, c1: 0.85 } as const;

const { values: flags } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000' },
    formats: { type: 'string', default: 'md,html,json,csv,runs' },
    out: { type: 'string', default: path.join(ROOT, 'bench', 'results') },
    /** Internal: measure the phases of one records file in this process and print them as JSON. */
    phases: { type: 'string' },
  },
});
const sizes = flags.sizes.split(',').map(Number);
const formats = flags.formats.split(',');

/** Records of `tasks` tasks × 2 conditions × 50 reps, lognormal times and tokens (seeded). */
async function writeRecords(file: string, tasks: number): Promise<number> {
  const rng = createRng(11, 'report-html-bench');
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const out = createWriteStream(file);
  let n = 0;
  for (let t = 0; t < tasks; t++) {
    const task = `task-${String(t).padStart(4, '0')}`;
    const scale = 5_000 + 37 * t;
    for (const [condition, effect] of Object.entries(CONDITIONS)) {
      for (let rep = 0; rep < REPS; rep++) {
        const f = effect * Math.exp(0.3 * gauss());
        const wallMs = Math.round(scale * f);
        const input = Math.round(4 * scale * f);
        const lat = Array.from({ length: 8 }, () => Math.round((wallMs / 10) * Math.exp(0.3 * gauss())));
        const rec: RunRecord = {
          v: 1, experiment: 'bench', runId: 'bench-1', cell: `c${t}-${condition}-${rep}`, runner: 'claude', runnerVersion: '2.1.0',
          condition, task, rep, launcher: 'local', host: 'bench', startedAt: '2026-01-01T00:00:00.000Z',
          wallMs, exitCode: 0, outcome: rng.next() < 0.9 ? 'pass' : 'fail', calls: lat.length,
          usage: { input, output: Math.round(input / 20), cacheRead: Math.round(input * 0.6), cacheWrite: 0, reasoning: 0 },
          costUsd: input * 3e-6, modelMs: lat.reduce((a, b) => a + b, 0), ttftMs: 400, overheadMs: 2,
          runnerReported: { kind: 'claude' }, env: { upstreams: ['sim/claude-sonnet-4-5'] }, block: rep, order: n, callLatenciesMs: lat,
        };
        if (!out.write(JSON.stringify(rec) + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
        n++;
      }
    }
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return n;
}

/** `node bin/agentab.js args`: wall, CPU and peak RSS (bench/lib/measured-child.ts). */
const runCli = (args: string[]): Promise<MeasuredRun> => runMeasured(process.execPath, [BIN, ...args], { keepStdout: false });

interface Step {
  step: string;
  seconds: number;
  /** CPU time of the whole process (every thread) during the step: on a loaded machine the figure that moves least. */
  cpuSeconds: number;
  /** Peak RSS of the process so far (it only grows), MB. */
  peakRssMb: number;
  sizeMb?: number;
}

const maxRssMb = (): number => process.resourceUsage().maxRSS / 1024;

/** --phases: load, analysis, then every format on its own, in this fresh process. */
async function phases(file: string): Promise<Step[]> {
  const [{ loadRecords }, { buildTimedReport }, { renderReport, reportFileName }, { resamplesText }] = await Promise.all([
    import('../src/report/load.ts'),
    import('../src/report/timed-report.ts'),
    import('../src/report/write.ts'),
    import('../src/report/format.ts'),
  ]);
  const steps: Step[] = [];
  const timed = async <T>(step: string, f: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const cpu = selfCpuMs();
    const value = await f();
    steps.push({ step, seconds: (performance.now() - t) / 1000, cpuSeconds: (selfCpuMs() - cpu) / 1000, peakRssMb: maxRssMb() });
    return value;
  };
  const loaded = await timed('read records.jsonl', () => loadRecords([file]));
  const report = await timed('analysis (default options)', () => buildTimedReport(loaded, {}));
  // large reports draw fewer bootstrap resamples per task than per headline: say how many
  steps.at(-1)!.step = `analysis (default options: ${resamplesText(report.options)})`;
  const dir = mkdtempSync(path.join(tmpdir(), 'agentab-bench-phases-'));
  try {
    for (const format of formats) {
      const out = path.join(dir, reportFileName(format as never));
      await timed(`render + write ${reportFileName(format as never)}`, async () => writeFileSync(out, await renderReport(report, format as never, loaded.records)));
      steps.at(-1)!.sizeMb = statSync(out).size / 1e6;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return steps;
}

if (flags.phases) {
  process.stdout.write(JSON.stringify(await phases(flags.phases)) + '\n');
  process.exit(0);
}

/** This script with --phases in a fresh process (so peak RSS is that size's alone). */
function runPhases(file: string): Promise<Step[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--phases', file, '--formats', formats.join(',')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Step[]) : reject(new Error(`--phases ${file} exited ${code}`))));
  });
}

interface SizeResult {
  records: number;
  tasks: number;
  steps: Step[];
  /** `agentab report <file> --format html --out D`, one process end to end. */
  cliHtml: { wallS: number; cpuS: number | null; peakRssMb: number; sizeMb: number };
}

const load0 = loadavg();
const work = mkdtempSync(path.join(tmpdir(), 'agentab-bench-report-'));
const results: SizeResult[] = [];
let floor: MeasuredRun | undefined;
try {
  floor = await runCli(['--version']);
  for (const n of sizes) {
    const tasks = Math.max(1, Math.round(n / (REPS * Object.keys(CONDITIONS).length)));
    const file = path.join(work, `records-${n}.jsonl`);
    const records = await writeRecords(file, tasks);
    process.stderr.write(`${records.toLocaleString('en-US')} records (${tasks} tasks), ${(statSync(file).size / 1e6).toFixed(1)} MB of records.jsonl\n`);
    const steps = await runPhases(file);
    for (const s of steps) process.stderr.write(`  ${s.step.padEnd(30)} ${s.seconds.toFixed(2)} s, CPU ${s.cpuSeconds.toFixed(2)} s, peak RSS ${s.peakRssMb.toFixed(0)} MB${s.sizeMb !== undefined ? `, ${s.sizeMb.toFixed(2)} MB` : ''}\n`);
    const dir = path.join(work, `out-${n}`);
    const run = await runCli(['report', file, '--format', 'html', '--out', dir]);
    if (run.exitCode !== 0) throw new Error(`agentab report --format html (${n} records) exited ${run.exitCode}: ${run.stderr.slice(0, 2000)}`);
    const cliHtml = { wallS: run.wallS, cpuS: run.cpuS, peakRssMb: run.peakRssMb, sizeMb: statSync(path.join(dir, 'report.html')).size / 1e6 };
    process.stderr.write(`  agentab report --format html: ${cliHtml.wallS.toFixed(2)} s, CPU ${cliHtml.cpuS?.toFixed(2) ?? '–'} s, peak RSS ${cliHtml.peakRssMb.toFixed(0)} MB, ${cliHtml.sizeMb.toFixed(2)} MB\n`);
    results.push({ records, tasks, steps, cliHtml });
    rmSync(dir, { recursive: true, force: true });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const load1 = loadavg();

const largest = results.at(-1)!;
const smallest = results[0]!;
const step = (r: SizeResult, name: string) => r.steps.find((s) => s.step === name);
/** The analysis step's name says the resample counts ("analysis (default options: …)"). */
const analysisStep = (r: SizeResult) => r.steps.find((s) => s.step.startsWith('analysis'));
const htmlStep = (r: SizeResult) => step(r, 'render + write report.html');
const n = (x: number) => x.toLocaleString('en-US');
const goals = [
  { goal: `report.html at ${n(largest.records)} records ≤ ~${GOAL_MB} MB`, measured: `${largest.cliHtml.sizeMb.toFixed(1)} MB`, met: largest.cliHtml.sizeMb <= GOAL_MB },
  { goal: `rendering + writing report.html at ${n(largest.records)} records ≤ ${GOAL_S} s`, measured: `${htmlStep(largest)?.seconds.toFixed(1) ?? '–'} s`, met: (htmlStep(largest)?.seconds ?? Infinity) <= GOAL_S },
  { goal: `the whole \`agentab report --format html\` at ${n(largest.records)} records ≤ ${GOAL_S} s`, measured: `${largest.cliHtml.wallS.toFixed(1)} s (CPU ${largest.cliHtml.cpuS?.toFixed(1) ?? '–'} s, at load ${load0[0]?.toFixed(1)}–${load1[0]?.toFixed(1)})`, met: largest.cliHtml.wallS <= GOAL_S },
];
const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? a / b : null);
const ratios = {
  htmlRenderLargestVsSmallest: largest === smallest ? null : ratio(htmlStep(largest)?.seconds, htmlStep(smallest)?.seconds),
  htmlRenderVsMdRender: ratio(htmlStep(largest)?.seconds, step(largest, 'render + write report.md')?.seconds),
  analysisShareOfCli: ratio(analysisStep(largest)?.seconds, largest.cliHtml.wallS),
  cliHtmlVsVersionFloor: ratio(largest.cliHtml.wallS, floor?.wallS),
};
const machine = { node: process.version, cpus: cpus().length, code: chooseCode(process.env), loadAvgStart: load0.map((x) => +x.toFixed(2)), loadAvgEnd: load1.map((x) => +x.toFixed(2)) };
const json = { version: 1, date: new Date().toISOString(), machine, recordsPerTask: REPS * Object.keys(CONDITIONS).length, callsPerRecord: 8, versionFloorS: floor?.wallS ?? null, results, ratios, goals };

const fmt = (x: number | null | undefined, d = 2) => (x === null || x === undefined ? '–' : x.toFixed(d));
const lines = [
  '# agentab report at scale',
  '',
  `${json.date}, Node ${machine.node}, ${machine.cpus} CPUs, load average ${machine.loadAvgStart.join(' ')} at the start, ${machine.loadAvgEnd.join(' ')} at the end. ` +
    `Records: ${REPS} reps × 2 conditions per task, 8 calls each (\`npx tsx bench/report-html.ts\`). The phases run in one fresh process per size (peak RSS only grows, so a row shows the peak up to that step; CPU counts every thread of the process, the figure a loaded machine moves least); ` +
    `the last row of each size is one \`agentab report <records.jsonl> --format html --out D\` process end to end (code: ${machine.code === 'dist' ? 'the compiled dist/' : 'the sources through tsx, dist/ being stale'}).`,
  '',
  '| records | tasks | step | time (s) | CPU (s) | peak RSS (MB) | file (MB) |',
  '|---|---|---|---|---|---|---|',
  ...results.flatMap((r) => [
    ...r.steps.map((s) => `| ${n(r.records)} | ${n(r.tasks)} | ${s.step} | ${fmt(s.seconds)} | ${fmt(s.cpuSeconds)} | ${fmt(s.peakRssMb, 0)} | ${s.sizeMb === undefined ? '' : fmt(s.sizeMb)} |`),
    `| ${n(r.records)} | ${n(r.tasks)} | **\`agentab report --format html\`** (whole process) | ${fmt(r.cliHtml.wallS)} | ${fmt(r.cliHtml.cpuS)} | ${fmt(r.cliHtml.peakRssMb, 0)} | ${fmt(r.cliHtml.sizeMb)} |`,
  ]),
  '',
  `\`agentab --version\` (the floor of an agentab process here): ${fmt(floor?.wallS)} s. Ratios at ${n(largest.records)} records: html rendering vs ${n(smallest.records)} records ${fmt(ratios.htmlRenderLargestVsSmallest)}×, html vs md rendering ${fmt(ratios.htmlRenderVsMdRender)}×, the analysis is ${fmt(ratios.analysisShareOfCli === null ? null : ratios.analysisShareOfCli * 100, 0)} % of the whole html process, which is ${fmt(ratios.cliHtmlVsVersionFloor, 1)}× \`--version\`.`,
  '',
  ...goals.map((g) => `- ${g.goal}: ${g.measured} — ${g.met ? 'met' : 'not met'}`),
  '',
];
mkdirSync(flags.out, { recursive: true });
writeFileSync(path.join(flags.out, 'report-html-latest.json'), JSON.stringify(json, null, 2) + '\n');
writeFileSync(path.join(flags.out, 'report-html-latest.md'), lines.join('\n'));
process.stdout.write(lines.join('\n'));
