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

export type Job = { kind: 'report'; recordsFile: string } | { kind: 'plots'; report: Report };
export interface Plot {
  id: string;
  title: string;
  svg: string;
}

async function work(job: Job): Promise<Report | Plot[]> {
  if (job.kind === 'report') {
    const [{ readRecordsFile }, { buildReport }, { poolRecords }] = await Promise.all([
      import('../experiment/records-store.ts'),
      import('../report/analyze.ts'),
      import('../report/load.ts'),
    ]);
    const { records } = await readRecordsFile(job.recordsFile);
    return buildReport(poolRecords([{ path: job.recordsFile, records }]));
  }
  const { renderSvg, reportPlots } = await import('../report/plots.ts');
  const out: Plot[] = [];
  for (const plot of reportPlots(job.report)) out.push({ id: plot.id, title: plot.title, svg: await renderSvg(plot) });
  return out;
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
export function runJob(job: { kind: 'plots'; report: Report }): Promise<Plot[]>;
export function runJob(job: Job): Promise<Report | Plot[]> {
  return new Promise((resolve, reject) => {
    const worker = startWorker();
    worker.once('message', (m: { ok: true; result: Report | Plot[] } | { ok: false; message: string }) => {
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
