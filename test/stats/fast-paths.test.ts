/**
 * The aggregation fast paths (issue #16) give exactly what the plain computations give: the
 * guide-table median positions, log medians from cached logs, Floyd–Rivest selection with min scans, and
 * the comparator-free canonical sort, the radix sort of doubles.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MedianPositions } from '../../src/stats/median-bootstrap.ts';
import { createRng } from '../../src/stats/prng.ts';
import { quantileSorted, quantilesUnsorted, sortedCopy } from '../../src/stats/quantile.ts';
import { sortDoubles } from '../../src/stats/radix-sort.ts';
import { logMediansAt, logRatiosAt } from '../../src/stats/ratio.ts';
import { bootstrapPositions } from '../../src/stats/median-bootstrap.ts';
import { compareRecords, poolRecords } from '../../src/report/load.ts';
import type { RunRecord } from '../../src/experiment/run-record.ts';
import { synthRecords } from '../report/fixtures.ts';
import { binomialLogPmf } from '../../src/stats/special.ts';

test('median positions: the guide-table search finds what a binary search over the cdf finds', () => {
  for (const n of [1, 2, 7, 50, 401, 2500]) {
    const pos = new MedianPositions(n);
    const uniforms = createRng(3, `guide-${n}`);
    const out = new Int32Array(2);
    const us = [0, 1e-12, 0.5, 1 - 1e-12, ...Array.from({ length: 2000 }, () => uniforms.next())];
    for (const u of us) {
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((pos.cdf[mid] as number) >= u) hi = mid;
        else lo = mid + 1;
      }
      // the draw's first uniform is u; later ones (for the upper position) do not matter here
      let first = true;
      pos.drawPositions({ next: () => (first ? ((first = false), u) : 0.5) }, out, 0);
      assert.equal(out[0], lo, `n=${n}, u=${u}`);
    }
  }
});

test('median positions: the tie table (coefficients once per n, logs once per k) equals the plain binomialLogPmf sum', () => {
  for (const n of [2, 10, 400, 402, 2500]) {
    const pos = new MedianPositions(n);
    const m = n / 2;
    const plain = new Float64Array(n).fill(1);
    const cFrom = n <= 400 ? 0 : Math.max(0, m - 1 - 64);
    for (let k = 1; k <= n; k++) {
      const pL = (pos.cdf[k - 1] as number) - (k > 1 ? (pos.cdf[k - 2] as number) : 0);
      if (!(pL > 1e-20)) continue;
      let split = 0;
      for (let c = cFrom; c <= m - 1; c++) {
        const lc = binomialLogPmf(c, n, (k - 1) / n);
        if (lc === -Infinity) continue;
        split += Math.exp(lc + binomialLogPmf(m - c, n - c, 1 / (n - k + 1)));
      }
      plain[k - 1] = Math.min(1, Math.max(0, 1 - split / pL));
    }
    assert.deepStrictEqual(pos.same, plain, `n=${n}`);
  }
});

test('quantiles without sorting equal the sorted quantiles, also for adjacent order statistics', () => {
  const rng = createRng(5, 'quantiles');
  // random order (bootstrap replicates), and the orders a sampling select must survive too
  const shapes: [string, (n: number) => Float64Array][] = [
    ['random with ties', (n) => Float64Array.from({ length: n }, () => Math.round(rng.next() * 50) - 10 * rng.next())],
    ['random', (n) => Float64Array.from({ length: n }, () => rng.next() - 0.5)],
    ['ascending', (n) => Float64Array.from({ length: n }, (_, i) => i)],
    ['descending', (n) => Float64Array.from({ length: n }, (_, i) => -i)],
    ['all equal', (n) => new Float64Array(n).fill(2)],
    ['two values', (n) => Float64Array.from({ length: n }, (_, i) => i % 2)],
  ];
  for (const [shape, make] of shapes) {
    for (const n of [1, 2, 3, 10, 101, 600, 601, 2_000, 10_000]) {
      const x = make(n);
      if (n > 5 && shape.startsWith('random')) x[3] = Infinity;
      const sorted = sortedCopy(x);
      for (const ps of [[0.025, 0.975], [0, 1], [0.5], [0.1, 0.1001, 0.9]]) {
        assert.deepEqual(quantilesUnsorted(x, ps), ps.map((p) => quantileSorted(sorted, p)), `${shape} n=${n} ps=${ps.join(',')}`);
      }
    }
  }
});

test('log medians from cached logs reproduce logRatiosAt bit for bit', () => {
  const rng = createRng(9, 'log-medians');
  for (const [nb, nc] of [[10, 11], [250, 249], [2500, 2499]] as const) {
    const base = sortedCopy(Float64Array.from({ length: nb }, () => 1 + rng.next() * 1000));
    const cond = sortedCopy(Float64Array.from({ length: nc }, () => 1 + rng.next() * 1000));
    const pb = bootstrapPositions(nb, 3000, createRng(1, 'b'));
    const pc = bootstrapPositions(nc, 3000, createRng(1, 'c'));
    const expected = logRatiosAt(base, pb, cond, pc);
    const lb = logMediansAt(base, base.map(Math.log), pb);
    const lc = logMediansAt(cond, cond.map(Math.log), pc);
    const got = lc.map((v, b) => v - (lb[b] as number));
    assert.deepEqual(got, expected);
  }
});

test('pooling sorts shuffled records as compareRecords does, duplicates and look-alike cells included', () => {
  const records = synthRecords({ seed: 2, tasks: [{ task: 't1', scale: 100 }, { task: 't2', scale: 300 }], conditions: { baseline: 1, c1: 0.8 }, reps: 5 });
  const rng = createRng(4, 'shuffle');
  const shuffled = [...records];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j] as RunRecord, shuffled[i] as RunRecord];
  }
  const dups = shuffled.slice(0, 3).map((r) => ({ ...r, wallMs: r.wallMs + 1 }));
  const pooled = poolRecords([{ path: 'a', records: shuffled }, { path: 'b', records: dups }]);
  const expected = [...records].sort(compareRecords);
  assert.deepEqual(pooled.records.map((r) => `${r.cell}:${r.wallMs}`), expected.map((r) => {
    const dup = dups.find((d) => d.cell === r.cell && d.runId === r.runId);
    return `${r.cell}:${dup ? dup.wallMs : r.wallMs}`;
  }));
  assert.equal(pooled.duplicates, 3);
  // same runner, condition, task, rep and run but different cells (hand-made): still in compareRecords order
  const twin = { ...(records[0] as RunRecord), cell: 'zzz-twin' };
  const early = { ...(records[0] as RunRecord), cell: '000-twin' };
  const mixed = poolRecords([{ path: 'a', records: [twin, ...shuffled, early] }]);
  assert.deepEqual(mixed.records.map((r) => r.cell), [...records, twin, early].sort(compareRecords).map((r) => r.cell));
});

test('sortDoubles (a radix sort of the doubles’ bits) orders exactly as Float64Array.prototype.sort', () => {
  const rng = createRng(5, 'sort-doubles');
  const special = [0, -0, Infinity, -Infinity, 5e-324, -5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, 2 ** -1022, 1, -1];
  const kinds: (() => number)[] = [
    () => (rng.next() - 0.5) * 10 ** Math.floor(40 * rng.next() - 20), // every sign and magnitude
    () => Math.round(1e6 * rng.next()) / 1000, // call latencies in ms
    () => Math.floor(5000 * rng.next()), // whole numbers: low words shared, passes skipped
    () => special[Math.floor(special.length * rng.next())] as number,
    () => 7.25, // one value only: every pass skipped
    () => 1000 + Math.floor(40 * rng.next()) * 1e-10, // one high word, many low words: long runs after the radix passes
    () => -(3 + Math.floor(6 * rng.next()) * 1e-14), // negative, a few per high word: short runs
  ];
  for (let trial = 0; trial < 200; trial++) {
    const use = kinds.filter(() => rng.next() < 0.6);
    const n = trial < 40 ? Math.floor(300 * rng.next()) : 256 + Math.floor(30_000 * rng.next());
    const values = Float64Array.from({ length: n }, () => (use.length ? use[Math.floor(use.length * rng.next())]!() : 3));
    const want = values.slice().sort();
    // a view that starts inside its buffer, as the report's scratch arrays are
    const buffer = new Float64Array(n + 3);
    const got = buffer.subarray(2, 2 + n);
    got.set(values);
    assert.equal(sortDoubles(got), got, 'sorted in place');
    for (let i = 0; i < n; i++) assert.ok(Object.is(got[i], want[i]), `trial ${trial} at ${i}: ${got[i]} vs ${want[i]}`);
    assert.ok(buffer[0] === 0 && buffer[1] === 0 && buffer[n + 2] === 0, 'nothing written outside the view');
  }
  // a NaN anywhere: the native sort's order (NaN last)
  const withNaN = Float64Array.from({ length: 1000 }, (_, i) => (i === 500 ? NaN : 1000 - i));
  const sorted = sortDoubles(withNaN.slice());
  assert.ok(Number.isNaN(sorted[999]));
  assert.deepEqual([...sorted.subarray(0, 999)], [...withNaN.slice().sort().subarray(0, 999)]);
});
