/**
 * `agentab run-matrix [experiment]`: run an experiment's cells and record them.
 * Thin: parses flags into spec overrides, calls the orchestrator, prints. The flags are
 * declared in commands/run-matrix.ts; this module loads only when run-matrix or plan runs.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { processEnv } from '../config/env.ts';
import { isInteractive } from '../config/experiment-env.ts';
import { parseDurationMs } from '../config/experiment-duration.ts';
import { loadExperiment } from '../config/experiment-loader.ts';
import { LAUNCHER_NAMES } from '../experiment/launchers/registry.ts';
import { RUNNER_NAMES } from '../experiment/runners/adapters.ts';
import type { ExperimentSpec, RunOrder, SpecOverrides } from '../config/experiment-types.ts';
import { dryRun } from '../experiment/dry-run.ts';
import { renderPlanPower } from '../experiment/dry-run-power.ts';
import { readManifest } from '../experiment/manifest.ts';
import { runMatrix } from '../experiment/orchestrator.ts';
import { buildPlan, planToJson } from '../experiment/plan.ts';
import { planCommands, renderPlan } from '../experiment/plan-render.ts';
import { BarProgress, PlainProgress, fmtUsd, type ProgressSink } from '../experiment/progress.ts';
import { killAllLiveGroups } from '../experiment/run-process.ts';
import { cellTable, groupTable } from '../experiment/summary-table.ts';
import type { Outcome, RunRecord } from '../experiment/run-record.ts';
import { buildRunReport, writeRunReport, type RunReport } from '../report/run-report.ts';
import { createLogger, type Logger } from '../util/log.ts';
import type { MatrixFlags, RunMatrixFlags } from './commands/run-matrix.ts';
import { resultsFromFlags } from './results-uri.ts';
import { estimateCell, loadHistory } from '../experiment/estimate.ts';
import { readBundleManifest } from '../experiment/launchers/gce/bundle.ts';
import { gceDryRun, renderGceDryRun } from '../experiment/launchers/gce/dry-run.ts';
import { readGceEnv } from '../config/gce-env.ts';
import { checkRunId, experimentDir, runPaths } from '../experiment/run-dir.ts';
import { uncountedSpendOfRun, uncountedText, type UncountedSpend } from '../experiment/uncounted-spend.ts';
import { parseShard, shardCells } from '../experiment/shard.ts';
import { gceOverridesFromFlags } from './commands/gce-flags.ts';


const list = (v: string | undefined) => (v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean));

function num(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${flag}: expected a number, got "${v}"`);
  return n;
}

export function overridesFromFlags(f: MatrixFlags): SpecOverrides {
  const o: SpecOverrides = {};
  const set = <K extends keyof SpecOverrides>(k: K, v: SpecOverrides[K] | undefined) => {
    if (v !== undefined) o[k] = v;
  };
  set('runners', list(f.runners));
  set('conditions', list(f.conditions));
  set('tasks', list(f.tasks));
  set('tags', list(f.tags));
  set('reps', num(f.reps, '--reps'));
  set('concurrency', num(f.concurrency, '--concurrency'));
  set('seed', num(f.seed, '--seed'));
  set('budgetUsd', num(f.budgetUsd, '--budget-usd'));
  set('budgetTokens', num(f.budgetTokens, '--budget-tokens'));
  set('gce', gceOverridesFromFlags(f));
  if (f.timeout !== undefined) {
    const ms = parseDurationMs(f.timeout);
    if (ms === undefined) throw new Error(`--timeout: not a duration: "${f.timeout}" (use seconds, or e.g. 90s, 5m)`);
    o.timeoutMs = ms;
  }
  if (f.launcher !== undefined) {
    if (!LAUNCHER_NAMES.includes(f.launcher)) throw new Error(`--launcher: expected ${LAUNCHER_NAMES.join(', ')}, got "${f.launcher}"`);
    o.launcher = f.launcher;
  }
  if (f.order !== undefined) {
    if (!['interleaved', 'sequential', 'random'].includes(f.order)) throw new Error(`--order: expected interleaved, sequential or random, got "${f.order}"`);
    o.order = f.order as RunOrder;
  }
  return o;
}

/** experiments/pilot.yaml of the current directory, else the one shipped with agentab. */
export function defaultExperimentPath(cwd: string): string {
  const local = path.join(cwd, 'experiments', 'pilot.yaml');
  return existsSync(local) ? local : fileURLToPath(new URL('../../experiments/pilot.yaml', import.meta.url));
}

