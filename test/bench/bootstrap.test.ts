/** The bench's bootstrap intervals of percentiles and percentile differences. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addedRatioCi, quantileCi, quantileDeltaCi } from '../../bench/lib/bootstrap.ts';

test('the interval of a shift between two samples covers the shift, and an empty arm gives none', () => {
  const base = Array.from({ length: 400 }, (_, i) => 1 + (i % 40) / 10);
  const shifted = base.map((x) => x + 2);
  const d = quantileDeltaCi(shifted, base, 0.5, { resamples: 500 });
  assert.ok(d);
  assert.equal(d.point, 2);
  assert.ok(d.lo <= 2 && d.hi >= 2 && d.hi - d.lo < 1, JSON.stringify(d));
  assert.equal(quantileDeltaCi([], base, 0.5), null);
});

test('a percentile interval is reproducible from its seed and narrows with more data', () => {
  const xs = (n: number) => Array.from({ length: n }, (_, i) => Math.sin(i) * 3 + 10);
  const small = quantileCi(xs(50), 0.99, { resamples: 500 });
  const again = quantileCi(xs(50), 0.99, { resamples: 500 });
  assert.deepEqual(small, again);
  const large = quantileCi(xs(5000), 0.5, { resamples: 500 });
  const few = quantileCi(xs(50), 0.5, { resamples: 500 });
  assert.ok(large && few && large.hi - large.lo < few.hi - few.lo);
});

test('the ratio of two added latencies has an interval around the true ratio, and the margin to the bound says met, missed or within noise', () => {
  // direct ≈ 10 ms; the reference hop adds 1 ms, a gateway within the bound adds 1.1 ms, one beyond it 2 ms.
  const direct = Array.from({ length: 2000 }, (_, i) => 10 + (i % 100) / 100);
  const reference = direct.map((x) => x + 1);
  const within = direct.map((x) => x + 1.1);
  const beyond = direct.map((x) => x + 2);
  const ok = addedRatioCi(within, reference, direct, 0.5, 1.25, { resamples: 400 });
  assert.ok(ok?.ratio, JSON.stringify(ok));
  assert.ok(Math.abs(ok.ratio.point - 1.1) < 1e-9 && ok.ratio.lo <= 1.1 && ok.ratio.hi >= 1.1, JSON.stringify(ok));
  assert.ok(ok.margin.lo > 0, `1.25 × 1 − 1.1 > 0 beyond noise: ${JSON.stringify(ok.margin)}`);
  const bad = addedRatioCi(beyond, reference, direct, 0.5, 1.25, { resamples: 400 });
  assert.ok(bad && bad.margin.hi < 0 && bad.ratio && bad.ratio.lo > 1.25, JSON.stringify(bad));
  // A reference hop no slower than direct: no ratio, but the margin is still defined (and negative here).
  const none = addedRatioCi(beyond, direct, direct, 0.5, 1.25, { resamples: 400 });
  assert.ok(none && none.ratio === null && none.margin.point === -2, JSON.stringify(none));
  assert.equal(addedRatioCi([], reference, direct, 0.5, 1.25), null);
});
