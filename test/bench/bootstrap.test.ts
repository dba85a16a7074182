/** The bench's bootstrap intervals of percentiles and percentile differences. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quantileCi, quantileDeltaCi } from '../../bench/lib/bootstrap.ts';

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
