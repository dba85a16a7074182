/**
 * The pair bootstrap of the ratio of medians (stats/ratio.ts): the weighted-median walk gives
 * what resampling the pairs and taking plain medians gives, bit for bit, and several metrics
 * of the same pairs share one resample per replicate while each stays an ordinary pair
 * bootstrap of its own.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StatsError } from '../../src/stats/errors.ts';
import { createRng, type Rng } from '../../src/stats/prng.ts';
import { medianSorted, sortedCopy } from '../../src/stats/quantile.ts';
import { logRatio, pairedLogRatios, pairedLogRatiosOfMetrics } from '../../src/stats/ratio.ts';

/** The textbook pair bootstrap: draw n pair indices, materialise both resamples, take their medians. */
function resampledDirectly(base: Float64Array, cond: Float64Array, resamples: number, rng: Rng): Float64Array {
  const n = base.length;
  const out = new Float64Array(resamples);
  const b = new Float64Array(n);
  const c = new Float64Array(n);
  for (let r = 0; r < resamples; r++) {
    for (let j = 0; j < n; j++) {
      const i = rng.int(n);
      b[j] = base[i] as number;
      c[j] = cond[i] as number;
    }
    out[r] = logRatio(medianSorted(sortedCopy(c)), medianSorted(sortedCopy(b)));
  }
  return out;
}

/** Lognormal-ish whole numbers with ties, some zeros when asked. */
function sample(rng: Rng, n: number, zeros: number): Float64Array {
  return Float64Array.from({ length: n }, () => (rng.next() < zeros ? 0 : Math.round(20 * Math.exp(rng.next()))));
}

const sameBits = (a: Float64Array, b: Float64Array, what: string): void => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}: replicate ${i}: ${a[i]} vs ${b[i]}`);
};

describe('pair bootstrap of the median ratio', () => {
  test('the weighted-median walk equals materialised resamples, bit for bit (odd and even n, ties, zeros)', () => {
    const values = createRng(5, 'paired-values');
    for (const n of [1, 2, 3, 4, 7, 10, 45, 50, 121]) {
      for (const zeros of [0, 0.3]) {
        const base = sample(values, n, zeros);
        const cond = sample(values, n, zeros / 2);
        const label = `paired-${n}-${zeros}`;
        sameBits(pairedLogRatios(base, cond, 2000, createRng(9, label)), resampledDirectly(base, cond, 2000, createRng(9, label)), `n=${n} zeros=${zeros}`);
      }
      // an arm whose values are all the same (e.g. calls), against a varying one and against itself
      const constant = new Float64Array(n).fill(8);
      const varying = sample(values, n, 0);
      for (const [base, cond, what] of [[constant, varying, 'constant base'], [varying, constant, 'constant cond'], [constant, constant, 'both constant']] as const) {
        sameBits(pairedLogRatios(base, cond, 500, createRng(9, what)), resampledDirectly(base, cond, 500, createRng(9, what)), `n=${n} ${what}`);
      }
    }
  });

  test('metrics of the same pairs share each resample, and each metric is its own ordinary pair bootstrap', () => {
    const values = createRng(6, 'paired-metrics');
    const n = 40;
    const metrics = [0, 0, 0.4].map((zeros) => ({ base: sample(values, n, zeros), cond: sample(values, n, 0) }));
    const shared = pairedLogRatiosOfMetrics([...metrics, metrics[0]!], 3000, createRng(2, 'task'));
    // one stream for all: metric k's replicates are what resampling metric k alone from that stream gives
    metrics.forEach((m, k) => sameBits(shared[k]!, pairedLogRatios(m.base, m.cond, 3000, createRng(2, 'task')), `metric ${k}`));
    sameBits(shared[3]!, shared[0]!, 'the same metric twice: the same resamples');
    // swapping the arms negates every replicate exactly (0 stays 0 either way)
    const swapped = pairedLogRatiosOfMetrics(metrics.map((m) => ({ base: m.cond, cond: m.base })), 3000, createRng(2, 'task'));
    metrics.forEach((_, k) => assert.ok(swapped[k]!.every((x, b) => x === -shared[k]![b]!), `metric ${k} swapped`));
  });

  test('metrics that rank the pairs alike (one walk per replicate) still get each its own values, bit for bit', () => {
    const values = createRng(7, 'paired-ranked-alike');
    for (const n of [9, 40]) {
      const base = sample(values, n, 0);
      const cond = sample(values, n, 0);
      // cost at one price and a rescaled copy rank the pairs as the tokens do; a rounded copy ties more, so ranks them differently
      const metrics = [
        { base, cond },
        { base: base.map((x) => x * 3e-6), cond: cond.map((x) => x * 3e-6) },
        { base: base.map((x) => 7 * x + 1), cond: cond.map((x) => 7 * x + 1) },
        { base: base.map((x) => Math.round(x / 10)), cond: cond.map((x) => Math.round(x / 10)) },
        { base: cond, cond: base },
      ];
      const shared = pairedLogRatiosOfMetrics(metrics, 2000, createRng(3, 'task'));
      metrics.forEach((m, k) => sameBits(shared[k]!, resampledDirectly(m.base, m.cond, 2000, createRng(3, 'task')), `n=${n} metric ${k}`));
    }
  });

  test('arms of different lengths are refused', () => {
    const a = Float64Array.of(1, 2, 3);
    assert.throws(() => pairedLogRatiosOfMetrics([{ base: a, cond: a }, { base: a, cond: a.subarray(1) }], 10, createRng(1)), StatsError);
  });
});
