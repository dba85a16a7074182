/**
 * Estimates a plan's time, tokens and cost: per cell from earlier runs' records of the same
 * experiment (same runner, condition and task; else same runner and task; else same task),
 * else from the task's `expected` size, else a default. Wall time is the makespan of the
 * cells over `concurrency` workers in run order.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Cell } from './cell.ts';
import { readRunRecords } from './records-store.ts';
import type { RunRecord } from './run-record.ts';

export interface CellEstimate {
  wallMs: number;
  input: number;
  output: number;
  costUsd: number;
  calls: number;
  source: 'history' | 'expected' | 'default';
}

export interface PlanEstimate {
  cells: number;
  /** Makespan with the plan's concurrency. */
  wallMs: number;
  input: number;
  output: number;
  costUsd: number;
  /** How many cells each source estimated. */
  sources: Record<CellEstimate['source'], number>;
  /** How many earlier records were used. */
  historyRecords: number;
}

export const DEFAULT_CELL_MS = 60_000;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? 0 : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Records of earlier runs under `experimentDir` (results/<experiment>), except `excludeRunDir`. */
export async function loadHistory(experimentDir: string, excludeRunDir?: string): Promise<RunRecord[]> {
  if (!existsSync(experimentDir)) return [];
  const out: RunRecord[] = [];
  for (const d of await readdir(experimentDir, { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    const dir = path.join(experimentDir, d.name);
    if (excludeRunDir && path.resolve(dir) === path.resolve(excludeRunDir)) continue;
    try {
      out.push(...(await readRunRecords(dir)));
    } catch {
      // an unreadable run directory does not stop planning
    }
  }
  // infra, canceled and error cells (often cut short) say little about how long a cell takes
  return out.filter((r) => r.outcome === 'pass' || r.outcome === 'fail' || r.outcome === 'timeout');
}

export function estimateCell(cell: Cell, history: readonly RunRecord[], costOfUsage?: (cell: Cell, input: number, output: number) => number): CellEstimate {
  const tiers = [
    (r: RunRecord) => r.runner === cell.runner.name && r.condition === cell.condition.name && r.task === cell.task.id,
    (r: RunRecord) => r.runner === cell.runner.name && r.task === cell.task.id,
    (r: RunRecord) => r.task === cell.task.id,
  ];
  for (const match of tiers) {
    const rs = history.filter(match);
    if (rs.length === 0) continue;
    return {
      wallMs: median(rs.map((r) => r.wallMs)),
      input: median(rs.map((r) => r.usage.input)),
      output: median(rs.map((r) => r.usage.output)),
      costUsd: median(rs.map((r) => r.costUsd)),
      calls: median(rs.map((r) => r.calls)),
      source: 'history',
    };
  }
  const e = cell.task.expected;
  if (e.seconds !== undefined || e.inputTokens !== undefined || e.outputTokens !== undefined || e.costUsd !== undefined || e.calls !== undefined) {
    const input = e.inputTokens ?? 0;
    const output = e.outputTokens ?? 0;
    return {
      wallMs: e.seconds !== undefined ? e.seconds * 1000 : DEFAULT_CELL_MS,
      input,
      output,
      costUsd: e.costUsd ?? costOfUsage?.(cell, input, output) ?? 0,
      calls: e.calls ?? 0,
      source: 'expected',
    };
  }
  return { wallMs: DEFAULT_CELL_MS, input: 0, output: 0, costUsd: 0, calls: 0, source: 'default' };
}

/** Greedy list scheduling in run order: each cell goes to the worker that frees up first. */
export function makespan(durations: readonly number[], concurrency: number): number {
  const free = new Array<number>(Math.max(1, concurrency)).fill(0);
  for (const d of durations) {
    let i = 0;
    for (let k = 1; k < free.length; k++) if (free[k]! < free[i]!) i = k;
    free[i]! += d;
  }
  return Math.max(...free);
}

export function estimatePlan(cells: readonly Cell[], concurrency: number, history: readonly RunRecord[], costOfUsage?: (cell: Cell, input: number, output: number) => number): PlanEstimate & { perCell: CellEstimate[] } {
  const perCell = cells.map((c) => estimateCell(c, history, costOfUsage));
  const sources = { history: 0, expected: 0, default: 0 };
  for (const e of perCell) sources[e.source]++;
  return {
    cells: cells.length,
    wallMs: makespan(perCell.map((e) => e.wallMs), concurrency),
    input: perCell.reduce((a, e) => a + e.input, 0),
    output: perCell.reduce((a, e) => a + e.output, 0),
    costUsd: perCell.reduce((a, e) => a + e.costUsd, 0),
    sources,
    historyRecords: history.length,
    perCell,
  };
}
