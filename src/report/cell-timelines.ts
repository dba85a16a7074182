/**
 * The report's reach into cell directories: the timelines (src/trace) of chosen records, read
 * from the run directories the records came from. A run directory's spend log is read once for
 * all the cells wanted from it; a record whose run directory is not at hand (a records file
 * copied elsewhere, cells deleted) simply has no timeline.
 *
 * Two uses: records written before agentab decomposed wall time get their decomposition from
 * their cell's files (so tool and harness time can be compared on older runs), and the slowest
 * cell of each group gets its spans for the report's waterfall.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunRecord } from '../experiment/run-record.ts';
import { cellDir, runPaths } from '../experiment/run-dir.ts';
import { iterSpendLog } from '../proxy/spend/reader.ts';
import type { SpendRecord } from '../proxy/spend/record.ts';
import { buildCellTimeline, type CellTimeline } from '../trace/cell-spans.ts';
import type { LoadedRecords, LoadedSource } from './load.ts';

const key = (r: Pick<RunRecord, 'runId' | 'cell'>): string => `${r.runId}/${r.cell}`;

async function readOrNull(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw e;
  }
}

/** runId → run directory, from the manifest.json next to each source's records file. */
export async function runDirsOf(sources: readonly LoadedSource[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const s of sources) {
    const dir = path.dirname(s.path);
    const text = await readOrNull(runPaths(dir).manifest);
    if (text === null) continue;
    try {
      const runId = (JSON.parse(text) as { runId?: unknown }).runId;
      if (typeof runId === 'string' && !out.has(runId)) out.set(runId, dir);
    } catch {
      // a manifest that does not parse: its cells are not reachable from here
    }
  }
  return out;
}

/**
 * Timelines of `records` whose cell directory is reachable (keyed `runId/cell`). Cells with no
 * cell directory are left out; a missing transcript or spend log reads as none.
 */
export async function readCellTimelines(sources: readonly LoadedSource[], records: readonly RunRecord[]): Promise<Map<string, CellTimeline>> {
  const out = new Map<string, CellTimeline>();
  if (records.length === 0) return out;
  const dirs = await runDirsOf(sources);
  const byRun = new Map<string, RunRecord[]>();
  for (const r of records) {
    if (!dirs.has(r.runId)) continue;
    const list = byRun.get(r.runId);
    if (list) list.push(r);
    else byRun.set(r.runId, [r]);
  }
  for (const [runId, mine] of byRun) {
    const runDir = dirs.get(runId)!;
    const present: { record: RunRecord; transcript: string }[] = [];
    for (const record of mine) {
      const dir = cellDir(runDir, record.cell);
      if ((await readOrNull(path.join(dir, 'record.json'))) === null) continue;
      present.push({ record, transcript: (await readOrNull(path.join(dir, 'transcript.jsonl'))) ?? '' });
    }
    if (present.length === 0) continue;
    const wanted = new Set(present.map((p) => p.record.cell));
    const spend = new Map<string, SpendRecord[]>();
    for await (const line of iterSpendLog(runPaths(runDir).spend, undefined, { missingOk: true })) {
      if (line.cell === null || !wanted.has(line.cell)) continue;
      const list = spend.get(line.cell);
      if (list) list.push(line);
      else spend.set(line.cell, [line]);
    }
    for (const p of present) out.set(key(p.record), buildCellTimeline({ record: p.record, spend: spend.get(p.record.cell) ?? [], transcript: p.transcript }));
  }
  return out;
}

/**
 * The records with a decomposition computed from their cell directory where they lack one
 * (records written before agentab recorded timelines); `filled` counts them.
 */
export async function withCellDecompositions(loaded: LoadedRecords): Promise<{ loaded: LoadedRecords; filled: number }> {
  const missing = loaded.records.filter((r) => !r.decomposition);
  if (missing.length === 0) return { loaded, filled: 0 };
  const timelines = await readCellTimelines(loaded.sources, missing);
  if (timelines.size === 0) return { loaded, filled: 0 };
  const records = loaded.records.map((r) => {
    const t = r.decomposition ? undefined : timelines.get(key(r));
    return t ? { ...r, decomposition: t.decomposition } : r;
  });
  return { loaded: { ...loaded, records }, filled: timelines.size };
}

export const timelineKey = key;
