/** The plan step's power estimate from hand-written earlier records. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadExperiment } from '../../src/config/experiment-loader.ts';
import { dryRun } from '../../src/experiment/dry-run.ts';
import { planPower, renderPlanPower } from '../../src/experiment/dry-run-power.ts';
import { runPaths } from '../../src/experiment/run-dir.ts';
import type { RunRecord } from '../../src/experiment/run-record.ts';
import { formatDetectable } from '../../src/report/format.ts';
import { DEFAULT_METRICS } from '../../src/report/metrics.ts';
import { powerEstimate, repsForNoChange } from '../../src/stats/power.ts';
import { tempDir } from './helpers.ts';
import { fakeRunners, PILOT, pastRecord } from './pilot-fixtures.ts';

/**
 * Two tasks × two conditions, 4 runs per cell whose wall times are m·e^{0, +0.1, −0.1, 0}: the
 * log values of every cell have mean 0 and variance (0.01 + 0.01) / 3, whatever the cell's scale.
 */
const SPREAD = 0.02 / 3;
function history(): RunRecord[] {
  const out: RunRecord[] = [];
  for (const [task, scale] of [['write-file', 2000], ['fix-test', 9000]] as const) {
    for (const condition of ['baseline', 'c1']) {
      [0, 0.1, -0.1, 0].forEach((d, rep) => out.push(pastRecord({ task, condition, rep, cell: `${task}-${condition}-${rep}`, wallMs: scale * Math.exp(d) })));
    }
  }
  return out;
}

describe('plan power', () => {
  test('detectable change across tasks and per task, from the pooled spread of earlier runs', () => {
    const p = planPower({ reps: 8, tasks: ['write-file', 'fix-test'], runners: ['claude'], paired: true, history: history(), metrics: ['wall', 'calls'] });
    assert.equal(p.records, 16);
    const wall = p.metrics.find((m) => m.metric === 'wall');
    assert.ok(wall && wall.logVariance !== null);
    assert.ok(Math.abs(wall.logVariance - SPREAD) < 1e-12, `${wall.logVariance}`);
    assert.equal(wall.supportable, true);
    const v = wall.logVariance;
    assert.equal(wall.detectableRatio, powerEstimate({ nPerArm: 8, logVariance: v, tasks: 2, paired: true, multiplicity: 7 }).detectableRatio);
    assert.equal(wall.detectableRatioPerTask, powerEstimate({ nPerArm: 8, logVariance: v, paired: true }).detectableRatio);
    assert.ok((wall.detectableRatioPerTask as number) > (wall.detectableRatio as number), 'one task detects less than four');
    assert.equal(wall.repsForNoChange, repsForNoChange({ logVariance: v, tasks: 2, paired: true, multiplicity: 7 }));
    const calls = p.metrics.find((m) => m.metric === 'calls');
    assert.equal(calls?.logVariance, 0, 'calls never vary in these records');
    assert.equal(calls?.detectableRatio, 1.05);

    const text = renderPlanPower(p);
    const pct = formatDetectable(wall.detectableRatio, 0.05).replace('.', '\\.');
    assert.match(text, new RegExp(`^ {2}with 8 reps per arm, the verdict rule calls a true change of ${pct} in wall time with 80% power across 2 tasks, ±[\\d.]+% for one task \\(from 16 earlier records\\); ~${wall.repsForNoChange} reps per arm would show "no meaningful change" \\(±5%\\) if nothing changed$`, 'm'));
    assert.match(text, /^ {2}with 8 reps per arm, any change in calls beyond ±5% gets a verdict \(earlier runs did not vary; from 16 earlier records\)$/m);
    assert.deepEqual(p.warnings, [], '8 pairs over 2 tasks can reach a verdict under Holm over 7 headlines');
  });

  test('too few planned reps: no verdict possible, and how many would do', () => {
    const p = planPower({ reps: 2, tasks: ['write-file', 'fix-test'], runners: ['claude'], paired: false, history: history(), metrics: ['wall'] });
    assert.equal(p.metrics[0]?.supportable, false);
    assert.equal(p.metrics[0]?.detectableRatio, null);
    assert.match(renderPlanPower(p), /^ {2}with 2 reps per arm, no verdict on wall time is possible \(each task needs ≥ \d+ runs per arm, a headline verdict ≥ \d+ reps; from 16 earlier records\); ~\d+ reps per arm would show "no meaningful change" \(±5%\) if nothing changed$/m);
  });

  test('the plan warns before the run when the reps can give no verdict, with or without history', () => {
    const few = planPower({ reps: 3, tasks: ['a', 'b'], runners: ['claude', 'opencode'], conditions: 2, paired: true, history: [] });
    assert.equal(few.warnings.length, 1);
    assert.match(renderPlanPower(few), /WARNING: with 3 reps no verdict of any kind is possible: each task needs ≥ 6 pairs \(the exact test's smallest p with 3 is 0\.25/);
    // 6 pairs reach α per task, but not Holm over 2 runners × the default metrics on one task: 0.031 × 18 ≥ 0.05.
    const holm = planPower({ reps: 6, tasks: ['a'], runners: ['claude', 'opencode'], conditions: 2, paired: true, history: [] });
    const headlines = 2 * DEFAULT_METRICS.length;
    assert.equal(holm.headlines, headlines);
    assert.match(holm.warnings[0] ?? '', new RegExp(`no headline verdict is reachable: .* times ${headlines} headlines \\(Holm\\)`));
    assert.equal(holm.minRepsForHeadline, 10);
    // Independent arms (order: random) reach it with 6 runs per arm: 2/924 × 18 < 0.05.
    const random = planPower({ reps: 6, tasks: ['a'], runners: ['claude', 'opencode'], conditions: 2, paired: false, history: [] });
    assert.deepEqual(random.warnings, []);
    assert.equal(random.minRepsForHeadline, 6);
  });

  test('without earlier records it says so instead of guessing', () => {
    const p = planPower({ reps: 5, tasks: ['a'], runners: ['claude'], paired: true, history: [] });
    assert.equal(p.records, 0);
    assert.match(renderPlanPower(p), /no earlier records of this experiment/);
  });

  test('the dry run reads earlier run directories and reports power for the planned reps', async () => {
    const out = tempDir();
    const old = path.join(out, 'pilot', 'old-run');
    mkdirSync(old, { recursive: true });
    writeFileSync(runPaths(old).records, history().map((r) => JSON.stringify(r)).join('\n') + '\n');
    const spec = await loadExperiment(PILOT, { reps: 6 });
    const r = await dryRun({ spec, outRoot: out, env: {}, runners: fakeRunners, write: false });
    assert.equal(r.power.reps, 6);
    assert.equal(r.power.paired, spec.order !== 'random');
    assert.equal(r.power.records, 16);
    assert.equal(r.power.tasks, spec.tasks.length);
    assert.match(renderPlanPower(r.power), /with 6 reps per arm, (the verdict rule calls a true change of ±[\d.]+% in wall time|no verdict on wall time is possible)/);
  });
});
