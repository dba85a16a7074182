import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { logVariance, minAchievableP, minRunsPerArm, pooledLogVariance, powerEstimate, repsForRatio, verdictSupportable } from '../../src/stats/power.ts';
import { normalQuantile } from '../../src/stats/special.ts';
import { StatsError } from '../../src/stats/errors.ts';

describe('power and minimum detectable ratio', () => {
  test('3 runs per arm cannot support significance: no detectable ratio', () => {
    const e = powerEstimate({ nPerArm: 3, logVariance: 0.01 });
    assert.equal(e.supportable, false);
    assert.equal(e.detectableRatio, null);
    assert.ok(Math.abs(e.minAchievableP - 0.1) < 1e-12);
  });

  test('several tasks make a stratified test reachable at 3 runs per arm, but no verdict: each task needs its minimum', () => {
    assert.ok(minAchievableP(3, 3, 3) < 0.05);
    const e = powerEstimate({ nPerArm: 3, logVariance: 0.04, tasks: 3 });
    assert.equal(e.supportable, false);
    assert.equal(e.detectableRatio, null);
    assert.equal(e.minRunsPerArm, 4);
    const four = powerEstimate({ nPerArm: 4, logVariance: 0.04, tasks: 3 });
    assert.equal(four.supportable, true);
    assert.ok(four.detectableRatio !== null && four.detectableRatio > 1);
  });

  test('the per-arm minimum is where one task\'s exact test first reaches α', () => {
    assert.equal(minRunsPerArm(0.05), 4); // 3 per arm: smallest p = 0.1; 4: 2/70
    assert.equal(minRunsPerArm(0.05, true), 6); // 5 pairs: 2/32; 6 pairs: 2/64
    assert.equal(minRunsPerArm(0.01), 5);
    assert.equal(verdictSupportable(4, 4), true);
    assert.equal(verdictSupportable(3, 3), false);
    assert.equal(verdictSupportable(3, 20), false, 'a large arm does not make up for a tiny one');
    assert.equal(verdictSupportable(5, 5, 0.05, true), false);
    assert.equal(verdictSupportable(6, 6, 0.05, true), true);
    assert.equal(repsForRatio(1.5, { logVariance: 0.0001, tasks: 10 }), 4, 'never fewer reps than a verdict needs');
    assert.equal(repsForRatio(1.5, { logVariance: 0.0001, tasks: 10, paired: true }), 6);
  });

  test('large n approaches the normal-theory formula (1+θ)·exp((z₀.₉₇₅ + z₀.₈)·σ·√(π/n)) of the band rule', () => {
    const sigma2 = 0.09;
    const n = 5000;
    const e = powerEstimate({ nPerArm: n, logVariance: sigma2 });
    const z = normalQuantile(0.975) + normalQuantile(0.8);
    const expected = 1.05 * Math.exp(z * Math.sqrt((Math.PI / 2) * sigma2 * (2 / n)));
    assert.ok(Math.abs((e.detectableRatio ?? 0) - expected) < 1e-4, `${e.detectableRatio} vs ${expected}`);
  });

  test('detectable ratio shrinks with n and grows with variance', () => {
    const at = (n: number, v: number): number => powerEstimate({ nPerArm: n, logVariance: v }).detectableRatio as number;
    assert.ok(at(10, 0.05) > at(20, 0.05));
    assert.ok(at(20, 0.05) > at(40, 0.05));
    assert.ok(at(20, 0.1) > at(20, 0.05));
  });

  test('repsForRatio is the smallest n whose detectable ratio reaches the target', () => {
    const o = { logVariance: 0.04 };
    const n = repsForRatio(1.1, o);
    assert.ok(n !== null);
    assert.ok((powerEstimate({ ...o, nPerArm: n }).detectableRatio as number) <= 1.1);
    assert.ok((powerEstimate({ ...o, nPerArm: n - 1 }).detectableRatio ?? Infinity) > 1.1);
    assert.equal(repsForRatio(1.1, { logVariance: 0 }), 4, 'zero spread still needs the runs a rank test needs');
  });

  test('log variance of samples, pooled within arms', () => {
    assert.ok(Math.abs((logVariance([1, Math.E, Math.E ** 2]) as number) - 1) < 1e-12);
    assert.equal(logVariance([0, 1, 2]), null);
    assert.equal(logVariance([3]), null);
    // Arms at different scales: pooling is within arms, so the scale does not matter.
    const v = pooledLogVariance([[1, Math.E], [100, 100 * Math.E]]) as number;
    assert.ok(Math.abs(v - 0.5) < 1e-12);
  });

  test('bad arguments are rejected with the value received', () => {
    assert.throws(() => powerEstimate({ nPerArm: 0, logVariance: 0.1 }), (e: unknown) => e instanceof StatsError && /got 0/.test(e.message));
    assert.throws(() => powerEstimate({ nPerArm: 5, logVariance: -1 }), StatsError);
  });
});