export interface MatrixInput {
  spec: ExperimentSpec;
  overrides: SpecOverrides;
  cwd: string;
  resumeDir?: string;
  runId?: string;
  /** The cells of this shard (`--shard`). */
  only?: ReadonlySet<string>;
}

/** Loads the spec: from the argument (default pilot), or for --resume from the run's manifest. */
export async function loadMatrixInput(experiment: string | undefined, flags: MatrixFlags): Promise<MatrixInput> {
  refuseIgnoredFlags(flags);
  const input = flags.bundle || flags.shard ? await loadShardInput(experiment, flags) : await loadSpecInput(experiment, flags);
  // A new run's id must be new: a run directory of that name would have its manifest and plan overwritten.
  // (The shards of one run share its id and directory, and so does a bundle's retried task.)
  if (flags.runId !== undefined && !flags.shard && !flags.bundle) {
    const existing = path.join(experimentDir(path.resolve(flags.out), input.spec.name), checkRunId(flags.runId));
    if (existsSync(existing)) throw new Error(`--run-id ${flags.runId}: ${existing} already exists; continue that run with --resume ${existing}, or give a new id`);
  }
  if (input.spec.launcher.kind === 'gce' && flags.concurrency !== undefined && !flags.bundle) {
    throw new Error('--concurrency: a GCE run starts every VM at once and each runs --gce-cells-per-vm cells at a time; set that instead');
  }
  return input;
}

/** Flag combinations one of whose flags would be dropped without a word: refused, naming the one that counts. */
function refuseIgnoredFlags(flags: MatrixFlags): void {
  if (flags.force && !flags.resume) throw new Error('--force needs --resume <runDir> (it resumes a run whose spec changed since it started)');
  if (flags.runId !== undefined && flags.resume) throw new Error(`--run-id names a new run; --resume continues ${flags.resume} under its own run id: give one or the other`);
  if (flags.runId !== undefined && flags.bundle) throw new Error('--run-id: the bundle names the run id itself');
}

async function loadSpecInput(experiment: string | undefined, flags: MatrixFlags): Promise<MatrixInput> {
  const cwd = process.cwd();
  const cli = overridesFromFlags(flags);
  if (flags.resume) {
    const m = await readManifest(flags.resume);
    const specFile = experiment ? path.resolve(cwd, experiment) : m.specFile;
    if (!specFile) throw new Error(`${flags.resume}: the manifest names no spec file; give the experiment file as an argument`);
    // the original selection, with flags given now on top (e.g. a higher --concurrency)
    const overrides = { ...(m.overrides as SpecOverrides), ...cli };
    return { spec: await loadExperiment(specFile, overrides, m.cwd), overrides, cwd: m.cwd, resumeDir: flags.resume };
  }
  const file = experiment ?? defaultExperimentPath(cwd);
  return { spec: await loadExperiment(file, cli, cwd), overrides: cli, cwd };
}

/**
 * `--shard i/N`, with `--bundle <dir>` (on a GCE VM: the launcher's shards, run id and
 * overrides) or with a spec (the shards computed here from the plan and earlier runs' times).
 */
async function loadShardInput(experiment: string | undefined, flags: MatrixFlags): Promise<MatrixInput> {
  if (!flags.shard) throw new Error('--bundle needs --shard <index>/<count>');
  const shard = parseShard(flags.shard);
  if (flags.bundle) {
    if (experiment || flags.resume) throw new Error('--bundle names the spec and the run itself: give no experiment file and no --resume');
    const dir = path.resolve(flags.bundle);
    const m = await readBundleManifest(dir);
    if (m.shards.count !== shard.count) throw new Error(`--shard ${flags.shard}: the bundle has ${m.shards.count} shards`);
    const overrides = { ...(m.overrides as SpecOverrides), ...overridesFromFlags(flags) };
    const spec = await loadExperiment(path.join(dir, m.spec), overrides, dir);
    return { spec, overrides, cwd: dir, runId: m.runId, only: new Set(m.shards.cells[shard.index] ?? []) };
  }
  const input = await loadSpecInput(experiment, flags);
  const plan = buildPlan(input.spec);
  const history = await loadHistory(experimentDir(path.resolve(flags.out), input.spec.name));
  const perCell = new Map(plan.cells.map((c) => [c.id, estimateCell(c, history).wallMs]));
  const shards = shardCells(plan.cells, shard.count, (c) => perCell.get(c.id)!);
  return { ...input, runId: flags.runId ?? input.runId, only: new Set(shards.cells[shard.index]) };
}

