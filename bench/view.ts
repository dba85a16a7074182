/**
 * How fast `agentab view` opens a big run: a synthetic 10,000-cell run built from a real pilot
 * run's records, spend lines and cell files (test/view/fixtures/pilot-a, cell ids and reps
 * renumbered), served by the real server and opened in headless Chromium. Prints the time from
 * a click (in-app navigation) and from a fresh page load to the overview's verdicts on screen —
 * for a finished run (its report.json, as run-matrix writes it) and for a run whose report must
 * be computed — and to a cell page's calls on screen, against the time to fetch the JSON alone.
 * Only the cells that are opened get cell directories (the overview does not read them).
 *
 * Page times are taken inside the page: from the click event (or the navigation's start, for a
 * fresh load) to the frame after the awaited element entered the DOM — what a user waits. The
 * time Playwright's click() takes around it (its actionability checks: hover, two stable
 * animation frames, a hit test — hundreds of ms on a loaded machine) is reported beside it.
 *
 *   npx tsx bench/view.ts [--cells 10000] [--opens 5]
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { chromium } from 'playwright-core';
import { silentLogger } from '../src/util/log.ts';
import { startViewServer } from '../src/view/server.ts';

const { values } = parseArgs({ options: { cells: { type: 'string', default: '10000' }, opens: { type: 'string', default: '5' } } });
const CELLS = Number(values.cells);
const OPENS = Number(values.opens);
const FIXTURE = path.resolve(import.meta.dirname, '..', 'test', 'view', 'fixtures', 'pilot-a');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

async function buildRun(root: string, opened: (index: number) => boolean): Promise<{ dir: string; cells: string[] }> {
  const records = (await readFile(path.join(FIXTURE, 'records.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown> & { cell: string; rep: number });
  const spend = (await readFile(path.join(FIXTURE, 'spend.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown> & { cell: string; id: string });
  const runId = '20990101-000000-big0';
  const dir = path.join(root, 'pilot', runId);
  await mkdir(path.join(dir, 'cells'), { recursive: true });
  const manifest = JSON.parse(await readFile(path.join(FIXTURE, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, runId, cells: CELLS }));
  const recordLines: string[] = [];
  const spendLines: string[] = [];
  const cells: string[] = [];
  const reps = Math.ceil(CELLS / records.length);
  const cellFiles = await readdir(path.join(FIXTURE, 'cells'));
  for (let rep = 0; rep < reps; rep++) {
    for (const [i, r] of records.entries()) {
      if (cells.length >= CELLS) break;
      const cell = `${r.cell.slice(0, 6)}${String(rep).padStart(6, '0')}`;
      cells.push(cell);
      // jitter the metrics a little so the statistics have variance to chew on
      const f = 1 + (((rep * 7919 + i * 104729) % 1000) / 1000 - 0.5) * 0.2;
      recordLines.push(JSON.stringify({ ...r, runId, cell, rep: rep + 1, block: rep * 8 + (r.block as number ?? 0), wallMs: (r.wallMs as number) * f, modelMs: (r.modelMs as number) * f }));
      for (const s of spend) if (s.cell === r.cell) spendLines.push(JSON.stringify({ ...s, cell, run: runId, id: `${s.id}-${rep}` }));
      if (opened(cells.length - 1) && cellFiles.includes(r.cell)) await cp(path.join(FIXTURE, 'cells', r.cell), path.join(dir, 'cells', cell), { recursive: true });
    }
  }
  await writeFile(path.join(dir, 'spend.jsonl'), spendLines.join('\n') + '\n');
  await writeFile(path.join(dir, 'records.jsonl'), recordLines.join('\n') + '\n');
  return { dir, cells };
}

declare global {
  interface Window {
    __agentabBenchWait?: Promise<number>;
  }
}

/**
 * Script that arms the page to time the next click (or, with `fromNavigation`, the page's load):
 * window.__agentabBenchWait resolves with ms from the click event / navigation start to the
 * frame after `selector` is in the DOM. A string, not a function: tsx would wrap the function's
 * inner names with a helper the page does not have.
 */
const armInPageTimer = (selector: string, fromNavigation: boolean): string => `
window.__agentabBenchWait = new Promise((resolve) => {
  const selector = ${JSON.stringify(selector)};
  const watch = (t0) => {
    const done = () => requestAnimationFrame(() => resolve(performance.now() - t0));
    if (document.querySelector(selector)) return done();
    const observer = new MutationObserver(() => {
      if (!document.querySelector(selector)) return;
      observer.disconnect();
      done();
    });
    observer.observe(document.documentElement, { childList: true, subtree: true });
  };
  if (${fromNavigation}) watch(0);
  else addEventListener('click', () => watch(performance.now()), { capture: true, once: true });
});`;

