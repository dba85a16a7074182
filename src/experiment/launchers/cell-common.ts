/**
 * The parts of a cell's life that every launcher shares, wherever its processes run: the
 * result and per-phase clock, the cell's environment, the setup sequence, and what happens
 * after the runner (transcript, report, check). A launcher supplies how to run a shell
 * command (`CellShell`) and where the workspace is.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Cell } from '../cell.ts';
import type { ProcessResult } from '../run-process.ts';
import { jsonLines, type RunnerAdapter } from '../runners/types.ts';
import { materializeTask } from '../workspace.ts';
import type { CellPhase, CellPhaseSpan, CellResult, LaunchContext } from './types.ts';

/** Runs `cmd` through /bin/sh in the cell's workspace, output appended to `log`. */
export type CellShell = (cmd: string, log: string, env: Record<string, string>) => Promise<ProcessResult>;

export interface CellClock {
  /** When the launcher started on the cell (epoch ms). */
  readonly t0: number;
  /** A CellResult with the cell's facts so far, overridden by `p`. */
  result(p: Partial<CellResult>): CellResult;
  /** Runs `f`, adding its duration to `phase`. */
  timed<T>(phase: CellPhase, f: () => Promise<T>): Promise<T>;
  /** The cell's end if a setup/check process did not exit 0 (canceled, timed out, failed). */
  stopped(r: ProcessResult, phase: CellPhase, what: string): CellResult | undefined;
}

/** Starts the clock of one cell; `env` is read when a result is made (a launcher may add to it). */
export function startCell(cell: Cell, env: CellResult['env']): CellClock {
  const t0 = Date.now();
  const startedAt = new Date(t0).toISOString();
  const phaseMs: Partial<Record<CellPhase, number>> = {};
  const phaseSpans: CellPhaseSpan[] = [];
  const result = (p: Partial<CellResult>): CellResult => ({
    cellId: cell.id,
    host: os.hostname(),
    startedAt,
    wallMs: Date.now() - t0,
    launchMs: null,
    phaseMs,
    phaseSpans,
    runner: null,
    check: null,
    timedOut: false,
    canceled: false,
    report: null,
    env,
    ...p,
  });
  return {
    t0,
    result,
    async timed<T>(phase: CellPhase, f: () => Promise<T>): Promise<T> {
      const s = Date.now();
      try {
        return await f();
      } finally {
        const end = Date.now();
        phaseMs[phase] = (phaseMs[phase] ?? 0) + end - s;
        phaseSpans.push({ phase, startMs: s - t0, durationMs: end - s });
      }
    },
    stopped(r, phase, what) {
      if (r.canceled) return result({ failedPhase: phase, canceled: true });
      if (r.timedOut) return result({ failedPhase: phase, timedOut: true });
      if (r.spawnError || r.exitCode !== 0) return result({ failedPhase: phase, infraError: `${what} failed: ${r.spawnError ?? `exit ${r.exitCode ?? r.signal}`} (see ${phase}.log)` });
      return undefined;
    },
  };
}

/** Empties the cell's log directory (a cell re-run after a crash starts from clean logs). */
export async function freshCellDir(out: string): Promise<void> {
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
}

/** Builds the task's workspace under a fresh `root` (with an empty `home`); an error ends the cell. */
export async function buildWorkspace(clock: CellClock, cell: Cell, ctx: LaunchContext, dirs: { root: string; home: string; workspace: string }): Promise<CellResult | undefined> {
  try {
    await clock.timed('workspace', async () => {
      await rm(dirs.root, { recursive: true, force: true });
      await mkdir(dirs.home, { recursive: true });
      await materializeTask(cell.task, dirs.workspace, ctx.baseEnv);
    });
  } catch (e) {
    return clock.result({ failedPhase: 'workspace', infraError: (e as Error).message });
  }
  return undefined;
}

/** The AGENTAB_* variables of setup and check processes, on top of `base`. */
export function cellEnvVars(cell: Cell, ctx: Pick<LaunchContext, 'plan'>, base: Record<string, string>, workspace: string): Record<string, string> {
  return {
    ...base,
    AGENTAB_CELL_ID: cell.id,
    AGENTAB_TASK: cell.task.id,
    AGENTAB_CONDITION: cell.condition.name,
    AGENTAB_WORKSPACE: workspace,
    AGENTAB_TASK_DIR: path.dirname(cell.task.file),
    AGENTAB_SPEC_DIR: ctx.plan.spec.dir,
  };
}

export interface SetupOptions {
  clock: CellClock;
  cell: Cell;
  shell: CellShell;
  log: string;
  env: Record<string, string>;
  /** Places the condition's files in the workspace; its error's message is the infra error. */
  overlay: () => Promise<void>;
}

/** Task setup commands, the condition's files, then the condition's setup commands. */
export async function runSetup(o: SetupOptions): Promise<CellResult | undefined> {
  const { clock, cell } = o;
  for (const cmd of cell.task.setup) {
    const s = clock.stopped(await clock.timed('setup', () => o.shell(cmd, o.log, o.env)), 'setup', `task setup \`${cmd}\``);
    if (s) return s;
  }
  try {
    await clock.timed('setup', o.overlay);
  } catch (e) {
    return clock.result({ failedPhase: 'setup', infraError: (e as Error).message });
  }
  for (const cmd of cell.condition.setup) {
    const s = clock.stopped(await clock.timed('setup', () => o.shell(cmd, o.log, { ...o.env, ...cell.condition.env })), 'setup', `condition setup \`${cmd}\``);
    if (s) return s;
  }
  return undefined;
}

export interface AfterRunnerOptions {
  clock: CellClock;
  cell: Cell;
  adapter: RunnerAdapter;
  /** The cell's log directory; stdout.log is in it. */
  out: string;
  runner: ProcessResult;
  launchMs: number | null;
  /** Names the runner in "could not start …". */
  runnerLabel: string;
  shell: CellShell;
  /** Environment of the check. */
  env: Record<string, string>;
  /** Runs before a cell that got through its check ends (e.g. copying the workspace out). */
  beforeEnd?: () => Promise<void>;
}

/** Keeps the runner's transcript, parses its report, and runs the task's check after a clean exit. */
export async function afterRunner(o: AfterRunnerOptions): Promise<CellResult> {
  const { clock, cell, out, runner } = o;
  const stdout = await readFile(path.join(out, 'stdout.log'), 'utf8').catch(() => '');
  if (o.adapter.jsonTranscript) {
    const lines = jsonLines(stdout).map((l) => JSON.stringify(l));
    await writeFile(path.join(out, 'transcript.jsonl'), lines.length ? lines.join('\n') + '\n' : '');
  }
  const report = o.adapter.parse(stdout);
  const base = { runner, report, launchMs: o.launchMs };
  if (runner.spawnError) return clock.result({ ...base, failedPhase: 'runner', infraError: `could not start ${o.runnerLabel}: ${runner.spawnError}` });
  if (runner.canceled) return clock.result({ ...base, failedPhase: 'runner', canceled: true });
  if (runner.timedOut) return clock.result({ ...base, failedPhase: 'runner', timedOut: true });

  let check: ProcessResult | null = null;
  const checkCmd = cell.task.check;
  if (checkCmd && runner.exitCode === 0) {
    check = await clock.timed('check', () => o.shell(checkCmd, path.join(out, 'check.log'), o.env));
    if (check.canceled) return clock.result({ ...base, check, failedPhase: 'check', canceled: true });
    if (check.timedOut) return clock.result({ ...base, check, failedPhase: 'check', timedOut: true });
  }
  await o.beforeEnd?.();
  return clock.result({ ...base, check });
}
