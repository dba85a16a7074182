/** Writing a Chrome trace file for cells or a run (used by `agentab trace` and debug bundles). */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadCellSpans, type CellTimeline } from './cell-spans.ts';
import { chromeTrace } from './chrome-trace.ts';
import type { ResolvedCells } from './resolve-cell.ts';

/** Timelines of resolved cells, one at a time (a run may have thousands of cells). */
export async function loadTimelines(cells: ResolvedCells): Promise<CellTimeline[]> {
  const out: CellTimeline[] = [];
  for (const dir of cells.cellDirs) out.push(await loadCellSpans(dir));
  return out;
}

/** Default place of the trace: the cell's or the run's directory. */
export function defaultTracePath(cells: ResolvedCells): string {
  return path.join(cells.kind === 'cell' ? cells.cellDirs[0]! : cells.runDir, 'trace.json');
}

export async function writeChromeTrace(file: string, timelines: readonly CellTimeline[]): Promise<void> {
  await writeFile(file, JSON.stringify(chromeTrace(timelines)) + '\n');
}
