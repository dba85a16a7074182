/**
 * `agentab view` in headless Chromium (Debian's `chromium`, driven by playwright-core) on two
 * real pilot runs: run list → run → a verdict's cells → a cell's transcript and calls, the
 * filters, and the comparison of the two runs. Each page is screenshotted (under
 * $AGENTAB_SCREENSHOTS when set, else a temp dir) and each screenshot must have content.
 * Skipped, with a message, only where /usr/bin/chromium is not installed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { silentLogger } from '../../src/util/log.ts';
import { startViewServer, type ViewServer } from '../../src/view/server.ts';
import { resultsCopy } from './helpers.ts';
import { CHROMIUM, CHROMIUM_ARGS, pngInk, skipWithoutChromium } from '../helpers/browser.ts';

const skip = skipWithoutChromium;
const ARGS = CHROMIUM_ARGS;
const WAIT = { timeout: 60_000 };

describe('agentab view in headless Chromium', { skip }, () => {
  let root: string;
  let view: ViewServer;
  let browser: Browser;
  let page: Page;
  let shots: string;
  const errors: string[] = [];
  /** Origins of the viewers this suite started: no request may go anywhere else. */
  const viewers: string[] = [];

  const shot = async (name: string): Promise<void> => {
    const png = await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: false });
    const { ink, total } = await pngInk(page, png);
    assert.ok(ink / total > 0.01, `${name}.png is blank (${((ink / total) * 100).toFixed(2)}% ink)`);
  };

  before(async () => {
    root = await resultsCopy();
    shots = process.env.AGENTAB_SCREENSHOTS ?? (await mkdtemp(path.join(tmpdir(), 'agentab-view-shots-')));
    await mkdir(shots, { recursive: true });
    view = await startViewServer({ inputs: [root], port: 0, log: silentLogger });
    viewers.push(new URL(view.url).origin + '/');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => {
      if (!viewers.some((origin) => r.url().startsWith(origin)) && !r.url().startsWith('data:')) errors.push(`request outside the viewers: ${r.url()}`);
    });
  });
  after(async () => {
    await browser?.close();
    await view?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  test('run list → run → verdict → cells → cell with transcript and calls', async () => {
    await page.goto(view.url);
    await page.locator('table.runs tbody tr').first().waitFor(WAIT);
    assert.equal(await page.locator('table.runs tbody tr').count(), 2);
    await shot('runs');

    await page.locator('table.runs tbody tr a').first().click();
    await page.locator('.verdict-block').first().waitFor(WAIT);
    assert.equal(await page.locator('.verdict-block').count(), 2, 'one block per runner × condition');
    assert.match(await page.locator('.banner.sim').innerText(), /Simulated model/);
    // success first, as the report words it (Wilson intervals, Fisher exact p), linking to the cells of both arms
    const success = page.locator('.verdict-block[data-runner="opencode"] ul.verdicts li').first();
    assert.equal(await success.getAttribute('data-metric'), 'success');
    assert.match(await success.innerText(), /^success rate no difference 4\/4 100% \[[\d.]+%, 100%\] vs 4\/4 100% \[[\d.]+%, 100%\] in baseline · Fisher exact p = 1\.00 · all runs except infra and canceled, 4 tasks cells → failed cells →$/);
    assert.match(await success.locator('a.cells-link').getAttribute('href') ?? '', /cells\?runner=opencode&condition=baseline%2Cc1$/);
    assert.match(await success.locator('a.failed-link').getAttribute('href') ?? '', /cells\?runner=opencode&condition=baseline%2Cc1&outcome=fail%2Cerror%2Ctimeout$/);
    await shot('run-overview');

    // a verdict links to the cells behind it: this runner, baseline and the condition
    const block = page.locator('.verdict-block[data-runner="claude"]');
    await block.locator('li[data-metric="input"] a.cells-link, li a.cells-link').first().click();
    await page.locator('table.cells tbody tr').first().waitFor(WAIT);
    assert.match(page.url(), /cells\?runner=claude&condition=baseline%2Cc1/);
    const runners = await page.locator('table.cells tbody tr td:nth-child(2)').allInnerTexts();
    assert.ok(runners.length === 8 && runners.every((r) => r === 'claude'), `cells of claude: ${runners.join(',')}`);
    await shot('cells-of-verdict');

    // the cell's JSON is fetched while the pointer is on its link, and the click uses that answer
    const cellRequests: string[] = [];
    const onRequest = (r: { url(): string }): void => {
      if (/\/api\/runs\/[^/]+\/cells\/[^/?]+$/.test(r.url())) cellRequests.push(r.url());
    };
    page.on('request', onRequest);
    await page.locator('table.cells tbody tr a').first().hover();
    await page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => /\/cells\/[^/?]+$/.test(e.name)), undefined, WAIT);
    await page.locator('table.cells tbody tr a').first().click();
    await page.locator('table.calls tbody tr').first().waitFor(WAIT);
    page.off('request', onRequest);
    assert.equal(cellRequests.length, 1, `one request for the cell: ${cellRequests.join(', ')}`);
    const calls = await page.locator('table.calls tbody tr').count();
    const recorded = Number(await page.locator('dl.metrics div:has(dt:text-is("calls")) dd').innerText());
    assert.equal(calls, recorded, 'one row per model call');
    // a long transcript's tail is drawn just after the page's top
    await page.locator('.transcript p.loading').waitFor({ state: 'detached', ...WAIT });
    const tools = page.locator('.transcript details.tool');
    assert.ok((await tools.count()) > 0, 'tool calls are shown, collapsed');
    assert.equal(await tools.first().evaluate((d) => (d as HTMLDetailsElement).open), false);
    await tools.first().locator('summary').click();
    assert.equal(await tools.first().evaluate((d) => (d as HTMLDetailsElement).open), true);
    assert.equal(await page.locator('svg.timeline rect.call').count(), calls, 'a timeline bar per model call');
    assert.equal(await page.locator('svg.timeline rect.tool').count(), await tools.count(), 'a timeline bar per tool call');
    assert.match(await page.locator('#decomposition').innerText(), /model/);
    await shot('cell');
  });

  test('the overview shows where the time went and the slowest cell of each group, which opens that cell', async () => {
    const key = view.store.summaries()[0]?.key as string;
    await page.goto(`${view.url}#/run/${key}`);
    await page.locator('#time-split table.time-split').first().waitFor(WAIT);
    assert.equal(await page.locator('#time-split table.time-split').count(), 2, 'a table per runner');
    const header = await page.locator('#time-split table.time-split').first().locator('th').allInnerTexts();
    assert.deepEqual(header.slice(0, 5), ['condition', 'wall', 'model', 'tools', 'harness']);
    const rows = await page.locator('#time-split table.time-split').first().locator('tbody tr td:first-child').allInnerTexts();
    assert.deepEqual(rows, ['baseline', 'c1']);
    assert.match(await page.locator('#time-split ul.time-split li').first().innerText(), /^c1 spends .* in the model/);
    await page.locator('#time-split').scrollIntoViewIfNeeded();
    await shot('run-time-split');
    const waterfalls = page.locator('figure.waterfall');
    await waterfalls.first().waitFor(WAIT);
    assert.equal(await waterfalls.count(), 16, 'one per runner × condition × task (2 × 2 × 4)');
    assert.ok((await waterfalls.first().locator('svg rect').count()) > 0, 'drawn');
    await waterfalls.first().scrollIntoViewIfNeeded();
    await shot('run-waterfalls');
    const cell = (await waterfalls.first().getAttribute('data-cell')) as string;
    await waterfalls.first().locator('a.cell-link').click();
    await page.locator('table.calls tbody tr').first().waitFor(WAIT);
    assert.match(page.url(), new RegExp(`#/run/${key}/cell/${cell}$`));
    assert.equal(await page.locator('h1 code').innerText(), cell);
  });

  test('filters narrow the cells and live in the URL', async () => {
    const key = view.store.summaries()[0]?.key as string;
    await page.goto(`${view.url}#/run/${key}/cells`);
    await page.locator('#cell-count').waitFor(WAIT);
    assert.match(await page.locator('#cell-count').innerText(), /^16 of 16 cells$/);
    await page.locator('select[name="task"]').selectOption('summarise-doc');
    await page.waitForFunction(() => document.querySelector('#cell-count')?.textContent?.startsWith('4 of'), undefined, WAIT);
    assert.match(page.url(), /task=summarise-doc/);
    await page.locator('select[name="runner"]').selectOption('opencode');
    await page.waitForFunction(() => document.querySelector('#cell-count')?.textContent?.startsWith('2 of'), undefined, WAIT);
    await shot('cells-filtered');
    const first = await page.locator('table.cells tbody tr td code').first().innerText();
    await page.goto(`${view.url}#/run/${key}/cells?q=${first.slice(0, 6)}`);
    await page.waitForFunction(() => document.querySelector('#cell-count')?.textContent?.startsWith('1 of'), undefined, WAIT);
  });

  test('compare two runs condition by condition', async () => {
    await page.goto(view.url);
    await page.locator('table.runs tbody tr').first().waitFor(WAIT);
    const boxes = page.locator('table.runs input[type="checkbox"]');
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await page.locator('#compare-link').click();
    await page.locator('table.compare tbody tr').first().waitFor(WAIT);
    const rows = await page.locator('table.compare tbody tr').count();
    assert.ok(rows >= 4 * 2, `rows: ${rows}`);
    assert.match(await page.locator('table.compare').innerText(), /baseline/);
    await shot('compare');
    // each run's verdict links to that run's cells of the runner, baseline and condition
    const link = page.locator('table.compare tbody tr td:nth-child(8) a.cells-link').first();
    await link.click();
    await page.locator('table.cells tbody tr').first().waitFor(WAIT);
    assert.match(page.url(), /#\/run\/[^/]+\/cells\?runner=\w+&condition=baseline%2Cc1$/);
    assert.equal(await page.locator('table.cells tbody tr').count(), 8);
  });

  test('a run whose report is still being computed shows so, then its verdicts without a reload', async () => {
    const fresh = await resultsCopy(['pilot-b']);
    const slow = await startViewServer({ inputs: [fresh], port: 0, log: silentLogger, reportWaitMs: 0 });
    viewers.push(new URL(slow.url).origin + '/');
    try {
      const key = slow.store.summaries()[0]?.key as string;
      await page.goto(`${slow.url}#/run/${key}`);
      await page.locator('#report-computing').waitFor(WAIT);
      assert.match(await page.locator('#report-computing').innerText(), /Computing the report of 16 records .*s so far/);
      assert.equal(await page.locator('.verdict-block').count(), 0);
      await shot('run-computing');
      await page.locator('.verdict-block').first().waitFor(WAIT);
      assert.equal(await page.locator('#report-computing').count(), 0, 'the banner goes when the report is there');
      assert.equal(await page.locator('.verdict-block').count(), 2);
    } finally {
      await slow.close();
      await rm(fresh, { recursive: true, force: true });
    }
  });

  test('live: a record appended to a run shows on its open cells page without a reload', async () => {
    const run = view.store.summaries().find((r) => r.recorded === 16) ?? view.store.summaries()[0]!;
    await page.goto(`${view.url}#/run/${run.key}/cells`);
    await page.locator('#cell-count').waitFor(WAIT);
    assert.match(await page.locator('#cell-count').innerText(), /^16 of 16 cells$/);
    const file = path.join(run.dir, 'records.jsonl');
    const line = (await readFile(file, 'utf8')).trim().split('\n')[0] as string;
    await appendFile(file, line.replace(/"cell":"[^"]+"/, '"cell":"live0000page"') + '\n');
    await page.waitForFunction(() => document.querySelector('#cell-count')?.textContent === '17 of 17 cells', undefined, WAIT);
    assert.equal(await page.locator('table.cells a[href$="/cell/live0000page"]').count(), 1);
  });

  test('no page errors and no request left the viewer', () => {
    assert.deepEqual(errors, []);
  });
});
