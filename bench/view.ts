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
 * Every step is announced on stderr and bounded (--step-limit seconds, default 180): a step that
 * hangs fails the bench with its name instead of leaving it silent. (It once hung for minutes:
 * the in-page timer's arming script returned its promise, which page.evaluate awaited, and the
 * viewer's close() waited on an EventSource that reopened on a kept-alive connection.)
 *
 *   npx tsx bench/view.ts [--cells 10000] [--opens 5] [--step-limit 180] [--out bench/results] [--verbose]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { chromium, type Browser } from 'playwright-core';
import { buildBigRun } from './lib/big-run.ts';
import { silentLogger } from '../src/util/log.ts';
import { startViewServer, type ViewServer } from '../src/view/server.ts';
import { median } from './lib/latency.ts';

const { values } = parseArgs({
  options: { cells: { type: 'string', default: '10000' }, opens: { type: 'string', default: '5' }, 'step-limit': { type: 'string', default: '180' }, out: { type: 'string' }, verbose: { type: 'boolean', default: false } },
});
const CELLS = Number(values.cells);
const OPENS = Number(values.opens);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

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
    observer.observe(document, { childList: true, subtree: true });
  };
  if (${fromNavigation}) watch(0);
  else addEventListener('click', () => watch(performance.now()), { capture: true, once: true });
});
undefined; // the script's value: not the promise above, which page.evaluate would wait for`;

const benchStart = performance.now();
const STEP_LIMIT_MS = Number(values['step-limit']) * 1000;
const load = (): string => loadavg().map((x) => x.toFixed(1)).join(' ');
const progress = (what: string): void => void process.stderr.write(`[view bench ${((performance.now() - benchStart) / 1000).toFixed(1)} s, load ${load()}] ${what}\n`);

/** Runs one step of the bench, announced on stderr, failing with its name if it takes longer than the limit. */
async function step<T>(what: string, work: () => Promise<T>, limitMs = STEP_LIMIT_MS): Promise<T> {
  progress(what);
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`view bench: step "${what}" did not finish within ${limitMs / 1000} s (load average ${load()})`)), limitMs);
  });
  try {
    return await Promise.race([work(), limit]);
  } finally {
    clearTimeout(timer);
  }
}

interface Timing {
  /** In the page: click event (or navigation start) → the frame after the element appeared. */
  page: number;
  /** Around Playwright's click() or goto(), to the same element seen by Playwright. */
  driver: number;
}