export async function printDryRun(input: MatrixInput, flags: MatrixFlags): Promise<void> {
  const runId = input.runId ?? flags.runId;
  const r = await dryRun({ spec: input.spec, outRoot: flags.out, env: processEnv(), overrides: input.overrides, cwd: input.cwd, ...(runId !== undefined ? { runId } : {}), ...(input.only ? { only: input.only } : {}) });
  for (const warning of r.warnings) process.stderr.write(`warning: ${warning}\n`);
  const gce = input.spec.launcher.kind === 'gce' ? gceDryRun(r.plan, r.estimate, r.runDir ? path.basename(r.runDir) : 'dry-run', readGceEnv()) : undefined;
  if (flags.json) {
    const commands = planCommands(r.plan).map(({ cell, commands: c }) => ({ runnerName: cell.runner.name, condition: cell.condition.name, task: cell.task.id, ...c, env: c.env.map((e) => e.replaceAll(cell.id, '<cell>')) }));
    process.stdout.write(JSON.stringify({ runDir: r.runDir, plan: planToJson(r.plan), commands, estimate: { ...r.estimate, perCell: undefined }, power: r.power, ...(gce ? { gce } : {}) }, null, 2) + '\n');
    return;
  }
  process.stdout.write(renderPlan(r.plan, r.estimate) + '\n\n' + renderPlanPower(r.power) + '\n' + (gce ? '\n' + renderGceDryRun(gce) + '\n' : ''));
  if (r.runDir) process.stdout.write(`\nplan written to ${r.runDir}/plan.json — run exactly this plan with: agentab run-matrix --resume ${r.runDir}\n`);
  else if (input.only) process.stdout.write(`\nthe cells of shard ${flags.shard} only; a shard's plan is not written (run it with the same --shard)\n`);
}

/**
 * The run's report (report.md/.html/.json in the run dir) and its verdict section for the
 * terminal. A report that cannot be built or written is a warning, never a failed run.
 */
async function reportRun(runDir: string, records: readonly RunRecord[], uncounted: UncountedSpend, log: Logger): Promise<{ verdicts?: string; paths: string[] }> {
  let built: Omit<RunReport, 'paths'> | null;
  try {
    built = buildRunReport(runDir, records, {}, uncounted);
  } catch (e) {
    log.warn(`could not build the report: ${(e as Error).message}`, { runDir });
    return { paths: [] };
  }
  if (!built) return { paths: [] };
  try {
    return { verdicts: built.verdicts, paths: (await writeRunReport(runDir, built)).paths };
  } catch (e) {
    log.warn(`could not write the report: ${(e as Error).message}`, { runDir });
    return { verdicts: built.verdicts, paths: [] };
  }
}

const RETRYABLE: readonly Outcome[] = ['fail', 'error', 'timeout', 'infra', 'canceled'];

/** `--retry failed,infra`: outcomes whose cells a resume re-runs ("failed" is fail; "errors" error…). */
export function parseRetry(text: string | undefined, resumeDir: string | undefined): Outcome[] | undefined {
  if (text === undefined) return undefined;
  if (!resumeDir) throw new Error('--retry needs --resume <runDir> (it re-runs cells of an earlier run)');
  const alias: Record<string, Outcome> = { failed: 'fail', fail: 'fail', error: 'error', errors: 'error', timeout: 'timeout', timeouts: 'timeout', infra: 'infra', canceled: 'canceled', cancelled: 'canceled' };
  const out = list(text)!.map((w) => {
    const o = alias[w.toLowerCase()];
    if (!o) throw new Error(`--retry: unknown outcome "${w}" (use any of: failed, error, timeout, infra, canceled)`);
    return o;
  });
  if (out.length === 0) throw new Error(`--retry needs outcomes, e.g. --retry failed,infra (valid: ${RETRYABLE.join(', ')})`);
  return [...new Set(out)];
}

