/**
 * Build the report model from pooled RunRecords: group, summarise every cell, compare every
 * condition with the baseline per task and across tasks, adjust p-values (Benjamini–Hochberg
 * over the whole per-task grid, Holm over the headlines) and decide verdicts.
 */
import type { RunRecord } from '../experiment/run-record.ts';
import { benjaminiHochberg, holm } from '../stats/p-adjust.ts';
import { fisherExact } from '../stats/fisher.ts';
import { decideAbsoluteVerdict, decideVerdict, neutralVerdict, type Verdict } from '../stats/verdict.ts';
import { wilsonInterval, type Proportion } from '../stats/wilson.ts';
import { cellStats } from './cells.ts';
import { powerFigures, taskResamplesFor, type ComparisonDraft, type HeadlineDraft } from './compare.ts';
import { beginComparisons, coreClock, type PendingComparisons } from './compare-parallel.ts';
import { groupRecords, type Group } from './group.ts';
import type { LoadedRecords } from './load.ts';
import { DECOMPOSITION_METRICS, DEFAULT_METRICS, NEUTRAL_METRICS, type MetricId } from './metrics.ts';
import { REPORT_FORMAT, REPORT_VERSION, type CellStats, type Comparison, type ConditionVerdict, type Headline, type Report, type ReportOptions, type SuccessComparison } from './model.ts';
import { resolveOptions, type ReportOptionsInput } from './options.ts';
import { provenanceOf } from './provenance.ts';
import { timeSplits } from './time-split.ts';

function strip<T extends { interval: unknown }>(d: T): Omit<T, 'interval' | 'power' | 'figures'> {
  const { interval: _ignored, power: _power, figures: _figures, ...rest } = d as T & { power?: unknown; figures?: unknown };
  return rest;
}

/** A metric where lower is not better gets a direction, not improved or regressed (see MetricDef.neutral). */
function directed(metric: MetricId, verdict: Verdict): Verdict {
  return NEUTRAL_METRICS.has(metric) ? neutralVerdict(verdict) : verdict;
}

function finalizeComparisons(drafts: readonly ComparisonDraft[], opt: ReportOptions): Comparison[] {
  const q = benjaminiHochberg(drafts.map((d) => d.test.p));
  return drafts.map((d, i) => {
    const qi = q[i] as number;
    const v = d.absolute
      ? decideAbsoluteVerdict({ lo: d.absolute.lo, hi: d.absolute.hi, p: qi, alpha: opt.alpha, supportable: d.supportable, identical: d.absolute.identical })
      : decideVerdict({ lo: d.interval.lo, hi: d.interval.hi, p: qi, threshold: opt.threshold, alpha: opt.alpha, supportable: d.supportable });
    return {
      ...strip(d),
      q: qi,
      ...d.figures,
      verdict: directed(d.metric, v.verdict),
      reason: v.reason,
    };
  });
}

function finalizeHeadlines(drafts: readonly HeadlineDraft[], opt: ReportOptions): Headline[] {
  const adjusted = holm(drafts.map((d) => d.test.p));
  return drafts.map((d, i) => {
    const pHolm = adjusted[i] as number;
    const v = decideVerdict({ lo: d.interval.lo, hi: d.interval.hi, p: pHolm, threshold: opt.threshold, alpha: opt.alpha, supportable: d.supportable });
    return {
      ...strip(d),
      pHolm,
      ...powerFigures(d.power, { supportable: d.supportable, ratio: d.ratio, paired: d.paired, multiplicity: drafts.length, opt }),
      verdict: directed(d.metric, v.verdict),
      reason: v.reason,
    };
  });
}

/**
 * Tool and harness time come from the wall-time decomposition, which records written before
 * it do not have: with none in the input, those metrics are left out (with a note) rather
 * than shown as empty tables.
 */
function withoutEmptyDecompositionMetrics(input: ReportOptionsInput, records: readonly RunRecord[]): { input: ReportOptionsInput; note?: string } {
  if (records.some((r) => r.decomposition)) return { input };
  const asked = input.metrics ?? [...DEFAULT_METRICS];
  const kept = asked.filter((m) => !DECOMPOSITION_METRICS.has(m));
  if (kept.length === asked.length || kept.length === 0) return { input };
  const explicit = input.metrics !== undefined && asked.join(',') !== DEFAULT_METRICS.join(',');
  return { input: { ...input, metrics: kept }, ...(explicit ? { note: 'tool and harness time left out: no record has a wall-time decomposition (records written before agentab recorded timelines)' } : {}) };
}

