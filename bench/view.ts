/**
 * How fast `agentab view` opens a big run: a synthetic 10,000-cell run built from a real pilot
 * run's records, spend lines and cell files (test/view/fixtures/pilot-a, cell ids and reps
 * renumbered), served by the real server and opened in headless Chromium. Prints the time from
 * navigation to the overview's verdicts on screen (cold: the report is computed; warm: cached),
 * and to a cell page's calls on screen, against the time to fetch the same JSON alone.
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

async function buildRun(root: string): Promise<{ dir: string; cells: string[] }> {
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
      if (cellFiles.includes(r.cell)) await cp(path.join(FIXTURE, 'cells', r.cell), path.join(dir, 'cells', cell), { recursive: true });
    }
  }
  await writeFile(path.join(dir, 'spend.jsonl'), spendLines.join('\n') + '\n');
  await writeFile(path.join(dir, 'records.jsonl'), recordLines.join('\n') + '\n');
  return { dir, cells };
}

const root = await mkdtemp(path.join(tmpdir(), 'agentab-view-bench-'));
try {
  const t0 = performance.now();
  const { cells } = await buildRun(root);
  process.stdout.write(`built a ${cells.length}-cell run in ${((performance.now() - t0) / 1000).toFixed(1)} s (load average ${loadavg().map((x) => x.toFixed(1)).join(' ')})\n`);
  const view = await startViewServer({ inputs: [root], port: 0, log: silentLogger });
  const base = view.url.replace(/\/$/, '');
  const key = view.store.summaries()[0]?.key as string;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // the app itself (script bundle) once, so page timings are about data, not the first bundle
  await page.goto(base + '/');
  await page.locator('table.runs').waitFor({ timeout: 120_000 });

  const openOverview = async (): Promise<number> => {
    await page.goto('about:blank');
    const s = performance.now();
    await page.goto(`${base}/#/run/${key}`);
    await page.locator('.verdict-block').first().waitFor({ timeout: 120_000 });
    return performance.now() - s;
  };
  const cold = await openOverview();
  const warm: number[] = [];
  for (let i = 0; i < OPENS; i++) warm.push(await openOverview());
  const fetchJson: number[] = [];
  for (let i = 0; i < OPENS; i++) {
    const s = performance.now();
    await (await fetch(`${base}/api/runs/${key}`)).json();
    fetchJson.push(performance.now() - s);
  }
  const cellOpens: number[] = [];
  const cellFetch: number[] = [];
  for (let i = 0; i < OPENS; i++) {
    const cell = cells[Math.floor(((i + 1) * cells.length) / (OPENS + 1))] as string;
    await page.goto('about:blank');
    const s = performance.now();
    await page.goto(`${base}/#/run/${key}/cell/${cell}`);
    await page.locator('table.calls, p.meta:has-text("No model calls")').first().waitFor({ timeout: 60_000 });
    cellOpens.push(performance.now() - s);
    const f = performance.now();
    await (await fetch(`${base}/api/runs/${key}/cells/${cell}`)).json();
    cellFetch.push(performance.now() - f);
  }
  await browser.close();
  await view.close();
  const ms = (x: number): string => `${Math.round(x)} ms`;
  process.stdout.write(
    [
      '',
      `| ${cells.length.toLocaleString('en-US')}-cell run | median of ${OPENS} | goal |`,
      '|---|---:|---:|',
      `| overview on screen, first open (report computed) | ${ms(cold)} | < 2 s |`,
      `| overview on screen, later opens | ${ms(median(warm))} | < 2 s |`,
      `| overview JSON alone | ${ms(median(fetchJson))} | |`,
      `| cell page on screen (calls shown) | ${ms(median(cellOpens))} | < 300 ms |`,
      `| cell JSON alone | ${ms(median(cellFetch))} | |`,
      '',
    ].join('\n'),
  );
} finally {
  await rm(root, { recursive: true, force: true });
}
