/**
 * The local launcher: each cell runs as a child process tree on this machine, in a fresh
 * workspace and a private home under a per-run temp directory.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Cell } from '../../cell.ts';
import { runProcess } from '../../run-process.ts';
import { runnerAdapter } from '../../runners/adapters.ts';
import { resolveSimScript } from '../../sim-script.ts';
import { overlayFiles } from '../../workspace.ts';
import { snapshotWorkspace, workspaceDiff } from '../../workspace-diff.ts';
import { cellDir } from '../../run-dir.ts';
import { LocalLauncherOptionsSchema } from '../../../config/experiment-schema.ts';
import { describeOptionIssues } from '../../../config/zod-issues.ts';
import { afterRunner, buildWorkspace, cellEnvVars, freshCellDir, runSetup, startCell, type CellShell } from '../cell-common.ts';
import type { LauncherDef } from '../../../config/experiment-types.ts';
import type { CellLauncher, CellResult, LaunchContext } from '../types.ts';

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
    // unique per launcher: shards of one run may share a host (and a run id)
    if (this.opts.workRoot) await mkdir(this.opts.workRoot, { recursive: true });
    this.workRoot = this.opts.workRoot ?? (await mkdtemp(path.join(os.tmpdir(), `agentab-${ctx.runId}-`)));
  }

  async run(cell: Cell, signal: AbortSignal): Promise<CellResult> {
    const ctx = this.ctx;
    if (!ctx || !this.workRoot) throw new Error('LocalLauncher.run before prepare');
    const clock = startCell(cell, { cpus: os.availableParallelism() });
    const out = cellDir(ctx.runDir, cell.id);
    const root = path.join(this.workRoot, cell.id);
    const workspace = path.join(root, 'workspace');
    const home = path.join(root, 'home');

    await freshCellDir(out);
    const cellEnv = { ...cellEnvVars(cell, ctx, ctx.baseEnv, workspace), HOME: home };
    // every process group of the cell is recorded in the run dir while it runs (reaped after a crash)
    const track = { onSpawn: (pid: number) => ctx.processes?.add(pid, cell.id), onExit: (pid: number) => ctx.processes?.remove(pid) };
    const shell: CellShell = (cmd, log, env) =>
      runProcess({ argv: ['/bin/sh', '-c', cmd], cwd: workspace, env, stdoutFile: log, stderrFile: log, timeoutMs: cell.timeoutMs, signal, killGraceMs: this.opts.killGraceMs, ...track });

    const failed = await buildWorkspace(clock, cell, ctx, { root, home, workspace });
    if (failed) return failed;
    if (signal.aborted) return clock.result({ failedPhase: 'workspace', canceled: true });

    const setupFailed = await runSetup({ clock, cell, shell, log: path.join(out, 'setup.log'), env: cellEnv, overlay: () => overlayFiles(cell.condition, workspace) });
    if (setupFailed) return setupFailed;
    // The starting state the viewer diffs against: the workspace as the runner finds it.
    const before = await clock.timed('workspace', () => snapshotWorkspace(workspace));

    const adapter = runnerAdapter(cell.runner.kind);
    const resolved = ctx.runners[cell.runner.name];
    if (!resolved) return clock.result({ failedPhase: 'runner', infraError: `runner ${cell.runner.name} was not resolved` });
    ctx.registerCell(cell.id, { simScript: resolveSimScript(cell.task.sim, workspace) });
    let inv;
    try {
      inv = adapter.command({ cell, endpoint: ctx.endpoint(cell.id), workspace, home, bin: resolved.bin, cellVars: cellEnvVars(cell, ctx, {}, workspace) });
    } catch (e) {
      return clock.result({ failedPhase: 'runner', infraError: (e as Error).message });
    }
    for (const [file, content] of Object.entries(inv.files)) {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content, { mode: 0o600 });
    }
    let launchMs: number | null = null;
    const runner = await clock.timed('runner', () =>
      runProcess({
        argv: inv.argv,
        cwd: workspace,
        env: { ...ctx.baseEnv, ...cell.runner.env, ...cell.condition.env, ...inv.env },
        stdoutFile: path.join(out, 'stdout.log'),
        stderrFile: path.join(out, 'stderr.log'),
        timeoutMs: cell.timeoutMs,
        signal,
        killGraceMs: this.opts.killGraceMs,
        onSpawn: (pid) => {
          launchMs = Date.now() - clock.t0;
          track.onSpawn(pid);
        },
        onExit: track.onExit,
      }),
    );
    const result = await afterRunner({ clock, cell, adapter, out, runner, launchMs, runnerLabel: inv.argv[0] ?? 'the runner', shell, env: cellEnv });
    // After the cell's clock stopped: what the agent (and the check) changed, whatever the outcome.
    await writeFile(path.join(out, 'workspace.diff'), workspaceDiff(before, await snapshotWorkspace(workspace))).catch(() => undefined);
    return result;
  }

  async dispose(): Promise<void> {
    if (this.workRoot && !this.ctx?.keepWorkspaces) await rm(this.workRoot, { recursive: true, force: true });
  }

  /** Removes one cell's workspace (after its record is written), unless workspaces are kept. */
  async release(cellId: string): Promise<void> {
    if (this.workRoot && !this.ctx?.keepWorkspaces) await rm(path.join(this.workRoot, cellId), { recursive: true, force: true });
  }
}

/** The spec's `launcher: {kind: local, …}` options, validated: an unknown key or a bad value names itself. */
function parseLocalOptions(raw: Record<string, unknown>): { kill_grace_ms?: number | undefined } {
  const r = LocalLauncherOptionsSchema.safeParse(raw);
  if (r.success) return r.data;
  throw new Error(`invalid local launcher options: ${describeOptionIssues(r.error, LocalLauncherOptionsSchema, raw, 'launcher')}`);
}

export function checkOptions(def: LauncherDef): void {
  parseLocalOptions(def.options);
}

/** The registry's factory for `launcher: local`. */
export function createLauncher(def: LauncherDef): CellLauncher {
  return new LocalLauncher({ killGraceMs: parseLocalOptions(def.options).kill_grace_ms });
}
