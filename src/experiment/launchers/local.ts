/**
 * The local launcher: each cell runs as a child process tree on this machine, in a fresh
 * workspace and a private home under a per-run temp directory.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Cell } from '../cell.ts';
import { runProcess, type ProcessResult } from '../run-process.ts';
import { runnerAdapter } from '../runners/registry.ts';
import { jsonLines } from '../runners/types.ts';
import { resolveSimScript } from '../sim-script.ts';
import { materializeTask, overlayFiles } from '../workspace.ts';
import { cellDir } from '../run-dir.ts';
import type { CellLauncher, CellPhase, CellResult, LaunchContext } from './types.ts';

export interface LocalLauncherOptions {
  /** Where workspaces go (default: a new directory under the OS temp dir). */
  workRoot?: string;
  /** SIGTERM → SIGKILL delay when a cell is stopped. */
  killGraceMs?: number;
}

export class LocalLauncher implements CellLauncher {
  readonly kind = 'local';
  private ctx?: LaunchContext;
  private workRoot?: string;

  constructor(private readonly opts: LocalLauncherOptions = {}) {}

  async prepare(ctx: LaunchContext): Promise<void> {
    this.ctx = ctx;
    this.workRoot = this.opts.workRoot ?? path.join(os.tmpdir(), `agentab-${ctx.runId}`);
    await mkdir(this.workRoot, { recursive: true });
  }

