/** The order-statistic bootstrap of the median equals the ordinary bootstrap. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MedianPositions } from '../../src/stats/median-bootstrap.ts';
import { createRng } from '../../src/stats/prng.ts';
import { sortedCopy } from '../../src/stats/quantile.ts';

/** P(bootstrap median = value) by enumerating all nⁿ resamples of x (distinct, ascending). */
function enumerate(x: number[]): Map<number, number> {
  const n = x.length;
  const total = n ** n;
  const out = new Map<number, number>();
  const idx = new Array<number>(n);
  for (let t = 0; t < total; t++) {
    let r = t;
    for (let i = 0; i < n; i++) {
      idx[i] = r % n;
      r = Math.floor(r / n);
    }
    const v = idx.map((i) => x[i] as number).sort((a, b) => a - b);
    const med = n % 2 ? (v[(n - 1) / 2] as number) : ((v[n / 2 - 1] as number) + (v[n / 2] as number)) / 2;
    out.set(med, (out.get(med) ?? 0) + 1 / total);
  }
  return out;
}

/** The same distribution read off the sampler's tables. */
function fromTables(x: number[]): Map<number, number> {
  const n = x.length;
  const p = new MedianPositions(n);
  const out = new Map<number, number>();
  const add = (v: number, q: number): void => void out.set(v, (out.get(v) ?? 0) + q);
  const m = n / 2;
  for (let k = 1; k <= n; k++) {
    const pL = (p.cdf[k - 1] as number) - (k > 1 ? (p.cdf[k - 2] as number) : 0);
    if (n % 2 === 1) {
      add(x[k - 1] as number, pL);
      continue;
    }
    const same = (p.same as Float64Array)[k - 1] as number;
    add(x[k - 1] as number, pL * same);
    const G = (t: number): number => 1 - ((n - k - t) / (n - k)) ** (n - m);
    for (let t = 1; k + t <= n; t++) add(((x[k - 1] as number) + (x[k + t - 1] as number)) / 2, pL * (1 - same) * (G(t) - G(t - 1)));
  }
  return out;
}

describe('order-statistic median bootstrap', () => {
  for (const n of [1, 2, 3, 4, 5, 6]) {
    test(`n = ${n}: tables match exhaustive enumeration of all resamples`, () => {
      const x = Array.from({ length: n }, (_, i) => 10 ** i); // distinct averages identify (L, H)
      const exact = enumerate(x);
      const tables = fromTables(x);
      for (const [v, q] of exact) assert.ok(Math.abs((tables.get(v) ?? 0) - q) < 1e-12, `n=${n} value ${v}: ${tables.get(v)} vs ${q}`);
      for (const [v, q] of tables) if (!exact.has(v)) assert.ok(q < 1e-12, `n=${n}: impossible value ${v} has mass ${q}`);
    });
  }

  test('large n (even and odd): draws agree with a direct resampling bootstrap (two-sample KS)', () => {
    for (const n of [300, 301]) {
      const rng = createRng(7, `ks-${n}`);
      const x = sortedCopy(Array.from({ length: n }, () => Math.exp(3 * rng.next())));
      const B = 4000;
      const pos = new MedianPositions(n);
      const a = new Float64Array(B);
      const b = new Float64Array(B);
      const buf = new Float64Array(n);
      for (let i = 0; i < B; i++) a[i] = pos.draw(x, rng);
      for (let i = 0; i < B; i++) {
        for (let j = 0; j < n; j++) buf[j] = x[rng.int(n)] as number;
        buf.sort();
        b[i] = n % 2 ? (buf[(n - 1) / 2] as number) : ((buf[n / 2 - 1] as number) + (buf[n / 2] as number)) / 2;
      }
      a.sort();
      b.sort();
      let i = 0;
      let j = 0;
      let d = 0;
      while (i < B || j < B) {
        const v = Math.min(i < B ? (a[i] as number) : Infinity, j < B ? (b[j] as number) : Infinity);
        while (i < B && a[i] === v) i++;
        while (j < B && b[j] === v) j++;
        d = Math.max(d, Math.abs(i - j) / B);
      }
      // 1% critical value of the two-sample KS statistic: 1.63·√(2/B).
      assert.ok(d < 1.63 * Math.sqrt(2 / B), `n=${n}: KS distance ${d}`);
    }
  });
});
