/**
 * Sharding a plan over N machines (`run-matrix --shard i/N`, one Batch task per shard).
 * Every condition of a (runner, task, rep) block goes to the same shard, so the cells a
 * comparison pairs ran on the same VM; blocks are spread by estimated time with the
 * longest-processing-time-first rule (largest block to the least loaded shard), which keeps
 * the slowest shard within 4/3 of the best possible. A pure, deterministic function of the
 * cells and their estimates: the launcher and every VM compute the same shards.
 */
import type { Cell } from './cell.ts';

export interface ShardSpec {
  /** 0-based (BATCH_TASK_INDEX). */
  index: number;
  count: number;
}

/** Parses `i/N` (0 ≤ i < N). */
export function parseShard(text: string): ShardSpec {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index < count)) throw new Error(`--shard: expected <index>/<count> with 0 <= index < count (index 0-based, as BATCH_TASK_INDEX), got "${text}"`);
  return { index, count };
}

/** The pairing key: cells with the same key are compared with each other and stay together. */
export const pairKey = (c: Pick<Cell, 'runner' | 'task' | 'rep'>): string => JSON.stringify([c.runner.name, c.task.id, c.rep]);

export interface Shards {
  count: number;
  /** Cell ids of each shard, in run order. */
  cells: string[][];
  /** Estimated busy time of each shard, ms (sum of its cells' estimates). */
  estimatedMs: number[];
}

/**
 * Splits `cells` (in run order) into `count` shards. `estimateMs` gives each cell's expected
 * time; blocks whose estimates tie keep their run order, shards whose loads tie take the lowest index.
 */
export function shardCells(cells: readonly Cell[], count: number, estimateMs: (c: Cell) => number): Shards {
  if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`shard count must be a positive integer, got ${count}`);
  const blocks = new Map<string, { first: number; ms: number; cells: Cell[] }>();
  cells.forEach((c, i) => {
    const k = pairKey(c);
    let b = blocks.get(k);
    if (!b) blocks.set(k, (b = { first: i, ms: 0, cells: [] }));
    b.cells.push(c);
    b.ms += Math.max(0, estimateMs(c));
  });
  const sorted = [...blocks.values()].sort((a, b) => b.ms - a.ms || a.first - b.first);
  const load = new Array<number>(count).fill(0);
  const members: Cell[][] = Array.from({ length: count }, () => []);
  for (const b of sorted) {
    let best = 0;
    for (let s = 1; s < count; s++) if (load[s]! < load[best]!) best = s;
    load[best]! += b.ms;
    members[best]!.push(...b.cells);
  }
  const pos = new Map(cells.map((c, i) => [c.id, i]));
  return {
    count,
    cells: members.map((m) => m.sort((a, b) => pos.get(a.id)! - pos.get(b.id)!).map((c) => c.id)),
    estimatedMs: load,
  };
}

/** How many blocks (pairing groups) the cells form: more shards than this would stay empty. */
export function blockCount(cells: readonly Cell[]): number {
  return new Set(cells.map(pairKey)).size;
}
