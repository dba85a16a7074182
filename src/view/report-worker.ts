/**
 * The viewer's heavy work — a run's report (bootstrap intervals over every cell) and its plots
 * (Vega rendered to SVG) — done in a worker thread, so a 10,000-cell run being analysed never
 * stalls the pages and cell views the server answers meanwhile. One worker per job: jobs are
 * rare (once per run version) and a worker keeps no state.
 */
import { parentPort, type Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Report } from '../report/model.ts';
import { startModuleWorker } from '../util/module-worker.ts';

export type Job = { kind: 'report'; recordsFile: string } | { kind: 'plots'; report: Report; recordsFile: string };
export interface Plot {
  id: string;
  title: string;
  svg: string;
}

/** A waterfall of the slowest cell of a group, drawn, with the cell it shows (the page links to it). */
export interface WaterfallPlot extends Plot {
  note: string;
  cell: string;
  runner: string;
  condition: string;
  task: string;
  wallMs: number;
}

export interface Plots {
  plots: Plot[];
  waterfalls: WaterfallPlot[];
  /** Groups with a waterfall that are not drawn (only the slowest MAX_WATERFALLS are). */
  waterfallsLeft: number;
}

async function work(job: Job): Promise<Report | Plots> {
  if (job.kind === 'report') {
    // the report `agentab report` writes: decompositions filled from the cells of older records, waterfalls
    const [{ readRecordsFile }, { buildTimedReport }, { poolRecords }] = await Promise.all([
      import('../experiment/records-store.ts'),
      import('../report/timed-report.ts'),
      import('../report/load.ts'),
    ]);
    const { records } = await readRecordsFile(job.recordsFile);
    return buildTimedReport(poolRecords([{ path: job.recordsFile, records }]));
  }
  const [{ renderSvg, reportPlots }, { slowestCellWaterfalls, waterfallPlot, waterfallsToDraw }] = await Promise.all([import('../report/plots.ts'), import('../report/waterfall.ts')]);
  const plots: Plot[] = [];
  for (const plot of reportPlots(job.report)) plots.push({ id: plot.id, title: plot.title, svg: await renderSvg(plot) });
  // reports computed here and run-matrix's report.json carry their waterfalls; an older report.json may not
  let all = job.report.waterfalls;
  if (!all) {
    const [{ readRecordsFile }, { poolRecords }] = await Promise.all([import('../experiment/records-store.ts'), import('../report/load.ts')]);
    const { records } = await readRecordsFile(job.recordsFile);
    all = await slowestCellWaterfalls(job.report, poolRecords([{ path: job.recordsFile, records }]));
  }
  const shown = waterfallsToDraw(all);
  const waterfalls: WaterfallPlot[] = [];
  for (const [i, w] of shown.entries()) {
    const plot = waterfallPlot(w, i);
    waterfalls.push({ id: plot.id, title: plot.title, svg: await renderSvg(plot), note: plot.note ?? '', cell: w.cell, runner: w.runner, condition: w.condition, task: w.task, wallMs: w.wallMs });
  }
  return { plots, waterfalls, waterfallsLeft: all.length - shown.length };
}

if (parentPort) {
  const port = parentPort;
  port.once('message', (job: Job) => {
    work(job).then(
      (result) => port.postMessage({ ok: true, result }),
      (e: unknown) => port.postMessage({ ok: false, message: (e as Error).message }),
    );
  });
}

// this file as built (dist/…/report-worker.js) or as source run by tsx (src/…/report-worker.ts)
const self = fileURLToPath(import.meta.url);

const startWorker = (): Worker => startModuleWorker(import.meta.url);

/** Runs `job` in a fresh worker thread. */
export function runJob(job: { kind: 'report'; recordsFile: string }): Promise<Report>;
export function runJob(job: { kind: 'plots'; report: Report; recordsFile: string }): Promise<Plots>;
export function runJob(job: Job): Promise<Report | Plots> {
  return new Promise((resolve, reject) => {
    const worker = startWorker();
    worker.once('message', (m: { ok: true; result: Report | Plots } | { ok: false; message: string }) => {
      void worker.terminate();
      if (m.ok) resolve(m.result);
      else reject(new Error(`${path.basename(self)}: ${m.message}`));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the report worker exited with code ${code}`));
    });
    worker.postMessage(job);
  });
}
