/** Reference values from R and published tables. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { welchTTest } from '../../src/stats/welch.ts';
import { mannWhitneyU, minRankSumP } from '../../src/stats/rank-sum.ts';
import { signedRank } from '../../src/stats/signed-rank.ts';
import { benjaminiHochberg, holm } from '../../src/stats/p-adjust.ts';
import { medianCiRanks, minNForMedianCi } from '../../src/stats/order-stat-ci.ts';
import { quantileSorted } from '../../src/stats/quantile.ts';
import { normalCdf, normalQuantile, tCdf, tQuantile } from '../../src/stats/special.ts';
import { wilsonInterval } from '../../src/stats/wilson.ts';
import { stratifiedRankTest } from '../../src/stats/stratified-rank.ts';

const close = (actual: number, expected: number, tol: number, what = ''): void =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} is not within ${tol} of ${expected}`);

describe('reference values', () => {
  test("Welch t on R's sleep data: t = -1.8608, df = 17.776, p = 0.07939", () => {
    const g1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
    const g2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
    const w = welchTTest(g1, g2);
    assert.ok(w);
    close(w.t, -1.8608, 5e-5, 't');
    close(w.df, 17.776, 5e-4, 'df');
    close(w.p, 0.07939, 5e-6, 'p');
    // R: 95 percent confidence interval -3.3654832  0.2054832
    close(w.lo, -3.3654832, 1e-6, 'lo');
    close(w.hi, 0.2054832, 1e-6, 'hi');
  });

  test('wilcox.test help example: W = 35, two-sided exact p = 0.2544', () => {
    const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
    const y = [1.15, 0.88, 0.9, 0.74, 1.21];
    const r = mannWhitneyU(x, y);
    assert.equal(r.statistic, 35);
    assert.equal(r.method, 'exact');
    close(r.p, 0.2544, 5e-5, 'p');
    // Swapping the samples gives W = 15 and the same two-sided p.
    const s = mannWhitneyU(y, x);
    assert.equal(s.statistic, 15);
    close(s.p, r.p, 1e-12);
  });

  test('Mann–Whitney with ties, small n: the exact conditional (permutation) p, checked by enumerating every split', () => {
    const x = [1, 2, 2, 3];
    const y = [2, 3, 4, 4];
    const r = mannWhitneyU(x, y);
    assert.equal(r.method, 'exact-conditional');
    assert.equal(r.tieCorrected, true);
    assert.equal(r.statistic, 2.5);
    close(r.nullVariance, 11.142857142857142, 1e-12, 'variance');
    // Brute force: all C(8, 4) = 70 ways to label 4 of the 8 values as x; U with ½ for ties.
    const all = [...x, ...y];
    const u = (xs: number[], ys: number[]): number => xs.reduce((s, a) => s + ys.reduce((t, b) => t + (a > b ? 1 : a === b ? 0.5 : 0), 0), 0);
    const obs = Math.abs(u(x, y) - 8);
    let tail = 0;
    let total = 0;
    for (let mask = 0; mask < 256; mask++) {
      if ([...Array(8).keys()].filter((i) => mask & (1 << i)).length !== 4) continue;
      const xs = all.filter((_, i) => mask & (1 << i));
      const ys = all.filter((_, i) => !(mask & (1 << i)));
      total++;
      if (Math.abs(u(xs, ys) - 8) >= obs - 1e-9) tail++;
    }
    assert.equal(total, 70);
    close(r.p, tail / total, 1e-12, 'p');
    // Fully separated arms of 6 with ties inside each arm: exactly 2/924, not the approximation's 0.0047.
    close(mannWhitneyU([1, 1, 2, 3, 3, 4], [10, 10, 11, 12, 12, 13]).p, 2 / 924, 1e-12, 'separated');
  });

  test('Mann–Whitney with ties beyond the exact limit: the tie-corrected normal approximation (wilcox.test)', () => {
    const x = Array.from({ length: 31 }, (_, i) => Math.floor(i / 2));
    const y = Array.from({ length: 31 }, (_, i) => Math.floor(i / 2) + 3);
    const r = mannWhitneyU(x, y);
    assert.equal(r.method, 'normal-approx');
    assert.equal(r.tieCorrected, true);
    close(r.p, 2 * normalCdf(-(Math.abs(r.statistic - r.nullMean) - 0.5) / Math.sqrt(r.nullVariance)), 1e-12, 'p');
  });

  test('Wilcoxon signed-rank, wilcox.test paired help example: V = 40 (one-sided p = 0.01953, two-sided 0.03906)', () => {
    const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
    const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
    const r = signedRank(x, y);
    assert.equal(r.statistic, 40);
    assert.equal(r.method, 'exact');
    close(r.p, 0.03906, 5e-6, 'p');
  });

  test('type-7 quantile of 1..10 at 0.95 is 9.55', () => {
    close(quantileSorted([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95), 9.55, 1e-12);
    assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
    assert.equal(quantileSorted([5], 0.3), 5);
  });

  test('Holm and Benjamini–Hochberg match R p.adjust', () => {
    const p = [0.1496, 0.0275, 0.3053, 0.1599, 0.2061];
    holm(p).forEach((v, i) => close(v, [0.5984, 0.1375, 0.5984, 0.5984, 0.5984][i] as number, 1e-12, `holm[${i}]`));
    benjaminiHochberg(p).forEach((v, i) => close(v, [0.2576, 0.1375, 0.3053, 0.2576, 0.2576][i] as number, 5e-5, `bh[${i}]`));
  });

  test('order-statistic median CI: n = 10 → ranks (2, 9), n ≤ 5 → none', () => {
    const r = medianCiRanks(10, 0.95);
    assert.deepEqual(r && [r.lo, r.hi], [2, 9]);
    close(r?.coverage ?? 0, 0.978515625, 1e-12);
    assert.equal(medianCiRanks(5, 0.95), null);
    assert.equal(minNForMedianCi(0.95), 6);
    const r20 = medianCiRanks(20, 0.95);
    assert.deepEqual(r20 && [r20.lo, r20.hi], [6, 15]);
  });

  test('normal and t quantiles', () => {
    close(normalQuantile(0.975), 1.959963984540054, 1e-13);
    close(normalQuantile(0.001), -3.090232306167813, 1e-12);
    close(normalCdf(1.96), 0.9750021048517795, 1e-14);
    close(tQuantile(0.975, 10), 2.228138851986274, 1e-9);
    close(tCdf(2.228138851986274, 10), 0.975, 1e-12);
  });

  test('Wilson interval (R prop.test(9, 10, correct = FALSE): 0.5958, 0.9821)', () => {
    const w = wilsonInterval(9, 10);
    close(w?.lo ?? 0, 0.5958, 5e-5);
    close(w?.hi ?? 0, 0.9821, 5e-5);
    assert.deepEqual(wilsonInterval(0, 3)?.lo, 0);
    assert.equal(wilsonInterval(0, 0), null);
  });

  test('with 3 runs per arm the smallest exact two-sided p is 0.1', () => {
    close(minRankSumP(3, 3), 0.1, 1e-15);
    const separated = mannWhitneyU([10, 11, 12], [1, 2, 3]);
    close(separated.p, 0.1, 1e-15);
  });

  test('stratified rank test of one stratum equals the stratum test; of several, the exact convolution', () => {
    const t = mannWhitneyU([10, 11, 12, 13], [1, 2, 3, 4]);
    close(stratifiedRankTest([t]).p, t.p, 1e-15);
    // Two perfectly separated 3-vs-3 strata: P(U1 + U2 = 18) = (1/20)², two-sided 2/400.
    const s = stratifiedRankTest([mannWhitneyU([7, 8, 9], [1, 2, 3]), mannWhitneyU([70, 80, 90], [10, 20, 30])]);
    assert.equal(s.method, 'exact');
    close(s.p, 2 / 400, 1e-15);
  });
});
