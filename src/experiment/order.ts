/**
 * Run order. `interleaved` (the default) runs every condition of one (runner, task, rep)
 * back to back as a block, with the condition order shuffled per block and the blocks of a
 * rep shuffled too, so slow drift of the machine or the upstream and cache warmth do not
 * line up with a condition. `sequential` is the plain nested order (for debugging);
 * `random` shuffles all cells.
 */
import type { RunOrder } from '../config/experiment-types.ts';
import { rngFor, shuffle } from './rng.ts';

export interface OrderKey {
  runner: string;
  condition: string;
  task: string;
  rep: number;
}

export interface Ordered<T> {
  item: T;
  block: number;
}

/**
 * Orders items given the dimension lists in their declared order. `keyOf` maps an item to
 * its coordinates; every combination must be present exactly once.
 */
export function orderCells<T>(items: readonly T[], keyOf: (t: T) => OrderKey, order: RunOrder, seed: number, dims: { runners: string[]; conditions: string[]; tasks: string[]; reps: number }): Ordered<T>[] {
  const at = new Map<string, T>();
  const k = (o: OrderKey) => JSON.stringify([o.runner, o.condition, o.task, o.rep]);
  for (const t of items) at.set(k(keyOf(t)), t);
  const get = (o: OrderKey): T => {
    const t = at.get(k(o));
    if (t === undefined) throw new Error(`orderCells: no item for ${k(o)}`);
    return t;
  };
  const reps = Array.from({ length: dims.reps }, (_, i) => i + 1);
  const out: Ordered<T>[] = [];

  if (order === 'sequential') {
    let block = 0;
    for (const runner of dims.runners)
      for (const task of dims.tasks)
        for (const rep of reps) {
          for (const condition of dims.conditions) out.push({ item: get({ runner, condition, task, rep }), block });
          block++;
        }
    return out;
  }

  if (order === 'random') {
    const all = dims.runners.flatMap((runner) => dims.tasks.flatMap((task) => reps.flatMap((rep) => dims.conditions.map((condition) => get({ runner, condition, task, rep })))));
    return shuffle(all, rngFor(seed, 'order:random')).map((item, block) => ({ item, block }));
  }

  const blockRng = rngFor(seed, 'order:blocks');
  const condRng = rngFor(seed, 'order:conditions');
  let block = 0;
  for (const rep of reps) {
    const blocks = dims.runners.flatMap((runner) => dims.tasks.map((task) => ({ runner, task })));
    for (const b of shuffle(blocks, blockRng)) {
      for (const condition of shuffle(dims.conditions, condRng)) out.push({ item: get({ ...b, condition, rep }), block });
      block++;
    }
  }
  return out;
}
