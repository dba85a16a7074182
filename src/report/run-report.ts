/**
 * The report written at the end of `run-matrix`: built from the run's own records with the
 * default options and written as report.md, report.html, report.json and runs.csv into the run
 * directory (DESIGN.md's results layout). `agentab report` remains the way to pool several runs
 * or change options.
 */
import { join } from 'node:path';
import type { RunRecord } from '../experiment/run-record.ts';
import { totalUncounted, type UncountedSpend } from '../experiment/uncounted-spend.ts';
import { buildReport } from './analyze.ts';
import { poolRecords, type LoadedRecords } from './load.ts';
import { renderVerdictsMarkdown } from './markdown.ts';
import type { Report } from './model.ts';
import type { ReportOptionsInput } from './options.ts';
import { slowestCellWaterfalls } from './waterfall.ts';
import { writeReport, type ReportFormat } from './write.ts';

export const RUN_REPORT_FORMATS: readonly ReportFormat[] = ['md', 'html', 'json', 'runs'];

export interface RunReport {
  report: Report;
  /** The Markdown "## Verdicts" section, for the terminal. */
  verdicts: string;
  /** Files written. */
  paths: string[];
  /** The records it was built from (the waterfalls read their cells; runs.csv lists them). */
  loaded: LoadedRecords;
}

/** Builds the report of one run (null when it has no records yet). Throws what buildReport throws. */
export function buildRunReport(runDir: string, records: readonly RunRecord[], options: ReportOptionsInput = {}, uncounted?: UncountedSpend): Omit<RunReport, 'paths'> | null {
  if (records.length === 0) return null;
  const pooled = poolRecords([{ path: join(runDir, 'records.jsonl'), records }]);
  const loaded = uncounted && totalUncounted(uncounted).attempts ? { ...pooled, uncounted } : pooled;
  const report = buildReport(loaded, options);
  return { report, verdicts: renderVerdictsMarkdown(report), loaded };
}

/** Writes report.{md,html,json} and runs.csv of a built run report into the run directory, with the slowest cells' waterfalls. */
export async function writeRunReport(runDir: string, built: Omit<RunReport, 'paths'>): Promise<RunReport> {
  built.report.waterfalls ??= await slowestCellWaterfalls(built.report, built.loaded);
  return { ...built, paths: await writeReport(built.report, RUN_REPORT_FORMATS, runDir, built.loaded.records) };
}
