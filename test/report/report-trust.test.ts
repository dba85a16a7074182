/**
 * Report fixes of issue 11: a header naming backend, model, runner versions and a banner for
 * simulated runs; a glossary; the tidy per-run CSV; the HTML at 1,000 tasks (no crash, plots
 * capped and saying so); one colour per condition across plots; a table of contents.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRecord } from '../../src/experiment/run-record.ts';
import { buildReport } from '../../src/report/analyze.ts';
import { renderRunsCsv } from '../../src/report/csv.ts';
import { renderHtml } from '../../src/report/html.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { provenanceOf } from '../../src/report/provenance.ts';
import { conditionColors, MAX_PLOT_TASKS, MAX_STRIP_POINTS, MAX_STRIP_POINTS_PER_PLOT, MIN_STRIP_POINTS, reportPlots, stripPointsPerCell, type Plot } from '../../src/report/plots.ts';
import { quantileSorted } from '../../src/stats/quantile.ts';
import { writeReport } from '../../src/report/write.ts';
import { loaded, record, synthRecords } from './fixtures.ts';

const FAST = { resamples: 1000, seed: 1 };

/** Records as run-matrix writes them against the simulator: upstreams and the alias recorded. */
function simulated(recs: RunRecord[]): RunRecord[] {
  return recs.map((r) => ({ ...r, runnerReported: { ...r.runnerReported, model: 'shared-model' }, env: { ...r.env, upstreams: ['sim/claude-sonnet-4-5'], proxyVersion: '0.1.0' } }));
}