  async run(cell: Cell, signal: AbortSignal): Promise<CellResult> {
    const ctx = this.ctx;
    if (!ctx || !this.workRoot) throw new Error('LocalLauncher.run before prepare');
    const t0 = Date.now();
    const startedAt = new Date(t0).toISOString();
    const out = cellDir(ctx.runDir, cell.id);
    const root = path.join(this.workRoot, cell.id);
    const workspace = path.join(root, 'workspace');
    const home = path.join(root, 'home');
    const phaseMs: Partial<Record<CellPhase, number>> = {};
    const result = (p: Partial<CellResult>): CellResult => ({
      cellId: cell.id,
      host: os.hostname(),
      startedAt,
      wallMs: Date.now() - t0,
      launchMs: null,
      phaseMs,
      runner: null,
      check: null,
      timedOut: false,
      canceled: false,
      report: null,
      env: { cpus: os.availableParallelism() },
      ...p,
    });
    const timed = async <T>(phase: CellPhase, f: () => Promise<T>): Promise<T> => {
      const s = Date.now();
      try {
        return await f();
      } finally {
        phaseMs[phase] = (phaseMs[phase] ?? 0) + Date.now() - s;
      }
    };

    // a cell re-run after a crash starts from clean logs
    await rm(out, { recursive: true, force: true });
    await mkdir(out, { recursive: true });
    const cellEnv = {
      ...ctx.baseEnv,
      HOME: home,
      AGENTAB_CELL_ID: cell.id,
      AGENTAB_TASK: cell.task.id,
      AGENTAB_CONDITION: cell.condition.name,
      AGENTAB_WORKSPACE: workspace,
      AGENTAB_TASK_DIR: path.dirname(cell.task.file),
      AGENTAB_SPEC_DIR: ctx.plan.spec.dir,
    };
    const shell = (cmd: string, log: string, env: Record<string, string>): Promise<ProcessResult> =>
      runProcess({ argv: ['/bin/sh', '-c', cmd], cwd: workspace, env, stdoutFile: log, stderrFile: log, timeoutMs: cell.timeoutMs, signal, killGraceMs: this.opts.killGraceMs });
    const stopped = (r: ProcessResult, phase: CellPhase, what: string): CellResult | undefined => {
      if (r.canceled) return result({ failedPhase: phase, canceled: true });
      if (r.timedOut) return result({ failedPhase: phase, timedOut: true });
      if (r.spawnError || r.exitCode !== 0) return result({ failedPhase: phase, infraError: `${what} failed: ${r.spawnError ?? `exit ${r.exitCode ?? r.signal}`} (see ${phase}.log)` });
      return undefined;
    };

    try {
      await timed('workspace', async () => {
        await rm(root, { recursive: true, force: true });
        await mkdir(home, { recursive: true });
        await materializeTask(cell.task, workspace, ctx.baseEnv);
      });
    } catch (e) {
      return result({ failedPhase: 'workspace', infraError: (e as Error).message });
    }
    if (signal.aborted) return result({ failedPhase: 'workspace', canceled: true });

    const setupLog = path.join(out, 'setup.log');
    const setups: [string, string, Record<string, string>][] = cell.task.setup.map((c) => [c, `task setup \`${c}\``, cellEnv]);
    for (const [cmd, what, env] of setups) {
      const r = await timed('setup', () => shell(cmd, setupLog, env));
      const s = stopped(r, 'setup', what);
      if (s) return s;
    }
    try {
      await timed('setup', () => overlayFiles(cell.condition, workspace));
    } catch (e) {
      return result({ failedPhase: 'setup', infraError: (e as Error).message });
    }
    for (const cmd of cell.condition.setup) {
      const r = await timed('setup', () => shell(cmd, setupLog, { ...cellEnv, ...cell.condition.env }));
      const s = stopped(r, 'setup', `condition setup \`${cmd}\``);
      if (s) return s;
    }

    const adapter = runnerAdapter(cell.runner.kind);
    const resolved = ctx.runners[cell.runner.name];
    if (!resolved) return result({ failedPhase: 'runner', infraError: `runner ${cell.runner.name} was not resolved` });
    ctx.registerCell(cell.id, { simScript: resolveSimScript(cell.task.sim, workspace) });
    let inv;
    try {
      inv = adapter.command({ cell, endpoint: ctx.endpoint(cell.id), workspace, home, bin: resolved.bin });
    } catch (e) {
      return result({ failedPhase: 'runner', infraError: (e as Error).message });
    }
    for (const [file, content] of Object.entries(inv.files)) {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content, { mode: 0o600 });
    }
    const stdoutFile = path.join(out, 'stdout.log');
    let launchMs: number | null = null;
    const runner = await timed('runner', () =>
      runProcess({
        argv: inv.argv,
        cwd: workspace,
        env: { ...ctx.baseEnv, ...cell.runner.env, ...cell.condition.env, ...inv.env },
        stdoutFile,
        stderrFile: path.join(out, 'stderr.log'),
        timeoutMs: cell.timeoutMs,
        signal,
        killGraceMs: this.opts.killGraceMs,
        onSpawn: () => {
          launchMs = Date.now() - t0;
        },
      }),
    );
    const stdout = await readFile(stdoutFile, 'utf8').catch(() => '');
    if (adapter.jsonTranscript) {
      const lines = jsonLines(stdout).map((l) => JSON.stringify(l));
      await writeFile(path.join(out, 'transcript.jsonl'), lines.length ? lines.join('\n') + '\n' : '');
    }
    const report = adapter.parse(stdout);
    const base = { runner, report, launchMs };
    if (runner.spawnError) return result({ ...base, failedPhase: 'runner', infraError: `could not start ${inv.argv[0]}: ${runner.spawnError}` });
    if (runner.canceled) return result({ ...base, failedPhase: 'runner', canceled: true });
    if (runner.timedOut) return result({ ...base, failedPhase: 'runner', timedOut: true });

    let check: ProcessResult | null = null;
    if (cell.task.check && runner.exitCode === 0) {
      check = await timed('check', () => shell(cell.task.check!, path.join(out, 'check.log'), cellEnv));
      if (check.canceled) return result({ ...base, check, failedPhase: 'check', canceled: true });
      if (check.timedOut) return result({ ...base, check, failedPhase: 'check', timedOut: true });
    }
    return result({ ...base, check });
  }

  async dispose(): Promise<void> {
    if (this.workRoot && !this.ctx?.keepWorkspaces) await rm(this.workRoot, { recursive: true, force: true });
  }

  /** Removes one cell's workspace (after its record is written), unless workspaces are kept. */
  async release(cellId: string): Promise<void> {
    if (this.workRoot && !this.ctx?.keepWorkspaces) await rm(path.join(this.workRoot, cellId), { recursive: true, force: true });
  }
}
