/**
 * A run whose process died without finishing (kill -9, out of memory, a reset): its manifest is
 * marked killed (when noticed, and when the run last wrote anything), and each attempt the death
 * cut off gets a record built from its spend lines (outcome canceled, `endedBy: killed`), so the
 * resumed run keeps it as history and reports its spend instead of losing it.
 */
import { statSync } from 'node:fs';
import os from 'node:os';
import type { Cell } from './cell.ts';
import { buildRunRecord } from './build-record.ts';
import type { CellResult } from './launchers/types.ts';
import { deadRunDirs } from './cell-processes.ts';
import { readManifest, writeManifest, type Manifest } from './manifest.ts';
import { readRecordsFile, type RecordsLog } from './records-store.ts';
import { acquireRunLock } from './run-lock.ts';
import { runPaths } from './run-dir.ts';
import type { RunRecord } from './run-record.ts';
import { addSpend, noSpend, spendOfLines, unclaimedSpend, type SpendTotals } from './uncounted-spend.ts';

/** The last write of the run's own files (the proxy and the record log die with the orchestrator): about when it was killed. */
function lastWriteAt(runDir: string): string | null {
  const p = runPaths(runDir);
  let latest = 0;
  for (const f of [p.spend, p.records, p.manifest]) {
    try {
      latest = Math.max(latest, statSync(f).mtimeMs);
    } catch {
      // not written yet
    }
  }
  return latest ? new Date(latest).toISOString() : null;
}

/**
 * The manifest with its last session marked killed, if that session is still "running" (call
 * only with the run's lock held, i.e. its owner is gone), with the spend of the attempts the
 * kill cut off. A session `clean` marked already gets that spend once a resume recorded it.
 * Null when there is nothing to mark.
 */
export function markKilled(manifest: Manifest, runDir: string, killedAttempts?: SpendTotals): Manifest | null {
  const last = manifest.sessions.at(-1);
  if (!last) return null;
  const spend = killedAttempts && killedAttempts.attempts > 0 ? { killedAttempts } : {};
  if (last.status === 'killed' && spend.killedAttempts) return { ...manifest, sessions: [...manifest.sessions.slice(0, -1), { ...last, ...spend }] };
  if (last.status !== 'running') return null;
  const session = { ...last, status: 'killed', killedNoticedAt: new Date().toISOString(), lastWriteAt: lastWriteAt(runDir), ...spend };
  return { ...manifest, status: 'killed', sessions: [...manifest.sessions.slice(0, -1), session] };
}

/**
 * `agentab clean`: marks every dead run under a results root whose last session was still
 * running as killed, with the spend of the attempts the kill cut off (from the spend log).
 */
export async function markKilledRuns(resultsRoot: string, o: { dryRun?: boolean } = {}): Promise<{ runDir: string; lastWriteAt: string | null; killedAttempts: SpendTotals }[]> {
  const out = [];
  for (const runDir of deadRunDirs(resultsRoot)) {
    let manifest: Manifest;
    try {
      manifest = await readManifest(runDir);
    } catch {
      continue; // not a run directory
    }
    if (manifest.sessions.at(-1)?.status !== 'running') continue;
    const file = await readRecordsFile(runPaths(runDir).records);
    const lost = await unclaimedSpend(runPaths(runDir).spend, manifest.runId, [...file.superseded, ...file.records]);
    const killedAttempts = [...lost.values()].map(spendOfLines).reduce(addSpend, noSpend());
    if (o.dryRun) {
      out.push({ runDir, lastWriteAt: lastWriteAt(runDir), killedAttempts });
      continue;
    }
    let lock;
    try {
      lock = await acquireRunLock(runDir, { command: 'agentab clean' });
    } catch {
      continue; // taken over by a resume meanwhile: that process marks it
    }
    try {
      const marked = markKilled(await readManifest(runDir), runDir, killedAttempts);
      if (marked) {
        await writeManifest(runDir, marked);
        out.push({ runDir, lastWriteAt: (marked.sessions.at(-1) as { lastWriteAt?: string | null }).lastWriteAt ?? null, killedAttempts });
      }
    } finally {
      await lock.release();
    }
  }
  return out;
}

export interface KilledAttemptsInput {
  runDir: string;
  runId: string;
  launcher: string;
  cells: readonly Cell[];
  records: RecordsLog;
  /** Every record line of the run so far, history included (their windows claim spend lines). */
  history: readonly RunRecord[];
  runnerVersion: (cell: Cell) => string | null;
  proxyVersion: string;
}

/**
 * Writes a record for every attempt of `cells` that made model calls but was never recorded.
 * Returns the records written and their spend.
 */
export async function recordKilledAttempts(i: KilledAttemptsInput): Promise<{ written: RunRecord[]; spend: SpendTotals }> {
  const byId = new Map(i.cells.map((c) => [c.id, c]));
  const lost = await unclaimedSpend(runPaths(i.runDir).spend, i.runId, i.history, new Set(byId.keys()));
  const written: RunRecord[] = [];
  let spend = noSpend();
  for (const [cellId, lines] of lost) {
    const cell = byId.get(cellId);
    if (!cell || lines.length === 0) continue;
    const from = Math.min(...lines.map((l) => Date.parse(l.ts)));
    const to = Math.max(...lines.map((l) => Date.parse(l.ts) + l.durationMs));
    const result: CellResult = {
      cellId,
      host: os.hostname(),
      startedAt: new Date(from).toISOString(),
      wallMs: Math.max(0, to - from),
      launchMs: null,
      phaseMs: {},
      runner: null,
      check: null,
      failedPhase: 'runner',
      timedOut: false,
      canceled: true,
      report: null,
      env: {},
    };
    const prev = i.records.recorded.get(cellId);
    const built = buildRunRecord({ cell, runId: i.runId, launcher: i.launcher, result, spend: lines, runnerVersion: i.runnerVersion(cell), proxyVersion: i.proxyVersion, attempt: prev ? (prev.attempt ?? 1) + 1 : undefined });
    const totals = spendOfLines(lines);
    const rec: RunRecord = {
      ...built,
      runnerReported: {
        ...built.runnerReported,
        endedBy: 'killed',
        error: `the run's process was killed (kill -9, out of memory or a reset) while this attempt ran: its ${totals.calls} model call(s), from the spend log, are kept here and left out of the statistics`,
      },
    };
    written.push(await i.records.write(rec));
    spend = addSpend(spend, totals);
  }
  return { written, spend };
}
