/**
 * Cell ids: a short stable hash of (experiment, runner, condition, task, rep). The same plan
 * gives the same ids, which is what lets `--resume` skip cells already recorded.
 */
import { createHash } from 'node:crypto';

export interface CellKey {
  experiment: string;
  runner: string;
  condition: string;
  task: string;
  rep: number;
}

export const CELL_ID_LENGTH = 12;

export function cellId(k: CellKey): string {
  // JSON of an array: unambiguous even if a name contains a separator character
  const text = JSON.stringify([k.experiment, k.runner, k.condition, k.task, k.rep]);
  return createHash('sha256').update(text).digest('hex').slice(0, CELL_ID_LENGTH);
}

export const CELL_ID_PATTERN = /^[0-9a-f]{12}$/;