describe('report header and glossary', () => {
  const recs = simulated(synthRecords({ seed: 3, tasks: [{ task: 'summarise-doc', scale: 9000 }], conditions: { baseline: 1, c1: 0.9 }, reps: 6 }));

  test('a simulated run says so in a banner and names alias, backend/model, runner versions and launcher', async () => {
    const r = buildReport(loaded(recs), FAST);
    assert.equal(r.provenance.simulated, 'all');
    assert.deepEqual(r.provenance.models, [{ alias: 'shared-model', upstreams: ['sim/claude-sonnet-4-5'] }]);
    assert.deepEqual(r.provenance.runners, [{ name: 'claude', versions: ['2.1.197'] }]);
    const md = renderMarkdown(r);
    const head = md.slice(0, md.indexOf('## Verdicts'));
    assert.match(head, /^> \*\*SIMULATED MODEL: every call was answered by agentab's simulator/m);
    assert.match(head, /Model \(alias → backend\/upstream model\): shared-model → sim\/claude-sonnet-4-5/);
    assert.match(head, /Runners: claude 2\.1\.197 · launcher local · agentab proxy 0\.1\.0/);
    const html = await renderHtml(r);
    assert.match(html, /<p class="banner" role="note">SIMULATED MODEL/);
    assert.ok(html.indexOf('class="banner"') < html.indexOf('Verdicts'), 'the banner comes before the verdicts');
  });

  test('the header lists every alias with its upstreams, every runner with its versions, every launcher and proxy version, in any record order', () => {
    // each record repeats the previous one's strings where provenanceOf may skip the lookup, and changes what it must not skip
    const rows: [string, string, string, string[], string, string][] = [
      // runner, version, alias, upstreams, launcher, proxy version
      ['claude', 'v1', 'A', ['sim/x'], 'local', '0.1.0'],
      ['opencode', 'v1', 'B', ['sim/x'], 'local', '0.1.0'], // same version and upstreams, another runner and alias
      ['opencode', 'v2', 'B', ['sim/x', 'real/y'], 'gce', '0.1.0'],
      ['claude', 'v2', 'A', ['sim/x', 'real/y'], 'gce', '0.2.0'], // back to A with B's upstreams
      ['claude', 'v2', 'A', ['sim/w'], 'gce', '0.2.0'],
    ];
    const recs = rows.map(([runner, runnerVersion, model, upstreams, launcher, proxyVersion], rep) =>
      record({ condition: 'baseline', task: 't', rep, runner, runnerVersion, launcher, runnerReported: { model }, env: { upstreams, proxyVersion } }));
    const p = provenanceOf(recs);
    assert.deepEqual(p.models, [{ alias: 'A', upstreams: ['real/y', 'sim/w', 'sim/x'] }, { alias: 'B', upstreams: ['real/y', 'sim/x'] }]);
    assert.deepEqual(p.runners, [{ name: 'claude', versions: ['v1', 'v2'] }, { name: 'opencode', versions: ['v1', 'v2'] }]);
    assert.deepEqual(p.launchers, ['gce', 'local']);
    assert.deepEqual(p.proxyVersions, ['0.1.0', '0.2.0']);
    assert.deepEqual(provenanceOf([...recs].reverse()), p, 'the order of the records does not matter');
  });

  test('real upstreams get no banner; a mix is "partly simulated"; records without upstreams are not called real', () => {
    const real = recs.map((r) => ({ ...r, env: { ...r.env, upstreams: ['anthropic/claude-sonnet-4-5'] } }));
    const rReal = buildReport(loaded(real), FAST);
    assert.equal(rReal.provenance.simulated, 'none');
    assert.doesNotMatch(renderMarkdown(rReal), /SIMULATED/);
    const mixed = real.map((r, i) => (i % 2 ? r : { ...r, env: { ...r.env, upstreams: ['sim/claude-sonnet-4-5'] } }));
    const rMixed = buildReport(loaded(mixed), FAST);
    assert.equal(rMixed.provenance.simulated, 'some');
    assert.match(renderMarkdown(rMixed), /PARTLY SIMULATED/);
    const old = recs.map((r) => ({ ...r, env: { image: 'x' } }));
    const rOld = buildReport(loaded(old), FAST);
    assert.equal(rOld.provenance.simulated, 'unknown');
    assert.match(renderMarkdown(rOld), /shared-model → backend not recorded/);
  });

  test('the glossary explains every metric shown and the markers', async () => {
    const r = buildReport(loaded(recs), FAST);
    const md = renderMarkdown(r);
    const glossary = md.slice(md.indexOf('## Glossary'));
    assert.ok(md.indexOf('## Glossary') > 0);
    for (const label of ['wall time', 'input tokens', 'cache-read tokens', 'cost', 'success rate']) assert.match(glossary, new RegExp(`^- \\*\\*${label}\\*\\*: `, 'm'), label);
    assert.match(glossary, /input tokens\*\*: prompt tokens of every call, cached tokens included/);
    for (const marker of ['q', 'Holm p', 'n=6\\+6', 'inconclusive \\(~\\)', '±∞']) assert.match(glossary, new RegExp(`^- \\*\\*${marker}\\*\\*: `, 'm'), marker);
    const html = await renderHtml(r);
    assert.match(html, /<dl class="glossary"><dt>wall time<\/dt>/);
  });
});

describe('runs.csv', () => {
  test('one row per record, units in the column names, every row as wide as the header, quoted fields', async () => {
    const recs = [
      record({ condition: 'baseline', task: 'a', rep: 1, wallMs: 12_345, ttftMs: 250, env: { upstreams: ['sim/m'] } }),
      record({ condition: 'c1', task: 'a', rep: 1, outcome: 'error', ttftMs: null, runnerReported: { error: 'exit 2: "bad", really' } }),
      record({ condition: 'c1', task: 'a', rep: 2, outcome: 'infra', attempt: 2 }),
    ];
    const csv = renderRunsCsv(recs);
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(lines.length, 1 + 3);
    const header = lines[0]!.split(',');
    for (const col of ['run_id', 'outcome', 'used', 'wall_s', 'model_s', 'ttft_s', 'proxy_overhead_ms', 'input_tokens', 'cache_read_tokens', 'cost_usd', 'attempt', 'error']) assert.ok(header.includes(col), col);
    const row = (i: number): Record<string, string> => {
      // naive split is fine for rows without quoted commas; row 2 has one, checked by the quoting below
      const cells = lines[i]!.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, ''));
      return Object.fromEntries(header.map((h, k) => [h, cells[k] ?? '']));
    };
    assert.equal(row(1)['wall_s'], '12.345');
    assert.equal(row(1)['ttft_s'], '0.25');
    assert.equal(row(1)['used'], 'true');
    assert.equal(row(1)['upstreams'], 'sim/m');
    assert.equal(row(2)['ttft_s'], '', 'no value is an empty field, not 0');
    assert.equal(row(2)['error'], '"exit 2: ""bad"", really"');
    assert.equal(row(3)['used'], 'false');
    assert.equal(row(3)['attempt'], '2');
    const dir = await mkdtemp(join(tmpdir(), 'agentab-runs-'));
    const paths = await writeReport(buildReport(loaded(recs), FAST), ['csv', 'runs'], dir, recs);
    assert.deepEqual(paths.map((p) => p.slice(dir.length + 1)), ['report.csv', 'runs.csv']);
    assert.equal(await readFile(join(dir, 'runs.csv'), 'utf8'), csv);
  });
});

