import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { applyOverrides, loadExperiment } from '../../src/config/experiment-loader.ts';
import type { ExperimentSpec } from '../../src/config/experiment-types.ts';
import { cellId, CELL_ID_PATTERN } from '../../src/experiment/cell-id.ts';
import { buildPlan } from '../../src/experiment/plan.ts';
import { makespan } from '../../src/experiment/estimate.ts';
import { mulberry32, shuffle } from '../../src/experiment/rng.ts';

const PILOT = fileURLToPath(new URL('../../experiments/pilot.yaml', import.meta.url));
const pilot = await loadExperiment(PILOT);
/** The pilot with three conditions and three reps, interleaved, so orders have room to differ. */
const wide: ExperimentSpec = { ...pilot, reps: 3, order: 'interleaved', conditions: [...pilot.conditions, { ...pilot.conditions[1]!, name: 'c2' }] };

describe('cell ids', () => {
  test('are 12 hex characters, stable, and depend on every coordinate', () => {
    const k = { experiment: 'pilot', runner: 'claude', condition: 'baseline', task: 'write-file', rep: 1 };
    const id = cellId(k);
    assert.match(id, CELL_ID_PATTERN);
    assert.equal(id, cellId({ ...k }));
    // pinned: a change of the hash breaks --resume of every existing run directory
    assert.equal(id, 'c6195e4036cd');
    const variants = [{ experiment: 'x' }, { runner: 'opencode' }, { condition: 'c1' }, { task: 'fix-test' }, { rep: 2 }];
    const ids = new Set([id, ...variants.map((v) => cellId({ ...k, ...v }))]);
    assert.equal(ids.size, 6);
  });

  test('names containing separators cannot collide', () => {
    assert.notEqual(cellId({ experiment: 'a', runner: 'b/c', condition: 'd', task: 't', rep: 1 }), cellId({ experiment: 'a', runner: 'b', condition: 'c/d', task: 't', rep: 1 }));
  });
});

describe('plan', () => {
  test('expands runners × conditions × tasks × reps with unique ids', () => {
    const p = buildPlan(wide);
    assert.equal(p.cells.length, 2 * 3 * pilot.tasks.length * 3);
    assert.equal(new Set(p.cells.map((c) => c.id)).size, p.cells.length);
    assert.deepEqual(p.cells.map((c) => c.index), p.cells.map((_, i) => i));
  });

  test('is deterministic: the same seed gives the same ids in the same order', () => {
    const a = buildPlan(wide).cells.map((c) => c.id);
    const b = buildPlan({ ...wide }).cells.map((c) => c.id);
    assert.deepEqual(a, b);
  });

  test('another seed keeps the ids but changes the order', () => {
    const a = buildPlan(wide).cells.map((c) => c.id);
    const b = buildPlan({ ...wide, seed: wide.seed + 1 }).cells.map((c) => c.id);
    assert.deepEqual([...a].sort(), [...b].sort());
    assert.notDeepEqual(a, b);
  });

  test('interleaved: every condition of a (runner, task, rep) runs back to back, in a shuffled order', () => {
    const p = buildPlan(wide);
    const nConds = wide.conditions.length;
    const condOrders = new Set<string>();
    for (let i = 0; i < p.cells.length; i += nConds) {
      const block = p.cells.slice(i, i + nConds);
      const [first] = block;
      for (const c of block) {
        assert.equal(c.block, first!.block);
        assert.equal(c.runner.name, first!.runner.name);
        assert.equal(c.task.id, first!.task.id);
        assert.equal(c.rep, first!.rep);
      }
      assert.deepEqual(block.map((c) => c.condition.name).sort(), wide.conditions.map((c) => c.name).sort(), 'each condition once per block');
      condOrders.add(block.map((c) => c.condition.name).join(','));
    }
    assert.ok(condOrders.size > 1, 'the condition order varies between blocks');
    // reps advance together: all of rep 1 before any of rep 2
    const reps = p.cells.map((c) => c.rep);
    assert.deepEqual(reps, [...reps].sort((x, y) => x - y));
    // no condition is always first in its block
    const firsts = new Set<string>();
    for (let i = 0; i < p.cells.length; i += nConds) firsts.add(p.cells[i]!.condition.name);
    assert.ok(firsts.size > 1);
  });

  test('sequential is the plain nested order; random is a seeded permutation', () => {
    const seq = buildPlan({ ...wide, order: 'sequential' }).cells;
    assert.equal(seq[0]!.runner.name, 'claude');
    assert.deepEqual(seq.slice(0, 3).map((c) => c.condition.name), ['baseline', 'c1', 'c2']);
    const r1 = buildPlan({ ...wide, order: 'random' }).cells.map((c) => c.id);
    const r2 = buildPlan({ ...wide, order: 'random' }).cells.map((c) => c.id);
    assert.deepEqual(r1, r2);
    assert.deepEqual([...r1].sort(), seq.map((c) => c.id).sort());
  });

  test('a cell takes the condition\'s model, the task\'s timeout and the most specific max turns', async () => {
    const s = await applyOverrides(pilot, {});
    const spec: ExperimentSpec = { ...s, conditions: [{ ...s.conditions[0]!, model: 'other-model' }], tasks: [{ ...s.tasks[0]!, timeoutMs: 1234, maxTurns: 3 }] };
    const c = buildPlan(spec).cells[0]!;
    assert.equal(c.model, 'other-model');
    assert.equal(c.timeoutMs, 1234);
    assert.equal(c.maxTurns, 3);
    const d = buildPlan({ ...spec, tasks: [{ ...s.tasks[0]!, timeoutMs: undefined, maxTurns: undefined }] }).cells[0]!;
    assert.equal(d.timeoutMs, pilot.timeoutMs);
    assert.equal(d.maxTurns, pilot.maxTurns);
  });
});

describe('rng', () => {
  test('mulberry32 is pinned and shuffle is a permutation', () => {
    const r = mulberry32(42);
    assert.equal(Math.round(r() * 1e9), 601_103_752);
    const xs = Array.from({ length: 20 }, (_, i) => i);
    const s = shuffle(xs, mulberry32(1));
    assert.deepEqual([...s].sort((a, b) => a - b), xs);
    assert.notDeepEqual(s, xs);
  });

  test('makespan assigns each job to the first free worker', () => {
    assert.equal(makespan([10, 10, 10, 10], 2), 20);
    assert.equal(makespan([30, 10, 10, 10], 2), 30);
    assert.equal(makespan([5, 5], 1), 10);
  });
});
