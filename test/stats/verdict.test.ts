import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { band, decideVerdict } from '../../src/stats/verdict.ts';
import { benjaminiHochberg, holm } from '../../src/stats/p-adjust.ts';
import { createRng } from '../../src/stats/prng.ts';
import { quantileSorted, quantilesUnsorted, sortedCopy } from '../../src/stats/quantile.ts';
import { mannWhitneyU } from '../../src/stats/rank-sum.ts';

const base = { threshold: 0.05, alpha: 0.05, supportable: true, p: 0.001 };

describe('verdicts', () => {
  test('improved / regressed / no change / inconclusive against ±θ on the log scale', () => {
    assert.equal(decideVerdict({ ...base, lo: 0.8, hi: 0.9 }).verdict, 'improved');
    assert.equal(decideVerdict({ ...base, lo: 1.1, hi: 1.3 }).verdict, 'regressed');
    assert.equal(decideVerdict({ ...base, lo: 0.97, hi: 1.03 }).verdict, 'no-change');
    assert.equal(decideVerdict({ ...base, lo: 0.9, hi: 1.02 }).verdict, 'inconclusive');
    const [lo, hi] = band(0.05);
    assert.ok(Math.abs(lo * hi - 1) < 1e-15, 'band is symmetric in log');
  });

  test('an interval beyond θ is not a verdict without a significant adjusted p', () => {
    assert.deepEqual(decideVerdict({ ...base, p: 0.2, lo: 0.7, hi: 0.8 }), { verdict: 'inconclusive', reason: 'not-significant' });
  });

  test('"significant" is unreachable when the design cannot reach α', () => {
    const r = decideVerdict({ ...base, supportable: false, lo: 0.5, hi: 0.6 });
    assert.deepEqual(r, { verdict: 'inconclusive', reason: 'too-few-runs' });
    assert.equal(decideVerdict({ ...base, supportable: false, lo: 0.99, hi: 1.01 }).verdict, 'inconclusive');
  });

  test('swapping arms swaps improved and regressed', () => {
    const a = decideVerdict({ ...base, lo: 0.8, hi: 0.94 });
    const b = decideVerdict({ ...base, lo: 1 / 0.94, hi: 1 / 0.8 });
    assert.equal(a.verdict, 'improved');
    assert.equal(b.verdict, 'regressed');
  });

  test('adjustments keep order and never lower a p-value', () => {
    const p = [0.01, 0.04, 0.03, 0.5];
    for (const adj of [holm(p), benjaminiHochberg(p)]) adj.forEach((q, i) => assert.ok(q >= (p[i] as number)));
    assert.deepEqual(holm([]), []);
  });
});

describe('seeded PRNG and quantiles', () => {
  test('same seed and label, same stream; different label, different stream', () => {
    const a = createRng(5, 'x');
    const b = createRng(5, 'x');
    const c = createRng(5, 'y');
    const sa = Array.from({ length: 5 }, () => a.next());
    assert.deepEqual(sa, Array.from({ length: 5 }, () => b.next()));
    assert.notDeepEqual(sa, Array.from({ length: 5 }, () => c.next()));
    for (const v of sa) assert.ok(v >= 0 && v < 1);
  });

  test('uniform ints cover their range evenly', () => {
    const r = createRng(1, 'ints');
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[r.int(6)]!++;
    for (const c of counts) assert.ok(Math.abs(c - 10_000) < 500, `count ${c}`);
  });

  test('fillInts draws what as many int calls draw, and leaves the stream where they would', () => {
    for (const bound of [1, 2, 45, 1_000, 2 ** 21]) {
      const bulk = createRng(8, `fill-${bound}`);
      const single = createRng(8, `fill-${bound}`);
      for (const length of [0, 1, 45, 300]) {
        const out = new Int32Array(length);
        bulk.fillInts(bound, out);
        assert.deepEqual([...out], Array.from({ length }, () => single.int(bound)), `bound ${bound}, ${length} draws`);
        assert.equal(bulk.next(), single.next(), 'the same state afterwards');
      }
    }
  });

  test('quantiles of replicates with infinite ends do not become NaN', () => {
    assert.equal(quantileSorted([-Infinity, 0, 1], 0.2), -Infinity);
    assert.equal(quantileSorted([0, 1, Infinity], 0.9), Infinity);
  });

  test('quickselect quantiles equal sorted quantiles, with ties and infinities', () => {
    const r = createRng(3, 'qs');
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + r.int(400);
      const x = Float64Array.from({ length: n }, () => (r.next() < 0.05 ? -Infinity : Math.floor(r.next() * 20)));
      const ps = [0.025, 0.5, 0.975];
      const sorted = sortedCopy(x);
      assert.deepEqual(quantilesUnsorted(x, ps), ps.map((p) => quantileSorted(sorted, p)));
    }
  });

  test('rank sum by merging sorted samples equals the general mid-rank path', () => {
    const r = createRng(4, 'ranks');
    for (let trial = 0; trial < 50; trial++) {
      const x = Array.from({ length: 1 + r.int(30) }, () => r.int(12));
      const y = Array.from({ length: 1 + r.int(30) }, () => r.int(12));
      const general = mannWhitneyU(x, y); // unsorted input: mid-ranks through a sort
      const merged = mannWhitneyU(sortedCopy(x), sortedCopy(y));
      assert.equal(merged.statistic, general.statistic);
      assert.equal(merged.p, general.p);
      assert.equal(merged.nullVariance, general.nullVariance);
    }
  });
});
