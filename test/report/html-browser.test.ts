/**
 * The HTML report opened in headless Chromium (Debian's `chromium` package, driven by
 * playwright-core): the plots must be in the DOM as SVG marks and paint visible pixels.
 * Skipped, with a message, only where /usr/bin/chromium is not installed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { renderHtml } from '../../src/report/html.ts';
import { goldenReport } from './fixtures.ts';
import { CHROMIUM, CHROMIUM_ARGS, pngInk, skipWithoutChromium } from '../helpers/browser.ts';

const skip = skipWithoutChromium;
const ARGS = CHROMIUM_ARGS;

describe('HTML report in headless Chromium', { skip }, () => {
  let browser: Browser;
  let dir: string;
  let url: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentab-html-'));
    const file = join(dir, 'report.html');
    await writeFile(file, await renderHtml(goldenReport()));
    url = pathToFileURL(file).href;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });

  after(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('every plot is an SVG with drawn marks, and a screenshot of one is not blank', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const requests: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url());
    });
    await page.goto(url);
    const stats = await page.evaluate(() => {
      const figs = Array.from(document.querySelectorAll('figure.plot'));
      return figs.map((f) => {
        const svg = f.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return {
          id: f.id,
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          symbols: f.querySelectorAll('.mark-symbol path').length,
          rules: f.querySelectorAll('.mark-rule line').length,
          lines: f.querySelectorAll('.mark-line path').length,
        };
      });
    });
    assert.deepEqual(requests, [], 'the page makes no network requests');
    const metrics = goldenReport().options.metrics.length;
    assert.equal(stats.length, 2 * metrics + 1);
    for (const s of stats) {
      assert.ok(s.width > 100 && s.height > 50, `${s.id} has size ${s.width}×${s.height}`);
      if (s.id.startsWith('strip-')) assert.ok(s.symbols >= 36, `${s.id}: ${s.symbols} points for 36 runs`);
      if (s.id.startsWith('forest-')) assert.ok(s.symbols >= 6 && s.rules >= 6, `${s.id}: ${s.symbols} points, ${s.rules} rules`);
      if (s.id.startsWith('cdf-')) assert.ok(s.lines >= 3, `${s.id}: ${s.lines} lines`);
    }

    const png = await page.locator('#forest-wall').screenshot();
    assert.ok(png.subarray(1, 4).toString('latin1') === 'PNG');
    const pixels = await pngInk(page, png);
    assert.ok(pixels.ink / pixels.total > 0.01, `only ${pixels.ink} of ${pixels.total} pixels carry ink`);
    assert.ok(pixels.colours >= 5, `only ${pixels.colours} colours in the plot`);
    await page.close();
  });
});
