/** Renderers: golden Markdown, JSON shape, CSV shape, self-contained HTML with Vega plots. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderCsv } from '../../src/report/csv.ts';
import { renderHtml } from '../../src/report/html.ts';
import { renderJson } from '../../src/report/json.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import type { Report } from '../../src/report/model.ts';
import { goldenReport } from './fixtures.ts';

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
});
