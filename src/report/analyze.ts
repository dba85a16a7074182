/**
 * Build the report model from pooled RunRecords: group, summarise every cell, compare every
 * condition with the baseline per task and across tasks, adjust p-values (Benjamini–Hochberg
 * over the whole per-task grid, Holm over the headlines) and decide verdicts.
 */
import type { RunRecord } from '../experiment/run-record.ts';
import { benjaminiHochberg, holm } from '../stats/p-adjust.ts';
import { decideVerdict } from '../stats/verdict.ts';
import { cellStats } from './cells.ts';
import { compareRunner, type ComparisonDraft, type HeadlineDraft } from './compare.ts';
import { groupRecords, type Group } from './group.ts';
import type { LoadedRecords } from './load.ts';
import { REPORT_FORMAT, REPORT_VERSION, type Comparison, type Headline, type Report, type ReportOptions } from './model.ts';
import { resolveOptions, type ReportOptionsInput } from './options.ts';

function strip<T extends { interval: unknown }>(d: T): Omit<T, 'interval'> {
  const { interval: _ignored, ...rest } = d;
  return rest;
}

function finalizeComparisons(drafts: readonly ComparisonDraft[], opt: ReportOptions): Comparison[] {
  const q = benjaminiHochberg(drafts.map((d) => d.test.p));
  return drafts.map((d, i) => {
    const v = decideVerdict({ lo: d.interval.lo, hi: d.interval.hi, p: q[i] as number, threshold: opt.threshold, alpha: opt.alpha, supportable: d.supportable });
    const { runner, condition, baseline, task, metric, nBase, nCond, paired, baseMedian, condMedian, ratio, lo, hi, test } = strip(d);
    return {
      runner, condition, baseline, task, metric, nBase, nCond, paired, baseMedian, condMedian, ratio, lo, hi, test,
      q: q[i] as number,
      geometricMeanRatio: d.geometricMeanRatio,
      supportable: d.supportable,
      runsNeeded: d.runsNeeded,
      detectableRatio: d.detectableRatio,
      repsForThreshold: d.repsForThreshold,
      verdict: v.verdict,
      reason: v.reason,
    };
  });
}

function finalizeHeadlines(drafts: readonly HeadlineDraft[], opt: ReportOptions): Headline[] {
  const adjusted = holm(drafts.map((d) => d.test.p));
  return drafts.map((d, i) => {
    const pHolm = adjusted[i] as number;
    const v = decideVerdict({ lo: d.interval.lo, hi: d.interval.hi, p: pHolm, threshold: opt.threshold, alpha: opt.alpha, supportable: d.supportable });
    const { runner, condition, baseline, metric, tasks, ratio, lo, hi, test } = strip(d);
    return {
      runner, condition, baseline, metric, tasks, ratio, lo, hi, test, pHolm,
      supportable: d.supportable,
      minArm: d.minArm,
      paired: d.paired,
      runsNeeded: d.runsNeeded,
      detectableRatio: d.detectableRatio,
      repsForThreshold: d.repsForThreshold,
      verdict: v.verdict,
      reason: v.reason,
    };
  });
}

/** Build a report from records already validated (and, via loadRecords, pooled and ordered). */
export function buildReport(loaded: LoadedRecords, input: ReportOptionsInput = {}): Report {
  const records: readonly RunRecord[] = loaded.records;
  const allConditions = [...new Set(records.map((r) => r.condition))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const opt = resolveOptions(input, allConditions);
  const grouped = groupRecords(records, opt.metrics);
  const conditions = [opt.baseline, ...grouped.conditions.filter((c) => c !== opt.baseline)];
  const cells = grouped.groups.map((g) => cellStats(g, records, opt));
  const notes: string[] = [];
  const unpriced = [...new Set(records.flatMap((r) => r.unpricedModels ?? []))].sort();
  if (unpriced.length) {
    notes.push(`no price for ${unpriced.join(', ')}: their calls add nothing to cost (set input_cost_per_token/output_cost_per_token in the proxy config)`);
  }
  const compDrafts: ComparisonDraft[] = [];
  const headDrafts: HeadlineDraft[] = [];
  for (const runner of grouped.runners) {
    const groups = grouped.groups.filter((g) => g.runner === runner);
    const baseTasks = new Set(groups.filter((g) => g.condition === opt.baseline).map((g) => g.task));
    for (const g of groups) {
      if (g.condition !== opt.baseline && !baseTasks.has(g.task)) notes.push(`${runner}/${g.condition}/${g.task}: no ${opt.baseline} runs for this task; not compared`);
    }
    const r = compareRunner({ runner, groups, conditions, options: opt });
    compDrafts.push(...r.comparisons);
    headDrafts.push(...r.headlines);
    notes.push(...r.notes);
  }
  // Present comparisons as runner › condition › metric › task, whatever order they were computed in.
  const rank = (list: readonly string[], x: string): number => list.indexOf(x);
  compDrafts.sort((a, b) =>
    rank(grouped.runners, a.runner) - rank(grouped.runners, b.runner) || rank(conditions, a.condition) - rank(conditions, b.condition) ||
    rank(opt.metrics, a.metric) - rank(opt.metrics, b.metric) || rank(grouped.tasks, a.task) - rank(grouped.tasks, b.task));
  const count = (o: 'infra' | 'canceled'): number => records.reduce((n, r) => n + (r.outcome === o ? 1 : 0), 0);
  const infra = count('infra');
  const canceled = count('canceled');
  return {
    format: REPORT_FORMAT,
    version: REPORT_VERSION,
    experiment: loaded.experiment,
    runIds: loaded.runIds,
    sources: loaded.sources,
    records: { total: records.length, used: records.length - infra - canceled, infra, canceled, duplicates: loaded.duplicates },
    options: opt,
    runners: grouped.runners,
    conditions,
    tasks: grouped.tasks,
    cells,
    comparisons: finalizeComparisons(compDrafts, opt),
    headlines: finalizeHeadlines(headDrafts, opt),
    notes: [...new Set(notes)],
  };
}
