/**
 * Finds the cells a user means: a cell directory (`…/cells/<id>`), a run directory (all its
 * cells), or a cell id or id prefix looked up in the run directories under a results root.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { glob } from 'tinyglobby';

export class CellNotFoundError extends Error {
  readonly code: 'cell_not_found' | 'cell_ambiguous' | 'not_a_cell_or_run';
  readonly retryable = false;
  constructor(message: string, code: CellNotFoundError['code'], readonly candidates: string[] = []) {
    super(message);
    this.name = 'CellNotFoundError';
    this.code = code;
  }
}

async function isDir(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isDirectory(), () => false);
}
async function isFile(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isFile(), () => false);
}

export interface ResolvedCells {
  kind: 'cell' | 'run';
  /** The run directory the cells belong to. */
  runDir: string;
  /** Cell directories that have a record (in name order). */
  cellDirs: string[];
  /** What the user should know about the choice (a cell id that ran in several runs: the latest was taken). */
  note?: string;
}

const CELL_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Cell directories of a run that have a record.json (cells still running have none). */
export async function recordedCells(runDir: string): Promise<string[]> {
  const cells = path.join(runDir, 'cells');
  const names = (await readdir(cells).catch(() => [] as string[])).sort();
  const out: string[] = [];
  for (const n of names) if (await isFile(path.join(cells, n, 'record.json'))) out.push(path.join(cells, n));
  return out;
}

export async function resolveCells(target: string, o: { resultsRoot: string }): Promise<ResolvedCells> {
  if (await isDir(target)) {
    const dir = path.resolve(target);
    if (await isFile(path.join(dir, 'record.json'))) return { kind: 'cell', runDir: path.dirname(path.dirname(dir)), cellDirs: [dir] };
    if (await isDir(path.join(dir, 'cells'))) {
      const cellDirs = await recordedCells(dir);
      if (cellDirs.length === 0) throw new CellNotFoundError(`${dir} is a run directory with no recorded cells yet`, 'cell_not_found');
      return { kind: 'run', runDir: dir, cellDirs };
    }
    if (path.basename(path.dirname(dir)) === 'cells') {
      throw new CellNotFoundError(`${dir} has no record.json: the cell is still running or never finished`, 'cell_not_found');
    }
    throw new CellNotFoundError(`${dir} is neither a cell directory (with record.json) nor a run directory (with cells/)`, 'not_a_cell_or_run');
  }
  if (!CELL_ID.test(target)) throw new CellNotFoundError(`"${target}" is not a directory, and not a cell id`, 'not_a_cell_or_run');
  const root = path.resolve(o.resultsRoot);
  const matches = await glob([`*/*/cells/${target}*/record.json`], { cwd: root, absolute: true, onlyFiles: true });
  const dirs = [...new Set(matches.map((m) => path.dirname(m)))].sort();
  if (dirs.length === 0) throw new CellNotFoundError(`no recorded cell with id "${target}…" under ${root} (give a cell or run directory, or --results DIR)`, 'cell_not_found');
  // The whole id, or a prefix of one id only (which may have run in several runs).
  const exact = new Set(dirs.map((d) => path.basename(d))).size === 1 ? dirs : dirs.filter((d) => path.basename(d) === target);
  if (exact.length > 1) {
    const target = path.basename(exact[0]!);
    // A cell id is stable across the runs of an experiment: a whole id names the cell, and its latest run is the one meant.
    const finished = await Promise.all(exact.map(async (d) => ({ d, at: (await stat(path.join(d, 'record.json'))).mtimeMs })));
    finished.sort((a, b) => b.at - a.at);
    const latest = finished[0]!.d;
    const runOf = (d: string) => path.relative(root, path.dirname(path.dirname(d)));
    const note = `cell ${target} ran in ${exact.length} runs; showing the latest, ${runOf(latest)} (for another, give its cell directory: ${finished.slice(1, 4).map((x) => path.relative(root, x.d)).join(', ')}${exact.length > 4 ? ', …' : ''})`;
    return { kind: 'cell', runDir: path.dirname(path.dirname(latest)), cellDirs: [latest], note };
  }
  const chosen = exact.length === 1 ? exact : dirs;
  if (chosen.length > 1) {
    const shown = chosen.slice(0, 10).map((d) => path.relative(root, d));
    throw new CellNotFoundError(`"${target}" matches ${chosen.length} cells: ${shown.join(', ')}${chosen.length > 10 ? ', …' : ''}; give more of the id or the cell directory`, 'cell_ambiguous', chosen);
  }
  const cellDir = chosen[0]!;
  return { kind: 'cell', runDir: path.dirname(path.dirname(cellDir)), cellDirs: [cellDir] };
}
