/**
 * One run directory, one writer. `run.lock` in the run directory names the process that owns
 * the run (pid, host, when it started, and the kernel's start time of that pid, so a reused
 * pid is not mistaken for the owner). It is created with O_EXCL; a second process refuses with
 * the owner's details; a lock left by a dead process of this host is taken over. A lock of
 * another host cannot be checked from here and is refused (remove it by hand once that host's
 * run is gone).
 */
import { readFileSync } from 'node:fs';
import { open, readFile, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { processStartTicks, sameProcess } from './kill-tree.ts';

export const RUN_LOCK_FILE = 'run.lock';

const LockSchema = z.looseObject({
  pid: z.number().int().positive(),
  host: z.string(),
  startedAt: z.string(),
  startTicks: z.number().nullable().optional(),
  command: z.string().optional(),
});
export type RunLockInfo = z.infer<typeof LockSchema>;

export class RunLockedError extends Error {
  readonly code = 'run_locked';
  readonly retryable = false;
  constructor(
    readonly runDir: string,
    readonly owner: RunLockInfo,
  ) {
    super(
      `${runDir} is in use by pid ${owner.pid} on ${owner.host} (since ${owner.startedAt}${owner.command ? `: ${owner.command}` : ''}); ` +
        (owner.host === os.hostname()
          ? `wait for it to finish or stop it (kill ${owner.pid}) and resume again`
          : `that host's process cannot be checked from here: if it is gone, remove ${path.join(runDir, RUN_LOCK_FILE)} and resume again`),
    );
    this.name = 'RunLockedError';
  }
}

export interface RunLock {
  readonly info: RunLockInfo;
  /** The previous owner's lock, when it was stale and taken over. */
  readonly tookOver: RunLockInfo | null;
  release(): Promise<void>;
}

export function readRunLockSync(runDir: string): RunLockInfo | null {
  try {
    const r = LockSchema.safeParse(JSON.parse(readFileSync(path.join(runDir, RUN_LOCK_FILE), 'utf8')));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/** Whether the lock's owner is gone: a process of this host that no longer runs. Unknown (another host) counts as alive. */
export function lockIsStale(info: RunLockInfo, host = os.hostname()): boolean {
  return info.host === host && !sameProcess(info.pid, info.startTicks);
}

export async function acquireRunLock(runDir: string, o: { command?: string } = {}): Promise<RunLock> {
  const file = path.join(runDir, RUN_LOCK_FILE);
  const info: RunLockInfo = {
    pid: process.pid,
    host: os.hostname(),
    startedAt: new Date().toISOString(),
    startTicks: processStartTicks(process.pid),
    ...(o.command ? { command: o.command } : {}),
  };
  let tookOver: RunLockInfo | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const h = await open(file, 'wx', 0o644);
      try {
        await h.writeFile(JSON.stringify(info) + '\n');
        await h.sync();
      } finally {
        await h.close();
      }
      let released = false;
      return {
        info,
        tookOver,
        async release() {
          if (released) return;
          released = true;
          // only our own lock: never remove one another process took over meanwhile
          const now = readRunLockSync(runDir);
          if (now && now.pid === info.pid && now.host === info.host && now.startedAt === info.startedAt) await unlink(file).catch(() => undefined);
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let owner: RunLockInfo | null = null;
    try {
      owner = LockSchema.parse(JSON.parse(await readFile(file, 'utf8')));
    } catch {
      owner = null; // unreadable (torn by a crash mid-write): stale
    }
    if (owner && !lockIsStale(owner)) throw new RunLockedError(runDir, owner);
    tookOver = owner;
    await unlink(file).catch(() => undefined);
  }
  throw new Error(`${runDir}: could not take the run lock (another process keeps taking it)`);
}