const root = await mkdtemp(path.join(tmpdir(), 'agentab-view-bench-'));
try {
  const t0 = performance.now();
  const loadBefore = loadavg().map((x) => x.toFixed(1)).join(' ');
  const openedAt = new Set(Array.from({ length: OPENS }, (_, i) => Math.floor(((i + 1) * CELLS) / (OPENS + 1))));
  const { dir, cells } = await buildRun(root, (i) => openedAt.has(i));
  process.stdout.write(`built a ${cells.length}-cell run in ${((performance.now() - t0) / 1000).toFixed(1)} s (load average ${loadavg().map((x) => x.toFixed(1)).join(' ')})\n`);
  const view = await startViewServer({ inputs: [root], port: 0, log: silentLogger });
  const base = view.url.replace(/\/$/, '');
  const key = view.store.summaries()[0]?.key as string;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // the app itself (script bundle) once, so page timings are about data, not the first bundle
  await page.goto(base + '/');
  await page.locator('table.runs').waitFor({ timeout: 120_000 });

  const runsPage = async (at = base): Promise<void> => {
    await page.goto(`${at}/#/`);
    await page.locator('table.runs tbody tr').first().waitFor({ timeout: 120_000 });
  };
  interface Timing {
    /** In the page: click event (or navigation start) → the frame after the element appeared. */
    page: number;
    /** Around Playwright's click() or goto(), to the same element seen by Playwright. */
    driver: number;
  }
  /** Clicks `link` and waits for `selector`, timed in the page and around the driver. */
  const timedClick = async (link: string, selector: string): Promise<Timing> => {
    await page.evaluate(armInPageTimer(selector, false));
    const s = performance.now();
    await page.locator(link).first().click();
    await page.locator(selector).first().waitFor({ timeout: 300_000 });
    const driver = performance.now() - s;
    return { page: await page.evaluate(() => window.__agentabBenchWait as Promise<number>), driver };
  };
  /** From the run list, click the run: in-app navigation, as a user does. */
  const clickOverview = async (at = base): Promise<Timing> => {
    await runsPage(at);
    return timedClick('table.runs tbody tr a', '.verdict-block');
  };
  /** A pasted link: a fresh page load straight onto the overview (timed from the navigation's start). */
  const loadOverview = async (at: string): Promise<Timing> => {
    await page.goto('about:blank');
    const s = performance.now();
    await page.goto(`${at}/#/run/${key}`);
    await page.locator('.verdict-block').first().waitFor({ timeout: 300_000 });
    const driver = performance.now() - s;
    return { page: await page.evaluate(() => window.__agentabBenchWait as Promise<number>), driver };
  };
  const timeJson = async (url: string): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < OPENS; i++) {
      const s = performance.now();
      await (await fetch(url)).json();
      out.push(performance.now() - s);
    }
    return out;
  };
  const computedFirst = await clickOverview();
  const computedLater: Timing[] = [];
  for (let i = 0; i < OPENS; i++) computedLater.push(await clickOverview());
  // a finished run: run-matrix has written report.json (newer than records.jsonl)
  const { buildReport } = await import('../src/report/analyze.ts');
  const { poolRecords } = await import('../src/report/load.ts');
  const { readRecordsFile } = await import('../src/experiment/records-store.ts');
  const recs = (await readRecordsFile(path.join(dir, 'records.jsonl'))).records;
  const tReport = performance.now();
  const report = buildReport(poolRecords([{ path: dir, records: recs }]));
  const reportMs = performance.now() - tReport;
  await writeFile(path.join(dir, 'report.json'), JSON.stringify(report));
  const view2 = await startViewServer({ inputs: [root], port: 0, log: silentLogger });
  const base2 = view2.url.replace(/\/$/, '');
  const finishedFirst = await clickOverview(base2);
  const finishedLater: Timing[] = [];
  for (let i = 0; i < OPENS; i++) finishedLater.push(await clickOverview(base2));
  // every load of a page arms the timer from its navigation's start
  await page.addInitScript({ content: armInPageTimer('.verdict-block', true) });
  const loads: Timing[] = [];
  for (let i = 0; i < OPENS; i++) loads.push(await loadOverview(base2));
  const overviewJson = await timeJson(`${base2}/api/runs/${key}`);
  await view2.close();
  const cellClicks: Timing[] = [];
  const cellFetch: number[] = [];
  for (const index of openedAt) {
    const cell = cells[index] as string;
    await page.goto(`${base}/#/run/${key}/cells?q=${cell}`);
    await page.locator(`table.cells a[href$="/cell/${cell}"]`).waitFor({ timeout: 60_000 });
    cellClicks.push(await timedClick(`table.cells a[href$="/cell/${cell}"]`, 'table.calls, p.meta.no-calls'));
    cellFetch.push(...(await timeJson(`${base}/api/runs/${key}/cells/${cell}`)).slice(0, 1));
  }
  await browser.close();
  await view.close();
  const ms = (x: number): string => `${Math.round(x).toLocaleString('en-US')} ms`;
  const both = (ts: Timing[]): string => `${ms(median(ts.map((t) => t.page)))} | ${ms(median(ts.map((t) => t.driver)))}`;
  process.stdout.write(
    [
      '',
      `| ${cells.length.toLocaleString('en-US')}-cell run (median of ${OPENS} opens) | in the page | around Playwright | goal |`,
      '|---|---:|---:|---:|',
      `| finished run (report.json): click → overview on screen, first | ${both([finishedFirst])} | < 2 s |`,
      `| finished run: click → overview on screen, later | ${both(finishedLater)} | < 2 s |`,
      `| finished run: pasted link, fresh page load → overview on screen | ${both(loads)} | < 2 s |`,
      `| overview JSON alone | | ${ms(median(overviewJson))} | |`,
      `| run without report.json: first click (report computed: ${ms(reportMs)} in-process) | ${both([computedFirst])} | |`,
      `| run without report.json: later clicks (cached) | ${both(computedLater)} | < 2 s |`,
      `| click → cell page on screen (calls shown) | ${both(cellClicks)} | < 300 ms |`,
      `| cell JSON alone | | ${ms(median(cellFetch))} | |`,
      `load average before ${loadBefore}, after ${loadavg().map((x) => x.toFixed(1)).join(' ')}`,
      '',
    ].join('\n'),
  );
} finally {
  await rm(root, { recursive: true, force: true });
}
