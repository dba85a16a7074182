/**
 * The power claims checked against the verdict rule itself, by seeded simulation: lognormal
 * runs with a known true ratio go through the same bootstrap interval, exact rank test and
 * decideVerdict as a report, and the share of runs that get the claimed verdict is counted.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapPositions } from '../../src/stats/median-bootstrap.ts';
import { detectableRatioFromSe, logMedianRatioSe, powerEstimate, repsForNoChange, repsForRatio, verdictSupportable } from '../../src/stats/power.ts';
import { createRng, type Rng } from '../../src/stats/prng.ts';
import { medianSorted, sortedCopy } from '../../src/stats/quantile.ts';
import { mannWhitneyU } from '../../src/stats/rank-sum.ts';
import { logRatio, logRatiosAt, pairedLogRatios, percentileInterval } from '../../src/stats/ratio.ts';
import { signedRank } from '../../src/stats/signed-rank.ts';
import { decideVerdict, type Verdict } from '../../src/stats/verdict.ts';

const ALPHA = 0.05;
const THETA = 0.05;
const RESAMPLES = 1000;

function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/** One simulated comparison of n vs n runs (or n pairs) with log-sd sigma and a true ratio. */
function simulateVerdict(rng: Rng, n: number, sigma: number, ratio: number, paired: boolean): Verdict {
  const base = new Float64Array(n);
  const cond = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    base[i] = 1000 * Math.exp(sigma * normal(rng));
    cond[i] = 1000 * ratio * Math.exp(sigma * normal(rng));
  }
  const bs = sortedCopy(base);
  const cs = sortedCopy(cond);
  const replicates = paired
    ? pairedLogRatios(base, cond, RESAMPLES, rng)
    : logRatiosAt(bs, bootstrapPositions(n, RESAMPLES, rng), cs, bootstrapPositions(n, RESAMPLES, rng));
  const interval = percentileInterval(replicates, logRatio(medianSorted(cs), medianSorted(bs)), 1 - ALPHA, true);
  const p = paired ? signedRank(cond, base).p : mannWhitneyU(cs, bs).p;
  return decideVerdict({ lo: interval.lo, hi: interval.hi, p, threshold: THETA, alpha: ALPHA, supportable: verdictSupportable(n, n, ALPHA, paired) }).verdict;
}

function share(label: string, sims: number, n: number, sigma: number, ratio: number, paired: boolean, verdict: Verdict): number {
  const rng = createRng(20261127, label);
  let hits = 0;
  for (let s = 0; s < sims; s++) if (simulateVerdict(rng, n, sigma, ratio, paired) === verdict) hits++;
  return hits / sims;
}

const SIMS = 300;

describe('power claims hold for the verdict rule (seeded simulation)', () => {
  for (const paired of [false, true]) {
    test(`the detectable ratio at n is called regressed ≈ 80 % of the time (${paired ? 'paired' : 'independent arms'})`, () => {
      const sigma = 0.15;
      const n = 12;
      const claim = powerEstimate({ nPerArm: n, logVariance: sigma * sigma, alpha: ALPHA, power: 0.8, paired, threshold: THETA }).detectableRatio;
      assert.ok(claim !== null && claim > 1 + THETA);
      const hit = share(`claim-${paired}`, SIMS, n, sigma, claim, paired, 'regressed');
      assert.ok(hit >= 0.7, `a true ×${claim.toFixed(3)} was called regressed in ${(hit * 100).toFixed(0)} % of ${SIMS} simulations (claimed 80 %)`);
    });
  }

  test('the old claim ("CI excludes 1" reps for ±θ) fails the rule: a true +θ is almost never called', () => {
    // What reports used to print: the n at which exp((t + t)·SE) reaches 1 + θ.
    const sigma = 0.1;
    const oldReps = (() => {
      for (let n = 4; ; n++) if (detectableRatioFromSe(logMedianRatioSe(sigma * sigma, n, n), 2 * n - 2, ALPHA, 0.8, 0) <= 1 + THETA) return n;
    })();
    const hit = share('old-claim', SIMS, oldReps, sigma, 1 + THETA, false, 'regressed');
    assert.ok(hit < 0.1, `at the old k = ${oldReps} a true +${THETA * 100} % was called regressed in ${(hit * 100).toFixed(0)} %`);
    assert.equal(repsForRatio(1 + THETA, { logVariance: sigma * sigma, threshold: THETA }), null, 'no k is claimed for a change of exactly θ');
  });

  test('"~k runs per arm would call ×r" holds at k and not well below it', () => {
    const sigma = 0.2;
    const target = 1.25;
    const k = repsForRatio(target, { logVariance: sigma * sigma, alpha: ALPHA, power: 0.8, threshold: THETA });
    assert.ok(k !== null && k >= 4, `k = ${k}`);
    const atK = share('reps-k', SIMS, k, sigma, target, false, 'regressed');
    assert.ok(atK >= 0.7, `at k = ${k}: ${(atK * 100).toFixed(0)} %`);
    const half = Math.max(4, Math.floor(k / 2));
    const atHalf = share('reps-half', SIMS, half, sigma, target, false, 'regressed');
    assert.ok(atHalf < atK, `at ${half}: ${(atHalf * 100).toFixed(0)} % vs ${(atK * 100).toFixed(0)} % at ${k}`);
    assert.equal(repsForRatio(1 + THETA, { logVariance: sigma * sigma, threshold: THETA }), null, 'a change of exactly θ is never called: no k is claimed');
  });

  test('"no meaningful change" at the claimed reps when nothing changed', () => {
    const sigma = 0.05;
    const k = repsForNoChange({ logVariance: sigma * sigma, alpha: ALPHA, power: 0.8, threshold: THETA });
    assert.ok(k !== null, 'reachable');
    const atK = share('nochange-k', SIMS, k, sigma, 1, false, 'no-change');
    assert.ok(atK >= 0.7, `at k = ${k}: ${(atK * 100).toFixed(0)} % no-change`);
  });
});
