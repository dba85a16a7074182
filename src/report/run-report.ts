/**
 * The report written at the end of `run-matrix`: built from the run's own records with the
 * default options and written as report.md, report.html, report.json and runs.csv into the run
 * directory (DESIGN.md's results layout). `agentab report` remains the way to pool several runs
 * or change options.
 */
import { join } from 'node:path';
import type { RunRecord } from '../experiment/run-record.ts';
import { buildReport } from './analyze.ts';
import { poolRecords } from './load.ts';
import { renderVerdictsMarkdown } from './markdown.ts';
import type { Report } from './model.ts';
import type { ReportOptionsInput } from './options.ts';
import { writeReport, type ReportFormat } from './write.ts';

export const RUN_REPORT_FORMATS: readonly ReportFormat[] = ['md', 'html', 'json', 'runs'];

export interface RunReport {
  report: Report;
  /** The records the report was built from (runs.csv lists them). */
  records: readonly RunRecord[];
  /** The Markdown "## Verdicts" section, for the terminal. */
  verdicts: string;
  /** Files written. */
  paths: string[];
}

/** Builds the report of one run (null when it has no records yet). Throws what buildReport throws. */
export function buildRunReport(runDir: string, records: readonly RunRecord[], options: ReportOptionsInput = {}): Omit<RunReport, 'paths'> | null {
  if (records.length === 0) return null;
  const report = buildReport(poolRecords([{ path: join(runDir, 'records.jsonl'), records }]), options);
  return { report, records, verdicts: renderVerdictsMarkdown(report) };
}

/** Writes report.{md,html,json} and runs.csv of a built run report into the run directory. */
export async function writeRunReport(runDir: string, built: Omit<RunReport, 'paths'>): Promise<RunReport> {
  return { ...built, paths: await writeReport(built.report, RUN_REPORT_FORMATS, runDir, built.records) };
}