/** Success of every condition against the baseline, per runner, over the tasks both arms ran. */
function compareSuccess(cells: readonly CellStats[], runners: readonly string[], conditions: readonly string[], opt: ReportOptions): SuccessComparison[] {
  const out: SuccessComparison[] = [];
  for (const runner of runners) {
    const mine = cells.filter((c) => c.runner === runner);
    const baseByTask = new Map(mine.filter((c) => c.condition === opt.baseline).map((c) => [c.task, c]));
    for (const condition of conditions) {
      if (condition === opt.baseline) continue;
      const tasks: string[] = [];
      let kb = 0, nb = 0, kc = 0, nc = 0;
      for (const c of mine) {
        const b = c.condition === condition ? baseByTask.get(c.task) : undefined;
        if (!b) continue;
        tasks.push(c.task);
        kb += b.success?.k ?? 0;
        nb += b.success?.n ?? 0;
        kc += c.success?.k ?? 0;
        nc += c.success?.n ?? 0;
      }
      if (tasks.length === 0) continue;
      const base = wilsonInterval(kb, nb, opt.confidence);
      const cond = wilsonInterval(kc, nc, opt.confidence);
      const p = nb > 0 && nc > 0 ? fisherExact(kc, nc, kb, nb).p : 1;
      const rb = nb ? kb / nb : 0;
      const rc = nc ? kc / nc : 0;
      const verdict = nb === 0 || nc === 0 ? 'inconclusive' : p < opt.alpha ? (rc < rb ? 'worse' : 'better') : rc === rb ? 'same' : 'inconclusive';
      out.push({ runner, condition, baseline: opt.baseline, tasks: tasks.sort(), base, cond, p, verdict });
    }
  }
  return out;
}

const pct = (x: Proportion | null): string => (x ? `${x.k}/${x.n}` : '0/0');

/** What success does to a condition's overall reading (see ConditionVerdict). */
function overallOf(s: SuccessComparison, headlines: readonly Headline[], opt: ReportOptions): ConditionVerdict {
  const rates = `${pct(s.cond)} passed vs ${pct(s.base)} in ${opt.baseline}`;
  if (s.verdict === 'worse') return { runner: s.runner, condition: s.condition, overall: 'regressed', reason: `success rate is worse (${rates}, Fisher exact p = ${s.p < 0.001 ? '<0.001' : s.p.toPrecision(2)}); faster or cheaper passing runs do not make up for it` };
  const lower = (s.cond?.rate ?? 0) < (s.base?.rate ?? 0);
  const improvedSomewhere = headlines.some((h) => h.runner === s.runner && h.condition === s.condition && h.verdict === 'improved');
  if (lower && improvedSomewhere) return { runner: s.runner, condition: s.condition, overall: 'inconclusive', reason: `success rate is lower (${rates}; not significant), so the improvements on passing runs are not an overall improvement` };
  return { runner: s.runner, condition: s.condition, overall: null, reason: null };
}

const NONE: readonly string[] = [];

