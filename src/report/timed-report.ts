/**
 * A report with what the run directories add to the records: decompositions for records
 * written before agentab recorded timelines (computed from their cells' files) and the
 * waterfall of each group's slowest cell. What `agentab report` and the end of `run-matrix`
 * write; `buildReport` alone stays pure (records in, report out).
 */
import { buildReport } from './analyze.ts';
import { withCellDecompositions } from './cell-timelines.ts';
import type { LoadedRecords } from './load.ts';
import type { Report } from './model.ts';
import type { ReportOptionsInput } from './options.ts';
import { slowestCellWaterfalls } from './waterfall.ts';

export async function buildTimedReport(loaded: LoadedRecords, options: ReportOptionsInput = {}): Promise<Report> {
  const { loaded: complete, filled } = await withCellDecompositions(loaded);
  const report = buildReport(complete, options);
  if (filled > 0) report.notes.push(`${filled} record(s) written before agentab recorded timelines: their wall-time decomposition (tool and harness time) was computed from their cell directories`);
  report.waterfalls = await slowestCellWaterfalls(report, complete);
  return report;
}