const root = await mkdtemp(path.join(tmpdir(), 'agentab-view-bench-'));
const cacheDir = `${root}-report-cache`;
let browser: Browser | undefined;
const servers: ViewServer[] = [];
let failed = false;
try {
  const loadBefore = load();
  const openedAt = new Set(Array.from({ length: OPENS }, (_, i) => Math.floor(((i + 1) * CELLS) / (OPENS + 1))));
  const t0 = performance.now();
  const { dir, cells } = await step(`build a ${CELLS}-cell run`, () => buildBigRun(root, CELLS, (i) => openedAt.has(i)));
  const buildMs = performance.now() - t0;
  // the viewers' report cache (as ~/.cache/agentab/view-reports), outside the results
  const view = await step('start the viewer', () => startViewServer({ inputs: [root], port: 0, log: silentLogger, reportCacheDir: cacheDir }));
  servers.push(view);
  const base = view.url.replace(/\/$/, '');
  const key = view.store.summaries()[0]?.key as string;
  browser = await step('launch Chromium', () => chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS }));
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(STEP_LIMIT_MS);
  if (values.verbose) {
    page.on('request', (r) => progress(`request ${r.url()}`));
    page.on('requestfinished', (r) => progress(`finished ${r.url()}`));
  }
  // the app itself (script bundle) once, so page timings are about data, not the first bundle
  await step('open the app', async () => {
    await page.goto(base + '/');
    await page.locator('table.runs').waitFor();
  });

  const runsPage = async (at: string): Promise<void> => {
    await page.goto(`${at}/#/`);
    await page.locator('table.runs tbody tr').first().waitFor();
  };
  /** Clicks `link` and waits for `selector`, timed in the page and around the driver. */
  const timedClick = async (link: string, selector: string): Promise<Timing> => {
    await page.evaluate(armInPageTimer(selector, false));
    const s = performance.now();
    await page.locator(link).first().click();
    await page.locator(selector).first().waitFor();
    const driver = performance.now() - s;
    return { page: await page.evaluate(() => window.__agentabBenchWait as Promise<number>), driver };
  };
  /** From the run list, click the run: in-app navigation, as a user does. */
  const clickOverview = (at: string): Promise<Timing> =>
    runsPage(at).then(() => timedClick('table.runs tbody tr a', '.verdict-block'));
  /** A pasted link: a fresh page load straight onto the overview (timed from the navigation's start). */
  const loadOverview = async (at: string): Promise<Timing> => {
    await page.goto('about:blank');
    const s = performance.now();
    await page.goto(`${at}/#/run/${key}`);
    await page.locator('.verdict-block').first().waitFor();
    const driver = performance.now() - s;
    return { page: await page.evaluate(() => window.__agentabBenchWait as Promise<number>), driver };
  };
  /** The server's own time of each JSON answer (its Server-Timing header), across the bench. */
  const serverMs: Record<string, number[]> = {};
  const timeJson = async (url: string, times = OPENS, label = 'json'): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < times; i++) {
      const s = performance.now();
      const res = await fetch(url);
      if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
      await res.json();
      out.push(performance.now() - s);
      const app = /app;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1];
      if (app) (serverMs[label] ??= []).push(Number(app));
    }
    return out;
  };
  const repeat = async (what: string, times: number, once: () => Promise<Timing>): Promise<Timing[]> => {
    const out: Timing[] = [];
    for (let i = 0; i < times; i++) out.push(await step(`${what} (${i + 1} of ${times})`, once));
    return out;
  };

  // a run without report.json: the page says the report is being computed, then shows it
  const computedFirst = await step('run without report.json: first click → "computing" shown', () => runsPage(base).then(() => timedClick('table.runs tbody tr a', '#report-computing, .verdict-block')));
  const computedVerdicts = await step('run without report.json: … → verdicts on screen', async () => {
    const s = performance.now();
    await page.locator('.verdict-block').first().waitFor();
    return computedFirst.driver + (performance.now() - s);
  });
  const computedLater = await repeat('run without report.json: click again (in memory)', OPENS, () => clickOverview(base));
  // a later viewer of the same run finds the report in its cache directory
  const restarted = await step('start a viewer that reads the report cache', () => startViewServer({ inputs: [root], port: 0, log: silentLogger, reportCacheDir: cacheDir }));
  servers.push(restarted);
  const restartedFirst = await step('run without report.json, cached by an earlier viewer: first click', () => clickOverview(restarted.url.replace(/\/$/, '')));
  // a finished run: run-matrix has written report.json (newer than records.jsonl)
  const { reportMs } = await step('compute the report in-process and write report.json', async () => {
    const { buildReport } = await import('../src/report/analyze.ts');
    const { poolRecords } = await import('../src/report/load.ts');
    const { readRecordsFile } = await import('../src/experiment/records-store.ts');
    const recs = (await readRecordsFile(path.join(dir, 'records.jsonl'))).records;
    const started = performance.now();
    const report = buildReport(poolRecords([{ path: dir, records: recs }]));
    const ms = performance.now() - started;
    await writeFile(path.join(dir, 'report.json'), JSON.stringify(report));
    return { reportMs: ms };
  });
  const view2 = await step('start a second viewer (nothing cached)', () => startViewServer({ inputs: [root], port: 0, log: silentLogger }));
  servers.push(view2);
  const base2 = view2.url.replace(/\/$/, '');
  const finishedFirst = await step('finished run: first click', () => clickOverview(base2));
  const finishedLater = await repeat('finished run: click again', OPENS, () => clickOverview(base2));
  // every load of a page arms the timer from its navigation's start
  await page.addInitScript({ content: armInPageTimer('.verdict-block', true) });
  const loads = await repeat('finished run: pasted link, fresh page load', OPENS, () => loadOverview(base2));
  const overviewJson = await step('overview JSON alone', () => timeJson(`${base2}/api/runs/${key}`, OPENS, 'overview'));
  const cellClicks: Timing[] = [];
  const cellFetch: number[] = [];
  for (const index of openedAt) {
    const cell = cells[index] as string;
    cellClicks.push(
      await step(`click → cell ${cell}`, async () => {
        await page.goto(`${base}/#/run/${key}/cells?q=${cell}`);
        await page.locator(`table.cells a[href$="/cell/${cell}"]`).waitFor();
        return timedClick(`table.cells a[href$="/cell/${cell}"]`, 'table.calls, p.meta.no-calls');
      }),
    );
    cellFetch.push(...(await step(`cell ${cell} JSON alone`, () => timeJson(`${base}/api/runs/${key}/cells/${cell}`, 1, 'cell'))));
  }
  const ms = (x: number): string => `${Math.round(x).toLocaleString('en-US')} ms`;
  const both = (ts: Timing[]): string => `${ms(median(ts.map((t) => t.page)))} | ${ms(median(ts.map((t) => t.driver)))}`;
  const md = [
      `# agentab view: a ${cells.length.toLocaleString('en-US')}-cell run`,
      '',
      `${new Date().toISOString()} · load average before ${loadBefore}, after ${load()}`,
      '',
      `built a ${cells.length}-cell run in ${(buildMs / 1000).toFixed(1)} s`,
      '',
      `| ${cells.length.toLocaleString('en-US')}-cell run (median of ${OPENS} opens) | in the page | around Playwright | goal |`,
      '|---|---:|---:|---:|',
      `| finished run (report.json): click → overview on screen, first | ${both([finishedFirst])} | < 2 s |`,
      `| finished run: click → overview on screen, later | ${both(finishedLater)} | < 2 s |`,
      `| finished run: pasted link, fresh page load → overview on screen | ${both(loads)} | < 2 s |`,
      `| overview JSON alone (the server's part) | | ${ms(median(overviewJson))} (${ms(median(serverMs.overview ?? [NaN]))}) | |`,
      `| run without report.json: first click → "computing the report" shown | ${both([computedFirst])} | < 2 s |`,
      `| run without report.json: first click → verdicts on screen (the report computed in a worker; ${ms(reportMs)} in-process) | | ${ms(computedVerdicts)} | |`,
      `| run without report.json: later clicks (report in memory) | ${both(computedLater)} | < 2 s |`,
      `| run without report.json, next viewer: first click (report from the cache) | ${both([restartedFirst])} | < 2 s |`,
      `| click → cell page on screen (calls shown) | ${both(cellClicks)} | < 300 ms |`,
      `| cell JSON alone (the server's part) | | ${ms(median(cellFetch))} (${ms(median(serverMs.cell ?? [NaN]))}) | |`,
      '',
    ].join('\n');
  process.stdout.write(md);
  const pick = (ts: Timing[]): { page: number; driver: number } => ({ page: median(ts.map((t) => t.page)), driver: median(ts.map((t) => t.driver)) });
  const json = {
    bench: 'view',
    date: new Date().toISOString(),
    cells: cells.length,
    opens: OPENS,
    load: { before: loadBefore, after: load() },
    ms: {
      finishedFirst: pick([finishedFirst]), finishedLater: pick(finishedLater), freshLoad: pick(loads),
      overviewJson: median(overviewJson), overviewServer: median(serverMs.overview ?? [NaN]),
      computingShown: pick([computedFirst]), computedVerdicts, reportInProcess: reportMs, computedLater: pick(computedLater), cachedRestart: pick([restartedFirst]),
      cell: pick(cellClicks), cellJson: median(cellFetch), cellServer: median(serverMs.cell ?? [NaN]),
    },
    goals: { overviewMs: 2000, cellMs: 300 },
  };
  if (values.out) {
    mkdirSync(values.out, { recursive: true });
    writeFileSync(path.join(values.out, 'view-latest.md'), md);
    writeFileSync(path.join(values.out, 'view-latest.json'), JSON.stringify(json, null, 2) + '\n');
  }
} catch (e) {
  failed = true;
  process.stderr.write(`${(e as Error).message}\n`);
} finally {
  await step('close the browser and the viewers', async () => {
    await browser?.close();
    for (const server of servers) await server.close();
  }, 30_000).catch((e: unknown) => process.stderr.write(`${(e as Error).message}\n`));
  await rm(root, { recursive: true, force: true });
  await rm(cacheDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