export async function runCommand(experiment: string | undefined, flags: RunMatrixFlags): Promise<void> {
  const input = await loadMatrixInput(experiment, flags);
  if (flags.keepWorkspaces && input.spec.launcher.kind === 'gce' && !flags.bundle) {
    throw new Error('--keep-workspaces: a GCE run\'s workspaces live on its VMs, which are deleted when their job ends; run the cells to inspect with the local or container launcher');
  }
  if (flags.dryRun) return printDryRun(input, flags);

  const tty = !flags.json && isInteractive();
  const progress: ProgressSink = tty ? new BarProgress() : new PlainProgress((l) => process.stderr.write(l + '\n'));
  const log = createLogger(flags.logLevel, (l) => progress.note(l));
  const abort = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1) {
      progress.note(`${sig}: canceling running cells and flushing the spend log (press Ctrl-C again to force)`);
      abort.abort();
      return;
    }
    const n = killAllLiveGroups();
    process.stderr.write(`\n${sig} again: killed ${n} running cell process group(s); exiting without waiting. The run is marked killed: finish it with agentab run-matrix --resume <its run directory>, or remove what it left with agentab clean\n`);
    process.exit(130);
  };
  const onExit = () => killAllLiveGroups();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', onExit);
  try {
    const r = await runMatrix({
      ...(await resultsFromFlags(flags, processEnv(), log)),
      spec: input.spec,
      outRoot: flags.out,
      resumeDir: input.resumeDir,
      overrides: input.overrides,
      cwd: input.cwd,
      env: processEnv(),
      log,
      progress,
      signal: abort.signal,
      keepWorkspaces: flags.keepWorkspaces,
      runId: input.runId ?? flags.runId,
      only: input.only,
      force: flags.force,
      retry: parseRetry(flags.retry, input.resumeDir),
      command: ['agentab', ...process.argv.slice(2)].join(' ').slice(0, 300),
    });
    const counts: Record<string, number> = {};
    for (const rec of r.records) counts[rec.outcome] = (counts[rec.outcome] ?? 0) + 1;
    // Not after Ctrl-C: the user asked to stop. The progress display is stopped: warnings go to stderr.
    // what the statistics leave out (canceled, killed and retried attempts), said, not lost
    const uncounted = await uncountedSpendOfRun(runPaths(r.runDir).records);
    const uncountedLine = uncountedText(uncounted);
    const report = r.stoppedBy === 'abort' ? { paths: [] } : await reportRun(r.runDir, r.records, uncounted, createLogger(flags.logLevel));
    if (flags.json) {
      process.stdout.write(JSON.stringify({ runId: r.runId, runDir: r.runDir, ran: r.ran, skipped: r.skipped, notStarted: r.notStarted, stoppedBy: r.stoppedBy, counts, reportFiles: report.paths, uncounted, records: r.records }, null, 2) + '\n');
    } else {
      const cost = r.records.reduce((a, x) => a + x.costUsd, 0);
      process.stdout.write(`\n${cellTable(r.records)}\n\n${groupTable(r.records)}\n\n`);
      if (report.verdicts) process.stdout.write(`${report.verdicts}\n`);
      process.stdout.write(
        `${r.records.length}/${r.plan.cells.length} cells recorded (${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ') || 'none'}), ran ${r.ran} now, ${r.skipped} already recorded, ${fmtUsd(cost)}\n` +
          (r.stoppedBy === 'budget' ? `stopped: the ${r.budgetReached ?? ''} budget is spent; ${r.notStarted} cells not started (resume with a larger --budget-usd)\n` : '') +
          (r.stoppedBy === 'abort' ? `canceled; ${r.notStarted} cells not started\n` : '') +
          (uncountedLine ? `${uncountedLine}\n` : '') +
          `results in ${r.runDir}\n` +
          (r.records.length < r.plan.cells.length || r.records.some((x) => x.outcome === 'canceled') ? `resume with: agentab run-matrix --resume ${r.runDir}\n` : '') +
          (report.paths.length
            ? `report: ${report.paths.map((p) => path.basename(p)).join(', ')} in the results (agentab report ${r.runDir} for other formats or options)\n`
            : `report with: agentab report ${r.runDir}\n`),
      );
    }
    if (r.stoppedBy === 'abort') process.exitCode = 130;
    else if (r.stoppedBy === 'budget') process.exitCode = 2;
    else if (r.records.some((x) => x.outcome !== 'pass')) process.exitCode = 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
  }
}
