/**
 * `agentab report <runDir|records.jsonl>...`: pool run records, compare every condition with
 * the baseline, and write Markdown / HTML / JSON / CSV. Thin: parsing flags and printing only.
 * The flags are declared in commands/report.ts; this module loads only when the command runs.
 */
import { createLogger } from '../util/log.ts';
import { ReportError } from '../report/errors.ts';
import { loadRecords } from '../report/load.ts';
import { parseThreshold } from '../report/options.ts';
import { buildTimedReport } from '../report/timed-report.ts';
import { parseFormats, renderReport, writeReport } from '../report/write.ts';
import type { ReportFlags } from './commands/report.ts';

function number(name: string, text: string, integer: boolean): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    throw new ReportError(`--${name} must be ${integer ? 'an integer' : 'a number'}, got "${text}"`, 'bad_option', { [name]: text });
  }
  return v;
}

export async function reportCommand(inputs: string[], flags: ReportFlags): Promise<void> {
  const log = createLogger('info');
  if (flags.json && (flags.format !== undefined || flags.out !== undefined)) {
    throw new ReportError(`--json prints the JSON report to stdout; with ${flags.format !== undefined ? '--format' : '--out'} give --format json (and --out DIR to write report.json) instead`, 'bad_option', {});
  }
  const formats = flags.json ? ['json' as const] : parseFormats(flags.format ?? 'md');
  if (!flags.out && formats.length > 1) {
    throw new ReportError('several formats need --out DIR (stdout takes one)', 'bad_option', { formats });
  }
  if (flags.runs !== 'passing' && flags.runs !== 'all') throw new ReportError(`--runs must be passing or all, got "${flags.runs}"`, 'bad_option', { runs: flags.runs });
  const loaded = await loadRecords(inputs);
  // Earlier lines of re-run cells are history by design (a note says so); only records given twice are worth a warning.
  const repeated = loaded.duplicates - (loaded.history ?? 0);
  if (repeated > 0) log.warn('dropped duplicate run records (same runId and cell: an input given twice?)', { duplicates: repeated });
  const report = await buildTimedReport(loaded, {
    ...(flags.baseline !== undefined ? { baseline: flags.baseline } : {}),
    metrics: (flags.metric ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    threshold: parseThreshold(flags.threshold),
    alpha: number('alpha', flags.alpha, false),
    seed: number('seed', flags.seed, true),
    resamples: number('resamples', flags.resamples, true),
    runs: flags.runs,
  });
  if (flags.out) {
    for (const path of await writeReport(report, formats, flags.out, loaded.records)) log.info('wrote report', { path });
  } else {
    process.stdout.write(await renderReport(report, formats[0] ?? 'md', loaded.records));
  }
  for (const note of report.notes) log.warn(note);
}
