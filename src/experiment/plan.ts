/**
 * Expands an experiment into cells (runners × conditions × tasks × reps) with stable ids,
 * placed in the run order. Pure: no I/O, the same spec always gives the same plan.
 */
import type { ExperimentSpec, RunnerKind } from '../config/experiment-types.ts';
import { DEFAULT_MAX_TURNS, type Cell } from './cell.ts';
import { cellId } from './cell-id.ts';
import { orderCells } from './order.ts';

export interface ResolvedRunner {
  name: string;
  kind: RunnerKind;
  bin: string;
  version: string;
}

export interface Plan {
  spec: ExperimentSpec;
  /** In run order. */
  cells: Cell[];
  /** By runner name; filled by probeRunners (absent in a plan built without probing). */
  runners: Record<string, ResolvedRunner>;
}

export function buildPlan(spec: ExperimentSpec, runners: Record<string, ResolvedRunner> = {}): Plan {
  const cells: Omit<Cell, 'index' | 'block'>[] = [];
  for (const runner of spec.runners)
    for (const condition of spec.conditions)
      for (const task of spec.tasks)
        for (let rep = 1; rep <= spec.reps; rep++) {
          cells.push({
            id: cellId({ experiment: spec.name, runner: runner.name, condition: condition.name, task: task.id, rep }),
            experiment: spec.name,
            runner,
            condition,
            task,
            rep,
            model: condition.model ?? spec.model,
            timeoutMs: task.timeoutMs ?? spec.timeoutMs,
            maxTurns: task.maxTurns ?? runner.maxTurns ?? spec.maxTurns ?? DEFAULT_MAX_TURNS,
          });
        }
  const ordered = orderCells(cells, (c) => ({ runner: c.runner.name, condition: c.condition.name, task: c.task.id, rep: c.rep }), spec.order, spec.seed, {
    runners: spec.runners.map((r) => r.name),
    conditions: spec.conditions.map((c) => c.name),
    tasks: spec.tasks.map((t) => t.id),
    reps: spec.reps,
  });
  return { spec, cells: ordered.map(({ item, block }, index) => ({ ...item, index, block })), runners };
}

/** The plan as written to plan.json: names instead of definitions. */
export function planToJson(plan: Plan): Record<string, unknown> {
  const s = plan.spec;
  return {
    v: 1,
    experiment: s.name,
    specFile: s.file ?? null,
    seed: s.seed,
    order: s.order,
    reps: s.reps,
    concurrency: s.concurrency,
    launcher: s.launcher.kind,
    model: s.model,
    timeoutMs: s.timeoutMs,
    budget: s.budget,
    runners: s.runners.map((r) => ({ name: r.name, kind: r.kind, bin: plan.runners[r.name]?.bin ?? null, version: plan.runners[r.name]?.version ?? null })),
    conditions: s.conditions.map((c) => c.name),
    tasks: s.tasks.map((t) => ({ id: t.id, file: t.file })),
    cells: plan.cells.map((c) => ({
      id: c.id,
      index: c.index,
      block: c.block,
      runner: c.runner.name,
      condition: c.condition.name,
      task: c.task.id,
      rep: c.rep,
      model: c.model,
      timeoutMs: c.timeoutMs,
      maxTurns: c.maxTurns,
    })),
  };
}
