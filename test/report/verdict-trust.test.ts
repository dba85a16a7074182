/**
 * Verdicts people can act on: failures count (success first, never "improved" over a worse
 * success rate), zero baselines give an absolute change and a test (never ∞), and an
 * inconclusive verdict says what the data shows and how many runs would do.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunRecord } from '../../src/experiment/run-record.ts';
import { buildReport } from '../../src/report/analyze.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { reportPlots } from '../../src/report/plots.ts';
import { renderHtml } from '../../src/report/html.ts';
import { loaded, record } from './fixtures.ts';

const FAST = { resamples: 2000 };

/** 10 baseline runs that pass and 10 candidate runs that all fail — faster and cheaper. */
function failingCandidate(failures = 10): RunRecord[] {
  const recs: RunRecord[] = [];
  for (let rep = 0; rep < 10; rep++) {
    recs.push(record({ condition: 'baseline', task: 't', rep, wallMs: 20_000 + rep * 100, costUsd: 0.05 + rep * 0.001 }));
    recs.push(record({
      condition: 'broken', task: 't', rep, wallMs: 5_000 + rep * 100, costUsd: 0.01 + rep * 0.001,
      usage: { input: 5_000 + rep, output: 100, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
      outcome: rep < failures ? 'fail' : 'pass', exitCode: 0,
    }));
  }
  return recs;
}

describe('verdicts count failures', () => {
  test('a condition that fails 10 of 10 runs is regressed overall and nothing reads improved', () => {
    const r = buildReport(loaded(failingCandidate()), FAST);
    const s = r.success.find((x) => x.condition === 'broken');
    assert.ok(s);
    assert.equal(s.verdict, 'worse');
    assert.ok(s.p < 0.001, `Fisher p ${s.p}`);
    assert.deepEqual([s.cond?.k, s.cond?.n, s.base?.k, s.base?.n], [0, 10, 10, 10]);
    assert.equal(r.overall[0]?.overall, 'regressed');
    for (const x of [...r.comparisons, ...r.headlines]) assert.notEqual(x.verdict, 'improved', `${x.metric}`);
    const md = renderMarkdown(r);
    const block = md.slice(md.indexOf('## Verdicts'), md.indexOf('\n## ', md.indexOf('## Verdicts') + 5));
    const lines = block.split('\n').filter((l) => l.startsWith('- '));
    assert.match(lines[0] ?? '', /^- \*\*success rate: worse\*\* 0\/10 0% \[0%, 27\.8%\] vs 10\/10 100% \[72\.2%, 100%\] in baseline · Fisher exact p < 0\.001/);
    assert.match(lines[1] ?? '', /^- \*\*overall: regressed\*\* · success rate is worse/);
    assert.match(block, /no passing runs to compare in both arms/);
    assert.doesNotMatch(block, /improved/);
    assert.ok(r.notes.some((n) => n.includes('no passing runs with a value in broken')));
  });

  test('comparing every run (--runs all) shows the cheaper failures, but overall stays regressed', () => {
    const r = buildReport(loaded(failingCandidate()), { ...FAST, runs: 'all' });
    const wall = r.headlines.find((h) => h.metric === 'wall');
    assert.equal(wall?.verdict, 'improved', 'the failing runs are faster');
    assert.equal(r.overall[0]?.overall, 'regressed');
    const md = renderMarkdown(r);
    assert.ok(md.indexOf('**success rate: worse**') < md.indexOf('**overall: regressed**'));
    assert.ok(md.indexOf('**overall: regressed**') < md.indexOf('**wall time: lower, but success is worse**'));
    assert.match(md, /\*\*wall time: lower, but success is worse\*\* .* · its failed runs are counted, and failing early is cheap: not a gain · .* · all runs, n=10 runs per arm/);
    assert.doesNotMatch(md, /\*\*[a-z -]+: improved\*\*/, 'no metric line of that condition reads as a plain improvement');
  });

  test('a lower but not significantly lower success rate keeps improvements on passing runs from reading as an overall improvement', () => {
    // 8 of 10 pass; the 8 passing runs are much faster than the baseline's.
    const r = buildReport(loaded(failingCandidate(2)), FAST);
    const s = r.success[0];
    assert.equal(s?.verdict, 'inconclusive');
    assert.equal(r.headlines.find((h) => h.metric === 'wall')?.verdict, 'improved');
    assert.equal(r.overall[0]?.overall, 'inconclusive');
    const md = renderMarkdown(r);
    assert.match(md, /\*\*overall: inconclusive\*\* · success rate is lower \(8\/10 passed vs 10\/10 in baseline; not significant\)/);
    assert.match(md, /\*\*wall time: improved\*\* .* · passing runs, n=8 runs per arm/, 'the metric verdict names its runs and n');
  });
});

describe('zero baselines', () => {
  /** 20 runs each; cache-write tokens are 0 in every baseline run and non-zero in `nonZero` of 20 candidate runs. */
  function zeroBaseline(nonZero = 6): RunRecord[] {
    const recs: RunRecord[] = [];
    for (let rep = 0; rep < 20; rep++) {
      const usage = { input: 20_000 + rep, output: 1_500, cacheRead: 12_000, cacheWrite: 0, reasoning: 0 };
      recs.push(record({ condition: 'baseline', task: 't', rep, usage }));
      recs.push(record({ condition: 'c1', task: 't', rep, usage: { ...usage, cacheWrite: rep < nonZero ? 3_000 + rep : 0 } }));
    }
    return recs;
  }

  test('0 in every baseline run and non-zero in 4 of 20: an absolute change and its exact test, never "no change [0 %, 0 %]"', () => {
    const r4 = buildReport(loaded(zeroBaseline(4)), { ...FAST, metrics: ['cacheWrite'] });
    const c4 = r4.comparisons[0];
    assert.ok(c4?.absolute && c4.absolute.diff > 0);
    assert.equal(c4.ratio, null);
    // The exact conditional test says 4 of 20 vs 0 of 20 is not yet significant (the normal approximation said 0.04).
    assert.equal(c4.test.method, 'exact-conditional');
    assert.ok(Math.abs(c4.test.p - 0.106) < 0.001, `p ${c4.test.p}`);
    assert.equal(c4.verdict, 'inconclusive');
    assert.equal(c4.reason, 'absolute-not-significant');
  });

  test('0 in every baseline run and non-zero in 6 of 20: a significant absolute increase (cache tokens: "increased", neither better nor worse)', () => {
    const r = buildReport(loaded(zeroBaseline()), { ...FAST, metrics: ['cacheWrite'] });
    const c = r.comparisons.find((x) => x.metric === 'cacheWrite');
    assert.ok(c);
    assert.equal(c.ratio, null);
    assert.equal(c.lo, null);
    assert.ok(c.absolute, 'absolute change');
    assert.ok(Math.abs(c.absolute.diff - (6 * 3000 + 15) / 20) < 1e-9, `${c.absolute.diff}`);
    assert.ok(c.test.p < 0.05, `p ${c.test.p}`);
    assert.ok(c.absolute.lo > 0, `interval [${c.absolute.lo}, ${c.absolute.hi}]`);
    assert.equal(c.verdict, 'increased');
    assert.equal(c.reason, 'absolute-increase');
    const md = renderMarkdown(r);
    assert.doesNotMatch(md, /∞ \[|\[-∞|\+∞\]/, 'no infinite change or interval');
    assert.match(md, /\| \+901 abs \[\+\d+, \+[\d.]+k?\] \(mean; baseline median 0\) p=0\.0\d+ q=0\.0\d+ n=20\+20 \*\*increased\*\* \|/);
    assert.ok(r.notes.some((n) => n.includes('cacheWrite') && n.includes('absolute')));
    const forest = reportPlots(r).find((p) => p.id === 'forest-cacheWrite');
    assert.match(forest?.note ?? '', /Not on this log-scale plot .*: t \(c1\)/, 'the dropped plot row is named');
  });

  test('prompt caching turned off: cache reads "decreased" (never improved) beside a regressed cost, the zero arm named, the missing headline explained', () => {
    const recs: RunRecord[] = [];
    for (let rep = 0; rep < 8; rep++) {
      recs.push(record({ condition: 'baseline', task: 't', rep, costUsd: 0.05 + rep * 0.001, usage: { input: 40_000 + rep, output: 300, cacheRead: 39_445 + rep, cacheWrite: 0, reasoning: 0 } }));
      recs.push(record({ condition: 'nocache', task: 't', rep, costUsd: 0.09 + rep * 0.001, usage: { input: 40_000 + rep, output: 300, cacheRead: 0, cacheWrite: 0, reasoning: 0 } }));
    }
    const r = buildReport(loaded(recs), { ...FAST, metrics: ['cacheRead', 'cost'] });
    const cache = r.comparisons.find((x) => x.metric === 'cacheRead');
    assert.equal(cache?.verdict, 'decreased');
    assert.equal(r.headlines.find((h) => h.metric === 'cost')?.verdict, 'regressed');
    for (const x of [...r.comparisons, ...r.headlines]) assert.notEqual(x.verdict, 'improved', x.metric);
    const md = renderMarkdown(r);
    assert.match(md, /\(mean; nocache median 0\)/, 'the arm whose median is 0 is the condition');
    assert.doesNotMatch(md, /baseline median 0/);
    assert.match(md, /\*\*cache-read tokens: no headline\*\* · no ratio on at least one task/);
    assert.ok(r.notes.some((n) => n.includes('the nocache median is 0')), 'the note names the arm whose median is 0');
    assert.doesNotMatch(md, /\*\*improved\*\*/);
  });

  test('0 in every run of both arms is "no meaningful change", not a division by zero', () => {
    const recs: RunRecord[] = [];
    for (let rep = 0; rep < 6; rep++) for (const condition of ['baseline', 'c1']) recs.push(record({ condition, task: 't', rep, usage: { input: 100, output: 10, cacheRead: 0, cacheWrite: 0, reasoning: 0 } }));
    const r = buildReport(loaded(recs), { ...FAST, metrics: ['cacheRead'] });
    const c = r.comparisons[0];
    assert.equal(c?.verdict, 'no-change');
    assert.equal(c?.reason, 'absolute-identical');
  });

  test('the HTML names the plot rows it leaves out', async () => {
    const r = buildReport(loaded(zeroBaseline()), { ...FAST, metrics: ['cacheWrite'] });
    const html = await renderHtml(r);
    assert.match(html, /<p class="fn">Not on this log-scale plot/);
    assert.doesNotMatch(html, /∞ \[|\[-∞|\+∞\]/);
  });
});

describe('below what the exact test can reach', () => {
  test('input tokens +49 % in all 3 pairs: inconclusive by the rule, but the line says what the pairs show and how many are needed', () => {
    const recs: RunRecord[] = [];
    for (let rep = 0; rep < 3; rep++) {
      const input = 10_000 + rep * 100;
      recs.push(record({ condition: 'baseline', task: 't', rep, block: rep, usage: { input, output: 100, cacheRead: 0, cacheWrite: 0, reasoning: 0 } }));
      recs.push(record({ condition: 'c1', task: 't', rep, block: rep, usage: { input: Math.round(input * 1.49), output: 100, cacheRead: 0, cacheWrite: 0, reasoning: 0 } }));
    }
    const r = buildReport(loaded(recs), FAST);
    const h = r.headlines.find((x) => x.metric === 'input');
    assert.equal(h?.verdict, 'inconclusive');
    assert.equal(h?.reason, 'too-few-runs');
    assert.ok(h && (h.lo as number) > 1.49 * 0.99, 'the interval alone would look decisive');
    const md = renderMarkdown(r);
    const line = md.split('\n').find((l) => l.startsWith('- **input tokens: inconclusive**'));
    assert.ok(line, md);
    assert.match(line, /all 3 pairs \+49\.0%/);
    assert.match(line, /too few for any verdict: each task needs ≥ 6 pairs/);
  });
});