describe('HTML at scale', () => {
  test('1,000 tasks: renders (no stack overflow), plots capped to the most-changed tasks and say so, every task in the tables', async () => {
    const tasks = Array.from({ length: 1000 }, (_, i) => ({ task: `t${String(i).padStart(4, '0')}`, scale: 10_000 + i }));
    const recs = synthRecords({ seed: 5, tasks, conditions: { baseline: 1, c1: 0.9 }, reps: 3 });
    const r = buildReport(loaded(recs), { ...FAST, metrics: ['wall', 'input'] });
    const html = await renderHtml(r);
    assert.ok(html.length < 20e6, `${(html.length / 1e6).toFixed(1)} MB`);
    assert.equal((html.match(/<svg/g) ?? []).length, reportPlots(r).length);
    for (const id of ['forest-wall', 'strip-wall', 'forest-input', 'strip-input']) {
      const fig = html.slice(html.indexOf(`<figure id="${id}"`), html.indexOf('</figure>', html.indexOf(`<figure id="${id}"`)));
      assert.match(fig, new RegExp(`${MAX_PLOT_TASKS} of 1,000 task rows: those with the largest change`), id);
    }
    const strip = reportPlots(r).find((p) => p.id === 'strip-wall')!;
    const shownTasks = new Set(((strip.spec as { data: { values: { task: string }[] } }).data.values).map((v) => v.task));
    assert.equal(shownTasks.size, MAX_PLOT_TASKS);
    for (const t of ['t0000', 't0500', 't0999']) assert.ok(html.includes(`<td>${t}</td>`), `${t} in the tables`);
  });

  test('each format is written on its own: one that fails (here html) does not stop those after it, and the error names it', async () => {
    const recs = synthRecords({ seed: 8, tasks: [{ task: 'a', scale: 5000 }], conditions: { baseline: 1, c1: 0.9 }, reps: 6 });
    const r = buildReport(loaded(recs), { ...FAST, metrics: ['wall'] });
    const dir = await mkdtemp(join(tmpdir(), 'agentab-formats-'));
    await mkdir(join(dir, 'report.html')); // a directory where the file should go: its write fails
    await assert.rejects(writeReport(r, ['html', 'md', 'json', 'runs'], dir, recs), (e: Error) => {
      assert.match(e.message, /^could not write 1 report format\(s\): html: EISDIR/);
      assert.match(e.message, /written: .*report\.md, .*report\.json, .*runs\.csv\)$/);
      return true;
    });
    for (const f of ['report.md', 'report.json', 'runs.csv']) assert.ok((await stat(join(dir, f))).size > 0, f);
  });

  test('cells with many runs show quantiles, not every run, and say so', () => {
    const recs = synthRecords({ seed: 6, tasks: [{ task: 'a', scale: 5000 }], conditions: { baseline: 1, c1: 0.9 }, reps: 400 });
    const r = buildReport(loaded(recs), { ...FAST, metrics: ['wall'] });
    const strip = reportPlots(r).find((p) => p.id === 'strip-wall')!;
    const drawn = stripRows(strip).filter((v) => v.value !== undefined);
    assert.equal(drawn.filter((v) => v.condition === 'baseline').length, MAX_STRIP_POINTS);
    const runs = r.cells.reduce((n, c) => n + c.metrics['wall']!.n, 0);
    assert.match(strip.note ?? '', new RegExp(`^Shows 100 of the ${runs} runs: at most 50 per cell, evenly spaced quantiles of its runs\\. Boxes, medians and the tables use every run`));
  });

  test('a strip plot past its point budget draws fewer quantiles per cell, says how many of how many, and boxes every run', async () => {
    // 30 tasks × 2 conditions = 60 cells of 40 runs: 2,400 runs, more than the plot draws
    const tasks = Array.from({ length: MAX_PLOT_TASKS }, (_, i) => ({ task: `t${String(i).padStart(2, '0')}`, scale: 5000 + 100 * i }));
    const recs = synthRecords({ seed: 9, tasks, conditions: { baseline: 1, c1: 0.9 }, reps: 40 });
    const r = buildReport(loaded(recs), { ...FAST, metrics: ['wall'] });
    const strip = reportPlots(r).find((p) => p.id === 'strip-wall')!;
    const rows = stripRows(strip);
    const perCell = stripPointsPerCell(r.cells.length);
    assert.ok(perCell < MAX_STRIP_POINTS && perCell >= MIN_STRIP_POINTS, `${perCell} points per cell`);
    const drawn = rows.filter((v) => v.value !== undefined);
    assert.ok(drawn.length <= MAX_STRIP_POINTS_PER_PLOT, `${drawn.length} points drawn`);
    const runs = r.cells.reduce((n, c) => n + c.metrics['wall']!.n, 0);
    assert.equal(drawn.length, perCell * r.cells.length, 'every cell has more runs than it draws');
    assert.ok(runs > drawn.length);
    const html = await renderHtml(r);
    const at = html.indexOf('<figure id="strip-wall"');
    const figure = html.slice(at, html.indexOf('</figure>', at));
    assert.ok(figure.includes(`Shows ${drawn.length.toLocaleString('en-US')} of the ${runs.toLocaleString('en-US')} runs: at most ${perCell} per cell`), figure.slice(-600));
    assert.match(figure, /<figcaption>wall time \(s\): runs, per task/);
    // the boxes come from every run, not from the quantiles drawn
    for (const c of r.cells) {
      const summary = rows.find((v) => v.task === c.task && v.condition === c.condition && v.median !== undefined)!;
      const sorted = Float64Array.from(c.metrics['wall']!.samples.filter((x): x is number => x !== null)).sort();
      const seconds = (ms: number): number => ms / 1000;
      const close = (a: number | undefined, b: number): boolean => a !== undefined && Math.abs(a - b) <= 1e-12 * Math.abs(b);
      assert.ok(close(summary.median, seconds(c.metrics['wall']!.median!)), `${c.task} ${c.condition} median`);
      assert.ok(close(summary.q1, seconds(quantileSorted(sorted, 0.25))), `${c.task} ${c.condition} q1`);
      assert.ok(close(summary.q3, seconds(quantileSorted(sorted, 0.75))), `${c.task} ${c.condition} q3`);
      // whiskers end on runs within 1.5 IQR of the box
      const iqr = quantileSorted(sorted, 0.75) - quantileSorted(sorted, 0.25);
      const whiskerLow = sorted.find((x) => x >= quantileSorted(sorted, 0.25) - 1.5 * iqr)!;
      const whiskerHigh = [...sorted].reverse().find((x) => x <= quantileSorted(sorted, 0.75) + 1.5 * iqr)!;
      assert.ok(close(summary.lower, seconds(whiskerLow)) && close(summary.upper, seconds(whiskerHigh)), `${c.task} ${c.condition} whiskers`);
    }
  });

  test('a small report draws every run and says nothing about thinning', () => {
    const recs = synthRecords({ seed: 10, tasks: [{ task: 'a', scale: 5000 }, { task: 'b', scale: 9000 }], conditions: { baseline: 1, c1: 0.9 }, reps: 6 });
    const r = buildReport(loaded(recs), { ...FAST, metrics: ['wall'] });
    const strip = reportPlots(r).find((p) => p.id === 'strip-wall')!;
    // drawn in seconds, recorded in whole milliseconds
    const drawn = stripRows(strip).filter((v) => v.value !== undefined).map((v) => Math.round(v.value! * 1000)).sort((a, b) => a - b);
    const runs = r.cells.flatMap((c) => c.metrics['wall']!.samples.filter((x): x is number => x !== null)).sort((a, b) => a - b);
    assert.deepEqual(drawn, runs);
    assert.equal(strip.note, undefined);
    assert.match(strip.title, /: every run, per task; boxes from 5 runs$/);
  });
});

