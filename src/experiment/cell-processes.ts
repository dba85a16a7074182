/**
 * Process groups of a run's cells, recorded in the run directory (`pgids/<pgid>.json`: cell,
 * host, the leader's start time) while they run and removed when they end. After the
 * orchestrator dies without cleaning up (SIGKILL, OOM, a machine reset), the agent CLIs and
 * their tool children keep running: `agentab clean` and `run-matrix --resume` read these files
 * and kill every group still alive on this host, checking the leader's start time so a reused
 * pid is never signalled.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { groupAlive, killTree, processStartTicks, sameProcess } from './kill-tree.ts';
import { lockIsStale, readRunLockSync } from './run-lock.ts';

export const PGID_DIR = 'pgids';

export interface CellProcess {
  pgid: number;
  cell: string;
  host: string;
  startTicks: number | null;
  startedAt: string;
}

/** Synchronous on purpose: called from spawn callbacks and exit handlers. */
export class CellProcessRegistry {
  private readonly dir: string;
  constructor(runDir: string) {
    this.dir = path.join(runDir, PGID_DIR);
  }

  add(pgid: number, cell: string): void {
    const rec: CellProcess = { pgid, cell, host: os.hostname(), startTicks: processStartTicks(pgid), startedAt: new Date().toISOString() };
    try {
      mkdirSync(this.dir, { recursive: true });
      writeFileSync(path.join(this.dir, `${pgid}.json`), JSON.stringify(rec) + '\n');
    } catch {
      // the run dir went away; nothing to record into
    }
  }

  remove(pgid: number): void {
    rmSync(path.join(this.dir, `${pgid}.json`), { force: true });
  }
}

export function listCellProcesses(runDir: string): CellProcess[] {
  const dir = path.join(runDir, PGID_DIR);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: CellProcess[] = [];
  for (const n of names) {
    if (!/^\d+\.json$/.test(n)) continue;
    try {
      out.push(JSON.parse(readFileSync(path.join(dir, n), 'utf8')) as CellProcess);
    } catch {
      // torn by a crash mid-write: the group's leader is unknown, drop the file below
      rmSync(path.join(dir, n), { force: true });
    }
  }
  return out;
}

export interface ReapResult {
  /** Groups that were alive and were killed. */
  killed: CellProcess[];
  /** Groups of other hosts, left alone. */
  foreign: CellProcess[];
}

/**
 * Kills the recorded process groups of a run that are still alive on this host and forgets
 * them (also the dead ones). Only call for a run whose owner is gone (see run-lock.ts).
 */
export function reapCellProcesses(runDir: string, o: { dryRun?: boolean } = {}): ReapResult {
  const host = os.hostname();
  const result: ReapResult = { killed: [], foreign: [] };
  for (const p of listCellProcesses(runDir)) {
    if (p.host !== host) {
      result.foreign.push(p);
      continue;
    }
    // the leader may have exited while its children (tool processes) live on in the group
    const alive = sameProcess(p.pgid, p.startTicks) || (!isPidReused(p) && groupAlive(p.pgid));
    if (alive) {
      result.killed.push(p);
      if (!o.dryRun) killTree(p.pgid, 'SIGKILL');
    }
    if (!o.dryRun) rmSync(path.join(runDir, PGID_DIR, `${p.pgid}.json`), { force: true });
  }
  return result;
}

/** The pid now belongs to another process than the recorded leader. */
function isPidReused(p: CellProcess): boolean {
  if (p.startTicks === null) return false;
  const now = processStartTicks(p.pgid);
  return now !== null && now !== p.startTicks;
}

export interface DeadRunReap {
  runDir: string;
  /** Process groups killed (or, dry run, that would be). */
  killed: CellProcess[];
  /** The local launcher's staging dirs of the run removed (or that would be). */
  stagingDirs: string[];
}

/** Run directories (results/<experiment>/<runId>) under a results root whose owner is gone: no run.lock, or a stale one of this host. */
export function deadRunDirs(resultsRoot: string): string[] {
  const dirs = (d: string): string[] => {
    try {
      return readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(d, e.name));
    } catch {
      return [];
    }
  };
  return dirs(resultsRoot).flatMap(dirs).filter((runDir) => {
    const lock = readRunLockSync(runDir);
    return !lock || lockIsStale(lock);
  });
}

/**
 * `agentab clean` for local runs: under a results root (results/<experiment>/<runId>), every
 * run whose owner is gone (no run.lock, or a stale one of this host) has its recorded process
 * groups killed and its local staging dirs (<tmp>/agentab-<runId>-*) removed. Runs owned by a
 * live process, or by another host, are left alone.
 */
export function reapDeadRuns(resultsRoot: string, o: { dryRun?: boolean; tmpDir?: string } = {}): DeadRunReap[] {
  const out: DeadRunReap[] = [];
  let tmpEntries: string[] | undefined;
  for (const runDir of deadRunDirs(resultsRoot)) {
    const killed = reapCellProcesses(runDir, { dryRun: o.dryRun }).killed;
    tmpEntries ??= listDir(o.tmpDir ?? os.tmpdir());
    const stagingDirs = removeStagingDirs(runDir, { ...o, tmpEntries });
    if (killed.length || stagingDirs.length) out.push({ runDir, killed, stagingDirs });
  }
  return out;
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Removes the local launcher's staging dirs of a run (<tmp>/agentab-<runId>-*) whose owner is
 * gone: `agentab clean`, and `--resume` of a killed session before its own cells start.
 * Returns them (with `dryRun`, what would be removed).
 */
export function removeStagingDirs(runDir: string, o: { dryRun?: boolean; tmpDir?: string; tmpEntries?: readonly string[] } = {}): string[] {
  const tmp = o.tmpDir ?? os.tmpdir();
  // mkdtemp's 6-character suffix: run "r1" never takes run "r1-b"'s dirs
  const id = path.basename(runDir).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const mine = new RegExp(`^agentab-${id}-[A-Za-z0-9]{6}$`);
  const stagingDirs = (o.tmpEntries ?? listDir(tmp)).filter((n) => mine.test(n)).map((n) => path.join(tmp, n));
  if (!o.dryRun) for (const d of stagingDirs) rmSync(d, { recursive: true, force: true });
  return stagingDirs;
}
