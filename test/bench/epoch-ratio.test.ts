/**
 * bench/lib/epoch-ratio.ts: the across-epochs interval is Student's t over the epochs' log ratios.
 * Reference values computed by hand from qt(0.975, df) (R: qt(0.975, 3) = 3.182446305284263,
 * qt(0.975, 7) = 2.364624251592785).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { epochRatio } from '../../bench/lib/epoch-ratio.ts';

const close = (actual: number, expected: number, tol = 1e-9): void => assert.ok(Math.abs(actual - expected) <= tol, `${actual} ≠ ${expected}`);

test('epochRatio: mean of the log ratios with a t interval (df = epochs − 1), back on the ratio scale', () => {
  const logs = [0.01, 0.03, -0.02, 0.04];
  // mean 0.015; sample sd = sqrt(((−0.005)² + 0.015² + (−0.035)² + 0.025²)/3) = sqrt(0.0021/3)
  const half = 3.182446305284263 * Math.sqrt(0.0021 / 3 / 4);
  const r = epochRatio(logs)!;
  assert.equal(r.epochs, 4);
  close(r.ratio, Math.exp(0.015));
  close(r.lo, Math.exp(0.015 - half));
  close(r.hi, Math.exp(0.015 + half));
});

test('epochRatio: the per-epoch CPU ratios of the 05:40 run give an interval wider than the rounds\' bootstrap', () => {
  const ratios = [1.044, 0.968, 1.052, 1.083, 1.067, 1.022, 0.998, 1.039];
  const logs = ratios.map(Math.log);
  const m = logs.reduce((a, b) => a + b, 0) / logs.length;
  const sd = Math.sqrt(logs.reduce((a, b) => a + (b - m) ** 2, 0) / (logs.length - 1));
  const r = epochRatio(logs)!;
  close(Math.log(r.hi) - Math.log(r.ratio), 2.364624251592785 * sd / Math.sqrt(8), 1e-9);
  // the rounds' bootstrap of that run said [1.011, 1.052]; counting process pairs widens it
  assert.ok(r.hi - r.lo > 1.052 - 1.011);
});

test('epochRatio: null below 3 epochs or with a non-finite ratio; an A/A of identical epochs is exactly 1', () => {
  assert.equal(epochRatio([0.01, 0.02]), null);
  assert.equal(epochRatio([0.01, Number.NaN, 0.02]), null);
  const same = epochRatio([0, 0, 0])!;
  assert.deepEqual([same.ratio, same.lo, same.hi], [1, 1, 1]);
});
