/**
 * Coverage of the intervals and size of the rank test on simulated lognormal data (seeded).
 * To keep CPU low the ratio-interval loop uses 1,000 bootstrap resamples per dataset instead of
 * the report's 10,000: coverage of a percentile interval barely depends on B at that size,
 * only its Monte Carlo jitter does.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { medianCiRanks } from '../../src/stats/order-stat-ci.ts';
import { createRng, type Rng } from '../../src/stats/prng.ts';
import { sortedCopy } from '../../src/stats/quantile.ts';
import { mannWhitneyU } from '../../src/stats/rank-sum.ts';
import { independentLogRatios, logMedianRatio, pairedLogRatios, percentileInterval } from '../../src/stats/ratio.ts';
import { lognormal } from '../report/fixtures.ts';

const sample = (rng: Rng, n: number, median: number, sigma: number): Float64Array =>
  sortedCopy(Array.from({ length: n }, () => lognormal(rng, median, sigma)));

describe('coverage (seeded simulations)', () => {
  test('exact median CI covers the true median 93–98% of the time (2,000 datasets, n = 20)', () => {
    const rng = createRng(11, 'median-ci');
    const r = medianCiRanks(20, 0.95);
    assert.ok(r);
    let covered = 0;
    const D = 2000;
    for (let d = 0; d < D; d++) {
      const x = sample(rng, 20, 30_000, 0.4);
      if ((x[r.lo - 1] as number) <= 30_000 && 30_000 <= (x[r.hi - 1] as number)) covered++;
    }
    const rate = covered / D;
    assert.ok(rate >= 0.93 && rate <= 0.98, `coverage ${rate}`);
  });

  for (const n of [8, 20]) {
    test(`ratio CI under no effect covers 1 in 93–99% of 1,000 datasets (n = ${n} per arm)`, () => {
      const rng = createRng(12, `ratio-ci-${n}`);
      let covered = 0;
      const D = 1000;
      for (let d = 0; d < D; d++) {
        const base = sample(rng, n, 12_000, 0.5);
        const cond = sample(rng, n, 12_000, 0.5);
        const reps = independentLogRatios(base, cond, 1000, createRng(d, 'base'), createRng(d, 'cond'));
        const ci = percentileInterval(reps, logMedianRatio(base, cond), 0.95);
        if (ci.lo <= 1 && 1 <= ci.hi) covered++;
      }
      const rate = covered / D;
      assert.ok(rate >= 0.93 && rate <= 0.99, `coverage ${rate}`);
    });
  }

  test('paired ratio CI at 2,000 resamples (the per-task count of large reports) covers 1 in 93–99% of 1,000 datasets (n = 20 pairs)', () => {
    const rng = createRng(14, 'paired-ratio-ci');
    let covered = 0;
    const D = 1000;
    for (let d = 0; d < D; d++) {
      // a shared per-pair factor (the block) and independent noise: correlated arms, no effect
      const block = Array.from({ length: 20 }, () => lognormal(rng, 1, 0.4));
      const base = Float64Array.from(block, (f) => Math.round(f * lognormal(rng, 12_000, 0.3)));
      const cond = Float64Array.from(block, (f) => Math.round(f * lognormal(rng, 12_000, 0.3)));
      const reps = pairedLogRatios(base, cond, 2000, createRng(d, 'pairs'));
      const ci = percentileInterval(reps, logMedianRatio(base, cond), 0.95, true);
      if (ci.lo <= 1 && 1 <= ci.hi) covered++;
    }
    const rate = covered / D;
    assert.ok(rate >= 0.93 && rate <= 0.99, `coverage ${rate}`);
  });

  test('exact Mann–Whitney false-positive rate at α = 0.05 is ≤ 7% (2,000 datasets, n = 10 per arm)', () => {
    const rng = createRng(13, 'mwu-size');
    let rejected = 0;
    const D = 2000;
    for (let d = 0; d < D; d++) {
      const p = mannWhitneyU(sample(rng, 10, 5_000, 0.6), sample(rng, 10, 5_000, 0.6)).p;
      if (p < 0.05) rejected++;
    }
    const rate = rejected / D;
    assert.ok(rate <= 0.07, `false-positive rate ${rate}`);
    assert.ok(rate >= 0.02, `false-positive rate ${rate} is implausibly low for an exact test`);
  });
});