/** Build a report from records already validated (and, via loadRecords, pooled and ordered). */
export function buildReport(loaded: LoadedRecords, rawInput: ReportOptionsInput = {}): Report {
  const records: readonly RunRecord[] = loaded.records;
  // plain loops over the records: a million of them make a million-element array (or a
  // million small ones) out of every map or flatMap, and a for…of loop that runs once (not
  // optimised) makes an iterator result per record: 40 MB to collect per loop (bench/PROFILE.md, tenth pass)
  const conditionSet = new Set<string>();
  const unpricedSet = new Set<string>();
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as RunRecord;
    conditionSet.add(r.condition);
    const unpriced = r.unpricedModels ?? NONE;
    for (let j = 0; j < unpriced.length; j++) unpricedSet.add(unpriced[j] as string);
  }
  const allConditions = [...conditionSet].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const { input, note: decompositionNote } = withoutEmptyDecompositionMetrics(rawInput, records);
  const resolved = resolveOptions(input, allConditions);
  const idleFrom = coreClock(); // idle cores are measured over the grouping, not a wait
  const grouped = groupRecords(records, resolved.metrics, resolved.runs);
  let comparisonCount = 0;
  for (const g of grouped.groups) if (g.condition !== resolved.baseline) comparisonCount += resolved.metrics.length;
  const opt = { ...resolved, taskResamples: taskResamplesFor(comparisonCount, resolved.resamples) };
  const conditions = [opt.baseline, ...grouped.conditions.filter((c) => c !== opt.baseline)];
  const perRunner = grouped.runners.map((runner) => ({ runner, groups: grouped.groups.filter((g) => g.runner === runner) }));
  // every runner's comparisons, on several threads when there are many (compare-parallel.ts):
  // their workers start now, and compare while this thread computes what needs no comparison
  // (the cells' statistics, the provenance, the outcome counts)
  const comparing = beginComparisons(perRunner, opt, process.env, idleFrom);
  let compared: ReturnType<PendingComparisons['results']>;
  let cells!: CellStats[]; // set by meanwhile, which results() always runs
  let provenance!: Report['provenance'];
  let infra = 0;
  let canceled = 0;
  try {
    compared = comparing.results(conditions, (poll) => {
      cells = grouped.groups.map((g) => {
        poll(); // add up what the workers have finished, so they never wait for room to leave more
        return cellStats(g, records, opt);
      });
      provenance = provenanceOf(records);
      // every record is in one group, whose outcomes are counted: no pass over a million records
      for (const g of grouped.groups) {
        infra += g.outcomes.infra;
        canceled += g.outcomes.canceled;
      }
    });
  } finally {
    comparing.close();
  }
  const notes: string[] = decompositionNote ? [decompositionNote] : [];
  const unpriced = [...unpricedSet].sort();
  if (unpriced.length) {
    notes.push(`no price for ${unpriced.join(', ')}: their calls add nothing to cost (set input_cost_per_token/output_cost_per_token in the proxy config)`);
  }
  const compDrafts: ComparisonDraft[] = [];
  const headDrafts: HeadlineDraft[] = [];
  perRunner.forEach(({ runner, groups }, i) => {
    const baseTasks = new Set(groups.filter((g) => g.condition === opt.baseline).map((g) => g.task));
    for (const g of groups) {
      if (g.condition !== opt.baseline && !baseTasks.has(g.task)) notes.push(`${runner}/${g.condition}/${g.task}: no ${opt.baseline} runs for this task; not compared`);
    }
    const r = compared[i] as (typeof compared)[number];
    compDrafts.push(...r.comparisons);
    headDrafts.push(...r.headlines);
    notes.push(...r.notes);
  });
  // Present comparisons as runner › condition › metric › task, whatever order they were computed in.
  // positions by Map, not indexOf: 7,000 comparisons of 1,000 tasks made the sort scan the task list ~10⁸ times
  const positionsIn = (list: readonly string[]): Map<string, number> => {
    const positions = new Map<string, number>();
    list.forEach((x, i) => positions.has(x) || positions.set(x, i)); // the first, as indexOf
    return positions;
  };
  const [runnerAt, conditionAt, metricAt, taskAt] = [grouped.runners, conditions, opt.metrics, grouped.tasks].map(positionsIn) as [Map<string, number>, Map<string, number>, Map<string, number>, Map<string, number>];
  const at = (positions: Map<string, number>, x: string): number => positions.get(x) ?? -1;
  compDrafts.sort((a, b) =>
    at(runnerAt, a.runner) - at(runnerAt, b.runner) || at(conditionAt, a.condition) - at(conditionAt, b.condition) ||
    at(metricAt, a.metric) - at(metricAt, b.metric) || at(taskAt, a.task) - at(taskAt, b.task));
  const headlines = finalizeHeadlines(headDrafts, opt);
  const success = compareSuccess(cells, grouped.runners, conditions, opt);
  return {
    format: REPORT_FORMAT,
    version: REPORT_VERSION,
    experiment: loaded.experiment,
    runIds: loaded.runIds,
    sources: loaded.sources,
    provenance,
    records: { total: records.length, used: records.length - infra - canceled, infra, canceled, duplicates: loaded.duplicates, ...(loaded.history ? { history: loaded.history } : {}) },
    ...(loaded.uncounted ? { uncounted: loaded.uncounted } : {}),
    options: opt,
    runners: grouped.runners,
    conditions,
    tasks: grouped.tasks,
    cells,
    success,
    overall: success.map((x) => overallOf(x, headlines, opt)),
    comparisons: finalizeComparisons(compDrafts, opt),
    headlines,
    notes: [...new Set([...(loaded.notes ?? []), ...notes])],
    timeSplit: timeSplits(records, { runners: grouped.runners, conditions, headlines, options: opt }),
  };
}
