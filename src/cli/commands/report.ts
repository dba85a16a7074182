/** Declares `agentab report`; the work is in ../report.ts, loaded when it runs. */
import type { Command } from 'commander';
import { DEFAULT_RESAMPLES } from '../../report/defaults.ts';
import { DEFAULT_METRICS, METRICS } from '../../report/metrics.ts';

export interface ReportFlags {
  baseline?: string;
  /** Undefined: md (left unset so a --format given with --json can be told from the default). */
  format?: string;
  metric?: string;
  threshold: string;
  alpha: string;
  seed: string;
  resamples: string;
  out?: string;
  json?: boolean;
  runs: string;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('Pool run records and report per-cell statistics, ratios against the baseline and verdicts')
    .argument('<inputs...>', 'run directories (their records.jsonl) or records.jsonl files; all of one experiment')
    .option('--baseline <condition>', 'condition to compare against (default: "baseline" if present, else the first)')
    .option('--format <list>', 'comma-separated formats: md, html, json, csv (per-group rows), runs (runs.csv: one row per run); default md')
    .option('--metric <list>', `comma-separated metrics (${METRICS.map((m) => m.id).join(', ')})`, DEFAULT_METRICS.join(','))
    .option('--threshold <theta>', 'smallest change that matters, e.g. 5% or 0.05', '5%')
    .option('--alpha <alpha>', 'significance level; intervals are at 1 - alpha', '0.05')
    .option('--seed <n>', 'seed of the bootstrap (same seed, same report)', '1')
    .option('--resamples <n>', 'bootstrap resamples', String(DEFAULT_RESAMPLES))
    .option('--runs <which>', 'runs whose latency, tokens and cost are compared: passing (default) or all (pass, fail, error, timeout); success always counts every run', 'passing')
    .option('--out <dir>', 'write report.<format> (runs.csv for runs) for every format into this directory')
    .option('--json', 'print the JSON report to stdout (the same as --format json without --out)')
    .action(async (inputs: string[], flags: ReportFlags) => (await import('../report.ts')).reportCommand(inputs, flags));
}
