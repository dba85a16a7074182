/** A cell: one runner × condition × task × rep of an experiment, placed in the run order. */
import type { ConditionDef, RunnerDef, TaskDef } from '../config/experiment-types.ts';

export interface Cell {
  id: string;
  /** Position in the run order, 0-based. */
  index: number;
  /** Block number: the cells of one (runner, task, rep) share it under the interleaved order. */
  block: number;
  experiment: string;
  runner: RunnerDef;
  condition: ConditionDef;
  task: TaskDef;
  /** 1-based repetition number. */
  rep: number;
  /** The model alias the runner is told to use (the condition may override the experiment's). */
  model: string;
  timeoutMs: number;
  maxTurns: number;
}

export const DEFAULT_MAX_TURNS = 30;