/** The rows of a strip plot's data: drawn runs (`value`), one summary per cell (`median`, box), pads. */
function stripRows(plot: Plot): { task: string; condition: string; value?: number; median?: number; q1?: number; q3?: number; lower?: number; upper?: number }[] {
  return (plot.spec as { data: { values: ReturnType<typeof stripRows> } }).data.values;
}

describe('HTML layout', () => {
  const recs = synthRecords({ seed: 7, tasks: [{ task: 'a', scale: 5000 }, { task: 'b', scale: 9000 }], conditions: { baseline: 1, c1: 0.9, c2: 1.1 }, reps: 6 });

  test('one colour per condition in every plot, the baseline\'s included, whatever the plot leaves out', () => {
    const r = buildReport(loaded(recs), { ...FAST, metrics: ['wall'] });
    const palette = conditionColors(r);
    assert.deepEqual(palette.domain, ['baseline', 'c1', 'c2']);
    const scales: unknown[] = [];
    const walk = (x: unknown): void => {
      if (!x || typeof x !== 'object') return;
      const o = x as Record<string, unknown>;
      if (o['field'] === 'condition' && o['scale'] && (o['legend'] !== undefined)) scales.push(o['scale']);
      for (const v of Object.values(o)) walk(v);
    };
    const plots = reportPlots(r);
    for (const p of plots) walk(p.spec);
    assert.ok(scales.length >= plots.length, 'every plot colours by condition');
    for (const s of scales) assert.deepEqual(s, palette, 'the same domain → colour mapping everywhere');
  });

  test('a table of contents links every section', async () => {
    const html = await renderHtml(buildReport(loaded(recs), { ...FAST, metrics: ['wall'] }));
    const nav = html.match(/<nav class="toc"[^]*?<\/nav>/)?.[0] ?? '';
    const links = [...nav.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]);
    const ids = [...html.matchAll(/<h2 id="([^"]+)">/g)].map((m) => m[1]);
    assert.ok(ids.length >= 5);
    assert.deepEqual(links, ids);
    assert.equal(new Set(ids).size, ids.length, 'ids are unique');
    assert.ok(ids.includes('s-verdicts') && ids.includes('s-glossary'));
  });
});
