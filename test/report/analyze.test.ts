/** Report analysis on hand-written records: determinism, invariances, small-n honesty, exclusions, pairing. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunRecord } from '../../src/experiment/run-record.ts';
import { buildReport } from '../../src/report/analyze.ts';
import { poolRecords } from '../../src/report/load.ts';
import { renderJson } from '../../src/report/json.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { pooledLatencies } from '../../src/report/view.ts';
import type { Report } from '../../src/report/model.ts';
import { loaded, record, synthRecords } from './fixtures.ts';

const FAST = { resamples: 2000 }; // fewer resamples keep the suite quick; the CLI default is 10,000
const TASKS = [{ task: 'fix-bug', scale: 12_000 }, { task: 'add-test', scale: 60_000 }, { task: 'refactor', scale: 120_000 }];

const comparison = (r: Report, task: string, metric = 'wall') => {
  const c = r.comparisons.find((x) => x.task === task && x.metric === metric);
  assert.ok(c, `comparison ${task}/${metric}`);
  return c;
};
const headline = (r: Report, metric = 'wall') => {
  const h = r.headlines.find((x) => x.metric === metric);
  assert.ok(h, `headline ${metric}`);
  return h;
};
const near = (a: number | null, b: number | null, rel = 1e-9): void => {
  assert.ok(a !== null && b !== null, `${a} / ${b}`);
  assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${a} vs ${b}`);
};

describe('report analysis', () => {
  const records = synthRecords({ seed: 5, tasks: TASKS, conditions: { baseline: 1, 'with-docs': 0.8 }, reps: 12 });

  test('same records and seed give byte-identical JSON; another seed moves only the bootstrap', () => {
    const a = renderJson(buildReport(loaded(records), { ...FAST, seed: 9 }));
    const b = renderJson(buildReport(loaded([...records].reverse()), { ...FAST, seed: 9 }));
    assert.equal(a, b);
    const c = buildReport(loaded(records), { ...FAST, seed: 10 });
    assert.notEqual(renderJson(c), a);
    const parsed = JSON.parse(a) as Report;
    assert.equal(parsed.format, 'agentab.report');
    assert.equal(parsed.version, 2);
    assert.equal(comparison(c, 'fix-bug').ratio, comparison(parsed, 'fix-bug').ratio, 'point estimates do not depend on the seed');
  });

  test('a real 20% effect is found: improved, CI below -θ, adjusted p small', () => {
    const r = buildReport(loaded(records), FAST);
    const h = headline(r);
    assert.equal(h.verdict, 'improved');
    assert.ok((h.hi as number) < 1 / 1.05);
    assert.ok(h.pHolm < 0.05);
    assert.equal(h.tasks.length, 3);
  });

  test('rescaling one task leaves ratios and verdicts unchanged', () => {
    const scaled = records.map((x) => (x.task === 'add-test' ? { ...x, wallMs: x.wallMs * 1000, costUsd: x.costUsd * 7 } : x));
    const a = buildReport(loaded(records), FAST);
    const b = buildReport(loaded(scaled), FAST);
    for (const m of ['wall', 'cost']) {
      for (const t of ['fix-bug', 'add-test', 'refactor']) {
        const x = comparison(a, t, m);
        const y = comparison(b, t, m);
        near(y.ratio, x.ratio);
        near(y.lo, x.lo);
        near(y.hi, x.hi);
        assert.equal(y.test.p, x.test.p);
        assert.equal(y.verdict, x.verdict);
      }
      near(headline(b, m).ratio, headline(a, m).ratio);
      near(headline(b, m).lo, headline(a, m).lo);
      assert.equal(headline(b, m).verdict, headline(a, m).verdict);
    }
  });

  test('swapping arms inverts ratios and intervals and swaps improved for regressed', () => {
    const a = buildReport(loaded(records), { ...FAST, baseline: 'baseline' });
    const b = buildReport(loaded(records), { ...FAST, baseline: 'with-docs' });
    for (const t of ['fix-bug', 'add-test', 'refactor']) {
      const x = comparison(a, t);
      const y = comparison(b, t);
      near(y.ratio, 1 / (x.ratio as number));
      near(y.lo, 1 / (x.hi as number));
      near(y.hi, 1 / (x.lo as number));
      near(y.test.p, x.test.p);
    }
    near(headline(b).ratio, 1 / (headline(a).ratio as number));
    near(headline(b).lo, 1 / (headline(a).hi as number));
    assert.equal(headline(a).verdict, 'improved');
    assert.equal(headline(b).verdict, 'regressed');
  });

  test("Simpson's paradox fixture: no effect per task, tasks 10× apart, unequal success → no effect shown", () => {
    // Both arms draw each task from the same values; the condition loses most of its slow-task
    // runs to infra failures and fails more often on the fast task. Pooling raw runs would
    // make the condition look ~10× faster; per-task ratios must show nothing.
    const fast = [980, 1010, 990, 1030, 1000, 1020, 970, 1005, 995, 1015];
    const slow = fast.map((v) => v * 10);
    const recs: RunRecord[] = [];
    fast.forEach((v, rep) => {
      recs.push(record({ condition: 'baseline', task: 'fast', rep, wallMs: v }));
      recs.push(record({ condition: 'cand', task: 'fast', rep, wallMs: fast[(rep + 3) % 10] as number, outcome: rep < 5 ? 'fail' : 'pass' }));
    });
    slow.forEach((v, rep) => {
      recs.push(record({ condition: 'baseline', task: 'slow', rep, wallMs: v, outcome: rep < 2 ? 'fail' : 'pass' }));
      recs.push(record({ condition: 'cand', task: 'slow', rep, wallMs: v, outcome: rep < 6 ? 'infra' : 'pass' }));
    });
    const used = (c: string): number[] => recs.filter((x) => x.condition === c && x.outcome !== 'infra').map((x) => x.wallMs).sort((a, b) => a - b);
    const med = (x: number[]): number => (x.length % 2 ? (x[(x.length - 1) / 2] as number) : ((x[x.length / 2 - 1] as number) + (x[x.length / 2] as number)) / 2);
    assert.ok(med(used('cand')) / med(used('baseline')) < 0.5, 'the fixture does mislead a pooled analysis');
    const r = buildReport(loaded(recs), { ...FAST, metrics: ['wall'] });
    const h = headline(r);
    assert.ok((h.lo as number) <= 1 && 1 <= (h.hi as number), `geomean CI [${h.lo}, ${h.hi}] excludes 1`);
    assert.ok(h.verdict !== 'improved' && h.verdict !== 'regressed', h.verdict);
    for (const t of ['fast', 'slow']) assert.ok(Math.abs(Math.log(comparison(r, t).ratio as number)) < 0.05);
    const slowCand = r.cells.find((c) => c.condition === 'cand' && c.task === 'slow');
    assert.equal(slowCand?.outcomes.infra, 6);
    assert.equal(slowCand?.metrics.wall?.n, 4);
    assert.equal(r.records.infra, 6);
  });

  test('3 runs per arm: even a 2× effect on every task stays inconclusive per task', () => {
    const recs = synthRecords({ seed: 8, tasks: [TASKS[0] as (typeof TASKS)[0]], conditions: { baseline: 1, slow: 2 }, reps: 3, sigma: 0.02 });
    const r = buildReport(loaded(recs), FAST);
    for (const c of r.comparisons) {
      assert.equal(c.supportable, false);
      assert.equal(c.verdict, 'inconclusive');
      assert.equal(c.reason, 'too-few-runs');
      assert.equal(c.detectableRatio, null);
      if (c.test.method === 'exact') assert.ok(c.test.p >= 0.1, `${c.metric}: p ${c.test.p}`);
    }
    assert.equal(headline(r).verdict, 'inconclusive');
  });

  for (const reps of [2, 3]) {
    for (const blocks of [false, true]) {
      test(`${reps} runs per arm over 4 tasks (${blocks ? 'paired' : 'independent'}): every metric inconclusive, even "no change"`, () => {
        const tasks = ['a', 'b', 'c', 'd'].map((task, i) => ({ task, scale: 5_000 * (i + 1) }));
        const recs = synthRecords({ seed: 11, tasks, conditions: { baseline: 1, c1: 1 }, reps, sigma: 0.005, blocks });
        const r = buildReport(loaded(recs), FAST);
        assert.equal(r.headlines.length, 7);
        // The intervals are tight enough that the old rule called them "no meaningful change".
        const inside = r.headlines.filter((h) => (h.lo as number) >= 1 / 1.05 && (h.hi as number) <= 1.05);
        assert.ok(inside.length >= 5, `${inside.length} headline intervals inside ±5%`);
        for (const x of [...r.comparisons, ...r.headlines]) {
          assert.equal(x.verdict, 'inconclusive', `${x.metric}`);
          assert.equal(x.reason, 'too-few-runs');
          assert.equal(x.supportable, false);
          assert.equal(x.detectableRatio, null);
          assert.equal(x.runsNeeded, blocks ? 6 : 4);
        }
        for (const h of r.headlines) {
          assert.equal(h.minArm, reps);
          assert.equal(h.paired, blocks);
          assert.ok(h.repsNeeded?.reps != null && h.repsNeeded.reps >= h.runsNeeded, `${h.metric}: ${JSON.stringify(h.repsNeeded)}`);
        }
        const md = renderMarkdown(r);
        const unit = blocks ? 'pairs' : 'per arm';
        const unitText = blocks ? 'pairs' : 'runs per arm';
        const line = new RegExp(`^- \\*\\*wall time: inconclusive\\*\\* .* · passing runs, n=${reps} ${unitText} per task · .* · too few for any verdict: each task needs ≥ ${blocks ? 6 : 4} ${unitText} · ~\\d+ ${unitText} per task would show "no meaningful change" if nothing changed$`, 'm');
        assert.match(md, line);
        assert.doesNotMatch(md.slice(0, md.indexOf('## Glossary')), /no meaningful change\*\*/, 'no verdict line (the glossary explains the term)');
      });
    }
  }

  test('10 runs per arm of tight, equal data: no meaningful change for every metric', () => {
    // The fixture's model time sums per-call latencies of wide spread; tie it to the tight wall time.
    const recs = synthRecords({ seed: 12, tasks: TASKS.slice(0, 2), conditions: { baseline: 1, c1: 1 }, reps: 10, sigma: 0.005 })
      .map((x) => ({ ...x, modelMs: Math.round(x.wallMs * 0.8) }));
    const r = buildReport(loaded(recs), FAST);
    assert.equal(r.headlines.length, 7);
    for (const x of [...r.comparisons, ...r.headlines]) {
      assert.equal(x.supportable, true);
      assert.equal(x.verdict, 'no-change', `${x.metric}: [${x.lo}, ${x.hi}]`);
    }
    const calls = headline(r, 'calls');
    assert.equal(calls.detectableRatio, 1.05, 'calls do not vary: any change beyond θ gets a verdict');
    assert.match(renderMarkdown(r), /^- \*\*calls: no meaningful change\*\* .* · detectable at this n \(80% power\): any change beyond ±5% \(no run-to-run variance\)$/m);
  });

  test('a larger arm does not make up for a tiny one: 3 vs 12 runs gives no verdict', () => {
    const recs = synthRecords({ seed: 13, tasks: TASKS.slice(0, 1), conditions: { baseline: 1, c1: 1 }, reps: 12, sigma: 0.005 })
      .filter((x) => x.condition === 'baseline' || x.rep < 3);
    const r = buildReport(loaded(recs), FAST);
    for (const x of [...r.comparisons, ...r.headlines]) assert.equal(x.verdict, 'inconclusive');
    assert.match(renderMarkdown(r), /passing runs, n=3 runs per arm · .* · too few for any verdict: each task needs ≥ 4 runs per arm/);
  });

  test('cell statistics: unbounded median CI at n = 5, Wilson success, Tukey outliers', () => {
    const walls = [1000, 1100, 1050, 990, 9000];
    const recs = walls.map((w, rep) => record({ condition: 'baseline', task: 't', rep, wallMs: w, outcome: rep === 1 ? 'fail' : 'pass' }));
    const r = buildReport(loaded(recs), { ...FAST, metrics: ['wall'] });
    const cell = r.cells[0];
    assert.ok(cell);
    const s = cell.metrics.wall;
    assert.ok(s);
    assert.equal(s.medianCi.unbounded, true);
    assert.equal(s.median, 1025, 'metrics of passing runs only by default: the failed run is left out');
    assert.equal(s.n, 4);
    assert.equal(s.max, 9000);
    assert.deepEqual([cell.success?.k, cell.success?.n], [4, 5]);
    assert.equal(r.comparisons.length, 0);
    assert.deepEqual(s.samples, [1000, null, 1050, 990, 9000]);
    // samples are built when first read (cells.ts withSamples): JSON and structured clones (the viewer's worker) carry them
    assert.deepEqual((JSON.parse(JSON.stringify(cell)) as typeof cell).metrics.wall?.samples, [1000, null, 1050, 990, 9000]);
    assert.deepEqual(structuredClone(cell).metrics.wall?.samples, [1000, null, 1050, 990, 9000]);
    assert.deepEqual(Object.keys(s).at(-1), 'samples', 'the last key, as before');
    const allCell = buildReport(loaded(recs), { ...FAST, metrics: ['wall'], runs: 'all' }).cells[0];
    assert.deepEqual(structuredClone(allCell)?.metrics.wall?.samples, walls, 'a clone made before anything read the samples');
    const all = allCell?.metrics.wall;
    assert.equal(all?.median, 1050);
    assert.deepEqual(all?.samples, walls);
    assert.deepEqual(all?.outliers.map((o) => [o.rep, o.kind]), [[4, 'extreme']]);
  });

  test("a cell's call latencies are its used runs' calls in run order; the pooled latencies are sorted", () => {
    const recs = synthRecords({ seed: 9, tasks: TASKS.slice(0, 2), conditions: { baseline: 1, b: 0.9 }, reps: 6 });
    recs[2] = { ...recs[2]!, outcome: 'infra' }; // not used: its calls are left out
    const pool = loaded(recs);
    const r = buildReport(pool, { ...FAST, runs: 'all' });
    // joined when first read (cells.ts): a clone made before that, and JSON, carry them
    const cloned = structuredClone(r.cells[0]);
    assert.deepEqual(cloned?.callLatenciesMs, r.cells[0]?.callLatenciesMs);
    assert.deepEqual((JSON.parse(JSON.stringify(r.cells[1])) as Report['cells'][number]).callLatenciesMs, r.cells[1]?.callLatenciesMs);
    assert.equal(Object.keys(r.cells[0] ?? {}).at(-1), 'callLatenciesMs', 'the last key, as before');
    for (const cell of r.cells) {
      const calls = cell.used.runId.map((_, j) => pool.records.find((x) => x.runner === cell.runner && x.condition === cell.condition && x.task === cell.task && x.rep === cell.used.rep[j])?.callLatenciesMs ?? []);
      assert.deepEqual(cell.callLatenciesMs, calls.flat(), `${cell.condition}/${cell.task}`);
    }
    const pooled = pooledLatencies(r, 'claude', 'baseline');
    const expected = r.cells.filter((c) => c.condition === 'baseline').flatMap((c) => c.callLatenciesMs).sort((a, b) => a - b);
    assert.deepEqual([...pooled], expected);
    assert.ok(expected.length > 40 && !r.cells.every((c) => c.callLatenciesMs.every((v, i, a) => i === 0 || (a[i - 1] as number) <= v)), 'the cells are not sorted themselves: the test sees the pool sort');
  });

  test('paired design: blocks in both arms → signed-rank test and pair resampling', () => {
    const recs = synthRecords({ seed: 4, tasks: TASKS.slice(0, 2), conditions: { baseline: 1, b: 0.9 }, reps: 10, blocks: true });
    const r = buildReport(loaded(recs), FAST);
    const c = comparison(r, 'fix-bug');
    assert.equal(c.paired, true);
    assert.equal(c.test.name, 'wilcoxon-signed-rank');
    // Excluding one run breaks the pairing of that task: it falls back to independent arms.
    const broken = recs.map((x) => (x.task === 'fix-bug' && x.condition === 'b' && x.rep === 0 ? { ...x, outcome: 'infra' as const } : x));
    const r2 = buildReport(loaded(broken), FAST);
    assert.equal(comparison(r2, 'fix-bug').paired, false);
    assert.equal(comparison(r2, 'add-test').paired, true);
    assert.ok(r2.notes.some((n) => n.includes('fix-bug') && n.includes('independent')));
  });

  test('two pooled runs of one spec pair within each run: no broken-pairing notes, twice the pairs', () => {
    const one = (seed: number, runId: string) => synthRecords({ seed, tasks: TASKS.slice(0, 2), conditions: { baseline: 1, b: 0.9 }, reps: 6, blocks: true, runId });
    const pooled = poolRecords([{ path: 'a/records.jsonl', records: one(4, 'run-a') }, { path: 'b/records.jsonl', records: one(5, 'run-b') }]);
    const r = buildReport(pooled, FAST);
    for (const c of r.comparisons) {
      assert.equal(c.paired, true, `${c.task}/${c.metric} paired`);
      assert.equal(c.nBase, 12, 'both runs\' pairs');
      assert.equal(c.test.name, 'wilcoxon-signed-rank');
    }
    assert.deepEqual(r.notes.filter((n) => n.includes('pairing')), []);
    // A run whose blocks do not match says so once per runner/condition/task, not once per metric.
    const broken = [...one(4, 'run-a'), ...one(5, 'run-b').map((x) => (x.condition === 'b' && x.rep === 0 ? { ...x, block: 99 } : x))];
    const r2 = buildReport(poolRecords([{ path: 'x', records: broken }]), FAST);
    assert.equal(r2.notes.filter((n) => n.includes('pairing')).length, 2, 'one note per task');
  });

  test('BH q-values over the grid and Holm over headlines are both reported and never below p', () => {
    const r = buildReport(loaded(records), FAST);
    assert.equal(r.comparisons.length, 3 * 7);
    assert.equal(r.headlines.length, 7);
    for (const c of r.comparisons) assert.ok(c.q >= c.test.p);
    for (const h of r.headlines) assert.ok(h.pHolm >= h.test.p);
  });

  test('unknown baseline and mixed experiments are refused', () => {
    assert.throws(() => buildReport(loaded(records), { baseline: 'nope' }), /baseline "nope"/);
    assert.throws(() => loaded([...records, { ...(records[0] as RunRecord), experiment: 'other', cell: 'zz' }]), /different experiments/);
  });
});
