/**
 * `agentab report <runDir|records.jsonl>...`: pool run records, compare every condition with
 * the baseline, and write Markdown / HTML / JSON / CSV. Thin: parsing flags and printing only.
 */
import type { Command } from 'commander';
import { createLogger } from '../util/log.ts';
import { buildReport } from '../report/analyze.ts';
import { ReportError } from '../report/errors.ts';
import { loadRecords } from '../report/load.ts';
import { DEFAULT_METRICS, METRICS } from '../report/metrics.ts';
import { DEFAULT_RESAMPLES, parseThreshold } from '../report/options.ts';
import { parseFormats, renderReport, writeReport } from '../report/write.ts';

interface ReportFlags {
  baseline?: string;
  format: string;
  metric?: string;
  threshold: string;
  alpha: string;
  seed: string;
  resamples: string;
  out?: string;
  json?: boolean;
  runs: string;
}

function number(name: string, text: string, integer: boolean): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    throw new ReportError(`--${name} must be ${integer ? 'an integer' : 'a number'}, got "${text}"`, 'bad_option', { [name]: text });
  }
  return v;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('Pool run records and report per-cell statistics, ratios against the baseline and verdicts')
    .argument('<inputs...>', 'run directories (their records.jsonl) or records.jsonl files; all of one experiment')
    .option('--baseline <condition>', 'condition to compare against (default: "baseline" if present, else the first)')
    .option('--format <list>', 'comma-separated formats: md, html, json, csv', 'md')
    .option('--metric <list>', `comma-separated metrics (${METRICS.map((m) => m.id).join(', ')})`, DEFAULT_METRICS.join(','))
    .option('--threshold <theta>', 'smallest change that matters, e.g. 5% or 0.05', '5%')
    .option('--alpha <alpha>', 'significance level; intervals are at 1 - alpha', '0.05')
    .option('--seed <n>', 'seed of the bootstrap (same seed, same report)', '1')
    .option('--resamples <n>', 'bootstrap resamples', String(DEFAULT_RESAMPLES))
    .option('--runs <which>', 'runs whose latency, tokens and cost are compared: passing (default) or all (pass, fail, error, timeout); success always counts every run', 'passing')
    .option('--out <dir>', 'write report.<format> for every format into this directory')
    .option('--json', 'print the JSON report to stdout')
    .action(async (inputs: string[], flags: ReportFlags) => {
      const log = createLogger('info');
      const formats = flags.json ? ['json' as const] : parseFormats(flags.format);
      if (!flags.out && formats.length > 1) {
        throw new ReportError('several formats need --out DIR (stdout takes one)', 'bad_option', { formats });
      }
      if (flags.runs !== 'passing' && flags.runs !== 'all') throw new ReportError(`--runs must be passing or all, got "${flags.runs}"`, 'bad_option', { runs: flags.runs });
      const loaded = await loadRecords(inputs);
      if (loaded.duplicates > 0) log.warn('dropped duplicate run records (same runId and cell)', { duplicates: loaded.duplicates });
      const report = buildReport(loaded, {
        ...(flags.baseline !== undefined ? { baseline: flags.baseline } : {}),
        metrics: (flags.metric ?? '').split(',').map((s) => s.trim()).filter(Boolean),
        threshold: parseThreshold(flags.threshold),
        alpha: number('alpha', flags.alpha, false),
        seed: number('seed', flags.seed, true),
        resamples: number('resamples', flags.resamples, true),
        runs: flags.runs,
      });
      if (flags.out) {
        for (const path of await writeReport(report, formats, flags.out)) log.info('wrote report', { path });
      } else {
        process.stdout.write(await renderReport(report, formats[0] ?? 'md'));
      }
      for (const note of report.notes) log.warn(note);
    });
}
