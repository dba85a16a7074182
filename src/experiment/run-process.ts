/**
 * Runs one process of a cell (setup, runner, check) with a timeout and cancellation that
 * kill its whole process tree: it is spawned detached (its own process group), and on
 * timeout or abort the group gets SIGTERM, then SIGKILL after a grace period. After a normal
 * exit, leftovers in its group (a background job the agent started) are killed too.
 */
import { execa } from 'execa';
import { killTree } from './kill-tree.ts';
import { armStopTrigger } from './stop-trigger.ts';

/** Process groups of cell processes still running, for a forced stop (second Ctrl-C, exit). */
const liveGroups = new Set<number>();

/** Kills every cell process group still running (synchronous: usable in an exit handler). */
export function killAllLiveGroups(): number {
  const n = liveGroups.size;
  for (const pid of liveGroups) killTree(pid, 'SIGKILL');
  liveGroups.clear();
  return n;
}

export function liveGroupCount(): number {
  return liveGroups.size;
}

export interface RunProcessOptions {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  /** Files stdout/stderr go to (appended). */
  stdoutFile: string;
  stderrFile: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** SIGTERM → SIGKILL delay. */
  killGraceMs?: number;
  /** Called with the pid once spawned (the launcher tracks live groups for Ctrl-C). */
  onSpawn?: (pid: number) => void;
  onExit?: (pid: number) => void;
  /** Clock for startedAt/duration; injectable for tests. */
  now?: () => number;
}

export interface ProcessResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  canceled: boolean;
  /** Epoch ms when the process was spawned. */
  startedAtMs: number;
  durationMs: number;
  /** The process could not be started (e.g. ENOENT). */
  spawnError?: string;
}

export async function runProcess(o: RunProcessOptions): Promise<ProcessResult> {
  const now = o.now ?? Date.now;
  const grace = o.killGraceMs ?? 2000;
  const startedAtMs = now();
  if (o.signal?.aborted) return { exitCode: null, signal: null, timedOut: false, canceled: true, startedAtMs, durationMs: 0 };

  const sub = execa(o.argv[0]!, o.argv.slice(1), {
    cwd: o.cwd,
    env: o.env,
    extendEnv: false,
    detached: true,
    stdin: 'ignore',
    stdout: { file: o.stdoutFile, append: true },
    stderr: { file: o.stderrFile, append: true },
    reject: false,
    // we kill the tree ourselves; execa's cleanup would signal only the direct child
    cleanup: false,
  });
  const pid = sub.pid;
  let forceTimer: NodeJS.Timeout | undefined;
  const stop = () => {
    if (pid === undefined || forceTimer) return;
    killTree(pid, 'SIGTERM');
    forceTimer = setTimeout(() => killTree(pid, 'SIGKILL'), grace);
  };
  const trigger = armStopTrigger(o.timeoutMs, o.signal, stop);
  if (pid !== undefined) {
    liveGroups.add(pid);
    o.onSpawn?.(pid);
  }
  try {
    // The process's own exit ends the run. A background job it left behind (a dev server, a
    // watcher) keeps its stdout and stderr pipes open, and `await sub` waits for those to close:
    // it would wait for the timeout and report one. So: wait for the exit (or a spawn error),
    // kill what is left in the group, then collect the result as the pipes drain.
    await new Promise<void>((resolve) => {
      sub.once('exit', () => resolve());
      void sub.then(
        () => resolve(),
        () => resolve(),
      );
    });
    if (pid !== undefined) killTree(pid, 'SIGKILL');
    const r = await sub;
    const spawnError = r.failed && r.exitCode === undefined && r.signal === undefined ? (r.cause instanceof Error ? r.cause.message : r.shortMessage) : undefined;
    return {
      exitCode: r.exitCode ?? null,
      signal: r.signal ?? null,
      timedOut: trigger.timedOut,
      canceled: trigger.canceled && !trigger.timedOut,
      startedAtMs,
      durationMs: now() - startedAtMs,
      ...(spawnError ? { spawnError } : {}),
    };
  } finally {
    trigger.disarm();
    if (forceTimer) clearTimeout(forceTimer);
    if (pid !== undefined) {
      killTree(pid, 'SIGKILL'); // leftovers in the group (background jobs) die with the cell
      liveGroups.delete(pid);
      o.onExit?.(pid);
    }
  }
}
