/**
 * Large reports draw fewer bootstrap resamples per task than per headline (taskResamplesFor):
 * when that happens, the headline still sums `resamples` replicates, each taking every task's
 * replicate at random from that task's, and its interval agrees with the one from full per-task
 * bootstraps within Monte Carlo error; the per-task intervals do too; the report says so.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport } from '../../src/report/analyze.ts';
import { compareRunner, LARGE_REPORT_COMPARISONS, LARGE_REPORT_TASK_RESAMPLES, taskResamplesFor } from '../../src/report/compare.ts';
import { methodNotes } from '../../src/report/explain.ts';
import { groupRecords } from '../../src/report/group.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { resolveOptions } from '../../src/report/options.ts';
import { percentileMonteCarloError } from '../../src/stats/ratio.ts';
import { loaded, synthRecords, type SynthTask } from './fixtures.ts';

const TASKS: SynthTask[] = Array.from({ length: 24 }, (_, t) => ({ task: `task-${String(t).padStart(2, '0')}`, scale: 5_000 + 900 * t }));

describe('fewer resamples per task in large reports', () => {
  test('taskResamplesFor keeps every resample up to 3,000 comparisons, then 2,000 per task, never more than the headlines', () => {
    assert.equal(LARGE_REPORT_COMPARISONS, 3_000);
    assert.equal(taskResamplesFor(2_100, 10_000), 10_000, '1,000,000 runs of 50 tasks (bench/aggregate.ts)');
    assert.equal(taskResamplesFor(3_000, 10_000), 10_000);
    assert.equal(taskResamplesFor(3_001, 10_000), LARGE_REPORT_TASK_RESAMPLES);
    assert.equal(taskResamplesFor(7_000, 10_000), 2_000, '1,000 tasks × 7 metrics (100,000 runs)');
    assert.equal(taskResamplesFor(7_000, 1_000), 1_000, 'never more than the headlines use');
  });

  for (const blocks of [true, false]) {
    test(`${blocks ? 'paired' : 'independent'} arms: headlines from 2,000 replicates per task agree with full per-task bootstraps`, () => {
      const recs = synthRecords({ seed: 8, tasks: TASKS, conditions: { baseline: 1, faster: 0.9 }, reps: 12, blocks });
      const base = resolveOptions({ resamples: 10_000, seed: 5, metrics: ['wall', 'input'] }, ['baseline', 'faster']);
      const grouped = groupRecords(loaded(recs).records, base.metrics, base.runs);
      const run = (taskResamples: number) => compareRunner({ runner: 'claude', groups: grouped.groups, conditions: ['baseline', 'faster'], options: { ...base, taskResamples } });
      const full = run(10_000);
      const fewer = run(2_000);
      assert.equal(fewer.headlines.length, 2);
      for (const [i, h] of fewer.headlines.entries()) {
        const f = full.headlines[i]!;
        assert.equal(h.ratio, f.ratio, 'the point estimate does not depend on resampling');
        assert.equal(h.test.p, f.test.p);
        // interval ends on the log scale, in units of the full interval's half-width
        const half = (Math.log(f.interval.hi) - Math.log(f.interval.lo)) / 2;
        for (const end of ['lo', 'hi'] as const) {
          const off = Math.abs(Math.log(h.interval[end]) - Math.log(f.interval[end])) / half;
          assert.ok(off < 0.15, `${h.metric} ${end}: ${h.interval[end]} vs ${f.interval[end]} (${off.toFixed(3)} half-widths)`);
        }
      }
      for (const [i, c] of fewer.comparisons.entries()) {
        const f = full.comparisons[i]!;
        const half = (Math.log(f.interval.hi) - Math.log(f.interval.lo)) / 2;
        for (const end of ['lo', 'hi'] as const) {
          const off = Math.abs(Math.log(c.interval[end]) - Math.log(f.interval[end])) / half;
          // 6 standard errors of the difference of two Monte Carlo estimates (≈3 % and ≈1.4 % of a half-width)
          assert.ok(off < 6 * Math.hypot(percentileMonteCarloError(2_000, 0.95), percentileMonteCarloError(10_000, 0.95)), `${c.task}/${c.metric} ${end}: ${off.toFixed(3)} half-widths`);
        }
      }
    });
  }

  test('the report names both counts and the per-task Monte Carlo error', () => {
    const recs = synthRecords({ seed: 9, tasks: TASKS.slice(0, 2), conditions: { baseline: 1, faster: 0.9 }, reps: 8 });
    const r = buildReport(loaded(recs), { resamples: 10_000, metrics: ['wall'] });
    assert.equal(r.options.taskResamples, 10_000, 'a small report keeps every resample per task');
    assert.ok(!methodNotes(r).some((n) => n.includes('instead of')));
    const large = { ...r, options: { ...r.options, taskResamples: 2_000 } };
    const note = methodNotes(large).find((n) => n.includes('instead of'));
    assert.match(note ?? '', /each per-task interval is drawn from 2,000 resamples instead of 10,000/);
    assert.match(note ?? '', /about 3\.0 % of the interval's half-width \(1\.4 % at 10,000\)/);
    assert.match(renderMarkdown(large), /10,000 bootstrap resamples per headline, 2,000 per task/);
  });
});
