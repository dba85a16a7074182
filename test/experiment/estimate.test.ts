import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadExperiment } from '../../src/config/experiment-loader.ts';
import { dryRun } from '../../src/experiment/dry-run.ts';
import { DEFAULT_CELL_MS, estimateCell, estimatePlan } from '../../src/experiment/estimate.ts';
import { readManifest } from '../../src/experiment/manifest.ts';
import { renderPlan } from '../../src/experiment/plan-render.ts';
import { buildPlan } from '../../src/experiment/plan.ts';
import { runPaths } from '../../src/experiment/run-dir.ts';
import { tempDir } from './helpers.ts';
import { fakeRunners, PILOT, PILOT_SUITE, pastRecord } from './pilot-fixtures.ts';

const spec = await loadExperiment(PILOT, PILOT_SUITE);
const plan = buildPlan(spec);

describe('estimates', () => {
  const cell = plan.cells.find((c) => c.runner.name === 'claude' && c.condition.name === 'c1' && c.task.id === 'write-file')!;

  test('use the most specific earlier records: same runner+condition+task, then runner+task, then task', () => {
    const exact = [pastRecord({ condition: 'c1', wallMs: 3000 }), pastRecord({ condition: 'c1', wallMs: 5000 }), pastRecord({ wallMs: 99_000 })];
    assert.equal(estimateCell(cell, exact).wallMs, 4000);
    assert.equal(estimateCell(cell, [pastRecord({ wallMs: 7000 })]).wallMs, 7000);
    assert.equal(estimateCell(cell, [pastRecord({ runner: 'opencode', wallMs: 8000 })]).wallMs, 8000);
    assert.equal(estimateCell(cell, [pastRecord({ runner: 'opencode', wallMs: 8000 })]).source, 'history');
  });

  test('fall back to the task\'s expected size, then to a default', () => {
    const e = estimateCell(cell, [], () => 0.25);
    assert.equal(e.source, 'expected');
    assert.equal(e.wallMs, cell.task.expected.seconds! * 1000);
    assert.equal(e.input, cell.task.expected.inputTokens);
    assert.equal(e.costUsd, 0.25, 'priced through the deployment when no cost is given');
    const bare = { ...cell, task: { ...cell.task, expected: {} } };
    assert.deepEqual(estimateCell(bare, []), { wallMs: DEFAULT_CELL_MS, input: 0, output: 0, costUsd: 0, calls: 0, source: 'default' });
    const callsOnly = { ...cell, task: { ...cell.task, expected: { calls: 7 } } };
    assert.deepEqual(estimateCell(callsOnly, []), { wallMs: DEFAULT_CELL_MS, input: 0, output: 0, costUsd: 0, calls: 7, source: 'expected' }, 'expected.calls alone is used');
  });

  test('the plan estimate is the makespan over the concurrency', () => {
    const cells = plan.cells.slice(0, 4).map((c) => ({ ...c, task: { ...c.task, expected: { seconds: 10 } } }));
    assert.equal(estimatePlan(cells, 2, []).wallMs, 20_000);
    assert.equal(estimatePlan(cells, 4, []).wallMs, 10_000);
  });
});

describe('dry run', () => {
  test('writes only plan.json and a planned manifest, estimates from earlier runs, and prints commands without secrets', async () => {
    const out = tempDir();
    const old = path.join(out, 'pilot', 'old-run');
    mkdirSync(old, { recursive: true });
    writeFileSync(runPaths(old).records, JSON.stringify(pastRecord({ task: 'summarise-doc', wallMs: 12_345, costUsd: 0.1 })) + '\n');
    const r = await dryRun({ spec, outRoot: out, env: {}, runners: fakeRunners, runId: 'planned' });
    assert.equal(r.runDir, path.join(out, 'pilot', 'planned'));
    assert.deepEqual(readdirSync(r.runDir!).sort(), ['manifest.json', 'plan.json']);
    assert.equal((await readManifest(r.runDir!)).status, 'planned');
    assert.ok(!existsSync(runPaths(r.runDir!).records));
    const doc = plan.cells.filter((c) => c.task.id === 'summarise-doc').length;
    assert.equal(r.estimate.sources.history, doc);
    assert.equal(r.estimate.sources.expected, plan.cells.length - doc);

    const text = renderPlan(r.plan, r.estimate);
    assert.match(text, /claude 9\.9\.9, opencode 8\.8\.8/);
    assert.match(text, /\/opt\/claude -p .* --output-format stream-json --verbose --dangerously-skip-permissions --max-turns 12/);
    assert.match(text, /\/opt\/opencode run --format json --model agentab\/shared-model/);
    assert.match(text, /ANTHROPIC_AUTH_TOKEN=<secret>/);
    assert.match(text, /setup: {2}node "\$AGENTAB_SPEC_DIR\/\.\.\/tasks\/pilot\/tools\/minify-json\.mjs" docs/);
    assert.match(text, /estimate: [^\n]*\n\s+from earlier records \(8 cells, 1 records\), task expected sizes \(24 cells\)/);
    for (const c of plan.cells) assert.ok(text.includes(c.id), `the order lists ${c.id}`);
  });

  test('a runner whose binary is missing fails at planning time', async () => {
    const bad = { ...spec, runners: [{ ...spec.runners[0]!, bin: '/nonexistent/claude' }] };
    await assert.rejects(dryRun({ spec: bad, outRoot: tempDir(), env: {}, write: false }), /runner "claude" is not runnable: \/nonexistent\/claude is missing or not executable/);
  });
});
