/**
 * Where the time went, on two real pilot runs (claude and opencode through the proxy, checked in
 * under test/view/fixtures): their records predate decompositions, so the report computes them
 * from the cells' spend lines and transcripts, splits each condition's time, states the change
 * against the baseline, and draws the slowest cell of each group as a waterfall.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunRecord } from '../../src/experiment/run-record.ts';
import { renderHtml } from '../../src/report/html.ts';
import { loadRecords } from '../../src/report/load.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import type { Report } from '../../src/report/model.ts';
import { buildTimedReport } from '../../src/report/timed-report.ts';
import { readCellTimelines } from '../../src/report/cell-timelines.ts';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'view', 'fixtures');
const RUNS = [path.join(fixtures, 'pilot-a'), path.join(fixtures, 'pilot-b')];
const OPTIONS = { resamples: 2000, seed: 7 };

let cached: Promise<{ report: Report; records: RunRecord[] }> | undefined;
function pilotReport(): Promise<{ report: Report; records: RunRecord[] }> {
  cached ??= (async () => {
    const loaded = await loadRecords(RUNS);
    const report = await buildTimedReport(loaded, OPTIONS);
    // the decompositions as the trace module computes them from each cell, independently of the report
    const timelines = await readCellTimelines(loaded.sources, loaded.records);
    const records = loaded.records.map((r) => ({ ...r, decomposition: timelines.get(`${r.runId}/${r.cell}`)!.decomposition }));
    return { report, records };
  })();
  return cached;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

describe('report: where the time went (real pilot runs)', () => {
  test('records without a decomposition get one from their cell directory, and the report says so', async () => {
    const loaded = await loadRecords(RUNS);
    assert.equal(loaded.records.length, 32);
    assert.ok(loaded.records.every((r) => !r.decomposition), 'the fixture records predate decompositions');
    const { report } = await pilotReport();
    assert.ok(report.notes.some((n) => n.startsWith('32 record(s) written before agentab recorded timelines')), report.notes.join('\n'));
    assert.ok(report.options.metrics.includes('tool') && report.options.metrics.includes('harness'), 'tool and harness time are compared');
    assert.ok(report.headlines.some((h) => h.metric === 'tool'));
  });

  test('per runner × condition: part times and shares from the runs, tasks weighted equally; shares sum to 1', async () => {
    const { report, records } = await pilotReport();
    assert.deepEqual(report.timeSplit.map((s) => `${s.runner}/${s.condition}`), ['claude/baseline', 'claude/c1', 'opencode/baseline', 'opencode/c1']);
    for (const s of report.timeSplit) {
      const mine = records.filter((r) => r.runner === s.runner && r.condition === s.condition && r.outcome === 'pass');
      assert.equal(s.runs, mine.length);
      assert.equal(s.tiled, mine.filter((r) => r.decomposition!.withinTolerance).length);
      assert.deepEqual(s.tasks, ['fix-test', 'rename-function', 'summarise-doc', 'write-file']);
      const perTask = s.tasks.map((t) => mine.filter((r) => r.task === t).map((r) => r.decomposition!));
      const expectMs = perTask.reduce((sum, ds) => sum + median(ds.map((d) => d.toolMs)), 0) / perTask.length;
      const expectShare = perTask.reduce((sum, ds) => sum + ds.reduce((x, d) => x + d.shares.model, 0) / ds.length, 0) / perTask.length;
      assert.ok(Math.abs(s.parts.tool.ms - expectMs) < 1e-9, `${s.condition} tool ms ${s.parts.tool.ms} vs ${expectMs}`);
      assert.ok(Math.abs(s.parts.model.share - expectShare) < 1e-9);
      const total = s.parts.model.share + s.parts.tool.share + s.parts.harness.share + s.parts.other.share;
      assert.ok(Math.abs(total - 1) < 0.002, `shares of ${s.runner}/${s.condition} sum to ${total}`);
    }
  });

  test('each condition\'s change is the matching headline, and the sentence says it in words', async () => {
    const { report } = await pilotReport();
    for (const s of report.timeSplit) {
      if (s.condition === 'baseline') {
        assert.equal(s.change, null);
        assert.equal(s.summary, null);
        continue;
      }
      assert.equal(s.change?.length, 3);
      for (const c of s.change!) {
        const h = report.headlines.find((x) => x.runner === s.runner && x.condition === s.condition && x.metric === c.part)!;
        assert.equal(c.ratio, h.ratio);
        assert.equal(c.verdict, h.verdict);
        assert.deepEqual([c.lo, c.hi], [h.lo, h.hi]);
      }
      const model = s.change![0]!;
      const pct = Math.round(Math.abs(model.ratio! - 1) * 100);
      const words = pct === 0 ? 'about the same time in the model' : `${pct} % ${model.ratio! < 1 ? 'less' : 'more'} time in the model`;
      assert.ok(s.summary!.startsWith(`c1 spends ${words} (`), s.summary!);
      assert.match(s.summary!, / in tools \(.*\) and .* in the harness \(.*\) than baseline\.$/);
    }
  });

  test('without the tool metric, the change is a point estimate and says so', async () => {
    const loaded = await loadRecords(RUNS);
    const report = await buildTimedReport(loaded, { ...OPTIONS, metrics: ['wall', 'model'] });
    const c1 = report.timeSplit.find((s) => s.runner === 'claude' && s.condition === 'c1')!;
    const tool = c1.change!.find((c) => c.part === 'tool')!;
    assert.equal(tool.verdict, null);
    assert.equal(tool.lo, null);
    assert.ok(tool.ratio !== null && tool.ratio > 0);
    assert.match(c1.summary!, /in tools \(point estimate, no interval\)/);
  });

  test('the slowest used run of every group gets a waterfall with its phases, model calls and tool calls', async () => {
    const { report, records } = await pilotReport();
    const wf = report.waterfalls!;
    assert.equal(wf.length, 16);
    for (const w of wf) {
      const group = records.filter((r) => r.runner === w.runner && r.condition === w.condition && r.task === w.task);
      const slowest = group.reduce((a, b) => (b.wallMs > a.wallMs ? b : a));
      assert.equal(w.cell, slowest.cell);
      assert.equal(w.runId, slowest.runId);
      assert.equal(w.groupRuns, group.length);
      const count = (k: string): number => w.spans.filter((s) => s.kind === k).length;
      assert.equal(count('model'), w.decomposition.modelCalls);
      assert.equal(count('tool'), w.decomposition.toolCalls);
      assert.ok(w.decomposition.toolCalls > 0, `${w.cell} made tool calls`);
      assert.ok(w.spans.some((s) => s.kind === 'phase' && s.name === 'runner'));
      for (const s of w.spans) assert.ok(s.endMs >= s.startMs && s.startMs >= -1000 && s.endMs <= w.wallMs + 1000, `${s.name} inside the cell`);
      assert.equal(w.omitted, 0);
    }
  });

  test('Markdown: the time split, the sentences and one line per slowest cell', async () => {
    const { report } = await pilotReport();
    const md = renderMarkdown(report);
    const section = md.slice(md.indexOf('## Where the time went'), md.indexOf('## wall time'));
    assert.match(section, /^\| condition \| wall \| model \| tools \| harness \| other \| tiled \|$/m);
    assert.match(section, /^\| \*\*c1\*\* \| [\d.]+(s|min) \| [\d.]+m?s · [\d.]+% /m);
    assert.equal((section.match(/^- c1 spends /gm) ?? []).length, 2, 'one sentence per runner');
    assert.ok(md.indexOf('## Where the time went') < md.indexOf('## wall time'), 'right after the verdicts');
    const slow = md.slice(md.indexOf('## Slowest cell of each group'), md.indexOf('## Cell details'));
    assert.equal((slow.match(/^- (claude|opencode) · /gm) ?? []).length, 16);
  });

  test('HTML: a waterfall per group, rendered as inline SVG with the span names on its rows', async () => {
    const { report } = await pilotReport();
    const html = await renderHtml(report);
    assert.match(html, /<h2 id="time-split">Where the time went<\/h2>/);
    const figures = html.split('<figure id="waterfall-').slice(1);
    assert.equal(figures.length, 16);
    for (const f of figures) {
      assert.match(f, /<svg[^>]*>/);
      assert.match(f, />runner</, 'the runner phase is a row');
      assert.match(f, />call 1 /, 'the first model call is a row');
      assert.match(f, />tool 1 /, 'the first tool call is a row');
    }
    assert.doesNotMatch(html, /<script/i);
  });

  test('records whose cells are not at hand: no waterfalls and no decomposition, no time split, no error', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'agentab-timesplit-'));
    const file = path.join(dir, 'records.jsonl');
    await copyFile(path.join(RUNS[0]!, 'records.jsonl'), file);
    const report = await buildTimedReport(await loadRecords([file]), OPTIONS);
    assert.deepEqual(report.waterfalls, []);
    assert.deepEqual(report.timeSplit, []);
    assert.ok(!report.options.metrics.includes('tool'));
    const md = renderMarkdown(report);
    assert.doesNotMatch(md, /Where the time went|Slowest cell/);
    assert.ok((await readFile(file, 'utf8')).length > 0);
  });
});
