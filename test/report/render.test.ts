/** Renderers: golden Markdown, JSON shape, CSV shape, self-contained HTML with Vega plots. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { buildReport } from '../../src/report/analyze.ts';
import { renderCsv } from '../../src/report/csv.ts';
import { formatDetectable } from '../../src/report/format.ts';
import { renderHtml } from '../../src/report/html.ts';
import { renderJson } from '../../src/report/json.ts';
import { renderMarkdown, renderVerdictsMarkdown } from '../../src/report/markdown.ts';
import type { Report } from '../../src/report/model.ts';
import { percentTicks } from '../../src/report/plots.ts';
import { goldenReport, loaded, synthRecords } from './fixtures.ts';

const GOLDEN = fileURLToPath(new URL('./__golden__/pilot.md', import.meta.url));

describe('renderers', () => {
  test('Markdown matches the golden file (set UPDATE_GOLDEN=1 to rewrite it)', async () => {
    const md = renderMarkdown(goldenReport());
    if (process.env.UPDATE_GOLDEN === '1') await writeFile(GOLDEN, md);
    assert.equal(md, await readFile(GOLDEN, 'utf8'));
  });

  test('Markdown has benchstat-style tables, a geomean row, verdict lines and notes', () => {
    const md = renderMarkdown(goldenReport());
    assert.match(md, /^\| task \| baseline \| no-mcp \| vs base \| with-docs \| vs base \|$/m);
    assert.match(md, /^\| \*\*geomean\*\* \|/m);
    assert.match(md, /^- \*\*wall time: (improved|regressed|no meaningful change|inconclusive)\*\*/m);
    assert.match(md, /p95 is shown without an interval/);
    assert.match(md, /\(\+1 infra\)/);
  });

  test('JSON carries every estimate and the raw samples', () => {
    const r = goldenReport();
    const j = JSON.parse(renderJson(r)) as Report;
    assert.deepEqual(j.options, r.options);
    assert.equal(j.cells.length, 6);
    const cell = j.cells.find((c) => c.condition === 'baseline' && c.task === 'fix-bug');
    assert.equal(cell?.metrics.wall?.samples.length, 6);
    assert.equal(cell?.used.runId.length, 6);
    assert.equal(j.comparisons.length, 2 * 2 * r.options.metrics.length);
    assert.ok(j.comparisons.every((c) => typeof c.test.p === 'number' && typeof c.q === 'number'));
    assert.ok(!/NaN|Infinity/.test(renderJson(r)));
  });

  test('CSV: one row per cell, every row as wide as the header', () => {
    const csv = renderCsv(goldenReport());
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(lines.length, 1 + 6);
    const width = lines[0]?.split(',').length;
    for (const l of lines) assert.equal(l.split(',').length, width);
    assert.match(lines[0] ?? '', /^runner,condition,task,runs,used,/);
    assert.match(lines[0] ?? '', /wall_ratio_lo/);
  });

  test('HTML is self-contained and holds one rendered SVG per plot', async () => {
    const r = goldenReport();
    const html = await renderHtml(r);
    assert.ok(html.startsWith('<!doctype html>'));
    assert.ok(!/<script|<link|src="http|href="http/i.test(html), 'no scripts or network references');
    const svgs = html.match(/<svg[\s>]/g) ?? [];
    const metrics = r.options.metrics.length;
    assert.equal(svgs.length, metrics /* forest */ + metrics /* strip */ + 1 /* cdf */);
    assert.ok((html.match(/class="mark-symbol/g) ?? []).length >= metrics * 2);
  });

  test('detectable change: a percent, "any change" without variance, "n/a" when undefined — never a bare "±%"', () => {
    assert.equal(formatDetectable(1.0835), '±8.35%');
    assert.equal(formatDetectable(1), 'any change (no run-to-run variance)');
    assert.equal(formatDetectable(1.05, 0.05), 'any change beyond ±5% (no run-to-run variance)');
    assert.equal(formatDetectable(1.00001), '±<0.01%');
    for (const x of [null, NaN, Infinity, 0, 0.9]) assert.equal(formatDetectable(x), 'n/a');
    // A metric that never varies (calls here) in a design that supports verdicts.
    const recs = synthRecords({ seed: 2, tasks: [{ task: 't', scale: 10_000 }], conditions: { baseline: 1, c: 1.3 }, reps: 8 }).map((x) => ({ ...x, calls: 4 }));
    const md = renderMarkdown(buildReport(loaded(recs), { resamples: 1000 }));
    assert.match(md, /^- \*\*calls: [^\n]*detectable at this n \(80% power\): any change beyond ±5% \(no run-to-run variance\)$/m);
    assert.doesNotMatch(md, /±%/);
  });

  test('medians without an interval: said once when no cell has one, marked ±∞ ¹ with a footnote when some do', () => {
    const small = synthRecords({ seed: 4, tasks: [{ task: 'a', scale: 5000 }, { task: 'b', scale: 9000 }], conditions: { baseline: 1, c: 1 }, reps: 2 });
    const md = renderMarkdown(buildReport(loaded(small), { resamples: 1000 }));
    assert.equal(md.match(/Every cell has fewer than 6 runs, so medians are shown without an interval/g)?.length, 1);
    assert.doesNotMatch(md.slice(0, md.indexOf('## Notes')), /unbounded|±∞/);
    assert.match(md, /^\| condition \| task \| n \| median \| mean \| p95 \|/m, 'no interval column in the details');

    const mixed = synthRecords({ seed: 4, tasks: [{ task: 'a', scale: 5000 }], conditions: { baseline: 1, c: 1 }, reps: 8 })
      .filter((x) => x.condition === 'baseline' || x.rep < 3);
    const md2 = renderMarkdown(buildReport(loaded(mixed), { resamples: 1000, metrics: ['wall'] }));
    assert.doesNotMatch(md2, /Every cell has fewer/);
    assert.match(md2, /^\| a \| [\d.]+s \[[\d.]+s, [\d.]+s\] \| [\d.]+s ±∞ ¹ \|/m);
    assert.match(md2, /^¹ need ≥ 6 runs for a 95% interval of the median$/m);
  });

  test('the verdict section renders alone, as run-matrix prints it', () => {
    const text = renderVerdictsMarkdown(goldenReport());
    assert.ok(text.startsWith('## Verdicts\n\n'));
    assert.ok(renderMarkdown(goldenReport()).includes(text));
    assert.doesNotMatch(text, /## wall time/);
  });

  test('forest plot ticks: round percent changes, never crowded at the top of the log axis', () => {
    assert.deepEqual(percentTicks([0.93, 1.07], 300), { values: [0.94, 0.96, 0.98, 1, 1.02, 1.04, 1.06], digits: 0 });
    assert.deepEqual(percentTicks([0.995, 1.004], 300)?.digits, 1, 'sub-percent steps get a decimal');
    const wide = percentTicks([0.9, 2.1], 300);
    assert.ok(wide);
    assert.ok(wide.values.includes(1) && wide.values.includes(2), `${wide.values}`);
    const px = (a: number, b: number): number => (300 * Math.log(b / a)) / Math.log(2.1 / 0.9);
    for (let i = 1; i < wide.values.length; i++) assert.ok(px(wide.values[i - 1] as number, wide.values[i] as number) >= 41, 'room for "+75%" and "+100%" side by side');
    assert.equal(percentTicks([0.01, 50], 300), null, 'very wide: Vega\'s own log ticks');
  });
});
