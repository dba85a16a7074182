/**
 * Where each condition's time went: the cells' wall-time decompositions (src/trace/decompose.ts)
 * summarised per runner × condition — typical model, tool and harness time and their shares of
 * the wall time — and how each part moved against the baseline, so a verdict can be read as
 * "c1 spends 30 % less time in the model and 10 % more in tools".
 *
 * Runs are the ones the metric statistics use (used runs; passing only under `--runs passing`).
 * Tasks weigh equally, as in the headlines: a part's time is the mean over tasks of the per-task
 * median, a share the mean over tasks of the per-task mean share. The change of a part is the
 * headline of the matching metric (model, tool, harness: ratio, interval, verdict, Holm p) when
 * the report compares that metric, else a point estimate by the same rule (geometric mean over
 * the shared tasks of the per-task median ratios) with no interval.
 */
import type { Decomposition, RunRecord } from '../experiment/run-record.ts';
import { medianSorted } from '../stats/quantile.ts';
import type { Verdict } from '../stats/verdict.ts';
import { formatPercent, formatRatioCi, formatValue, VERDICT_TEXT } from './format.ts';
import { EXCLUDED_OUTCOMES, type MetricRuns } from './group.ts';
import type { Headline, Report } from './model.ts';
import type { Table } from './tables.ts';

export const TIME_PARTS = ['model', 'tool', 'harness', 'other'] as const;
export type TimePart = (typeof TIME_PARTS)[number];

const PART_LABEL: Record<TimePart, string> = { model: 'model', tool: 'tools', harness: 'harness', other: 'other' };
/** "spends 30 % less time in the model / in tools / in the harness". */
const PART_PLACE: Record<Exclude<TimePart, 'other'>, string> = { model: 'in the model', tool: 'in tools', harness: 'in the harness' };

export interface TimePartStats {
  /** Mean over tasks of the per-task median, ms. */
  ms: number;
  /** Mean over tasks of the per-task mean share of wall time, 0..1. */
  share: number;
}

export interface TimePartChange {
  part: Exclude<TimePart, 'other'>;
  /** Condition / baseline; null when undefined (a zero baseline). */
  ratio: number | null;
  lo: number | null;
  hi: number | null;
  /** The headline's verdict; null for a point estimate without a test. */
  verdict: Verdict | null;
  /** Share of wall time in this part, in points: condition − baseline. */
  sharePoints: number;
}

export interface TimeSplit {
  runner: string;
  condition: string;
  /** Runs with a decomposition that fed these figures. */
  runs: number;
  /** Of them, runs whose decomposition tiles the wall time within its stated tolerance. */
  tiled: number;
  tasks: string[];
  /** Mean over tasks of the per-task median wall time, ms. */
  wallMs: number;
  parts: Record<TimePart, TimePartStats>;
  /** Null for the baseline, or when no task has both arms. */
  change: TimePartChange[] | null;
  /** "c1 spends 30 % less time in the model and 10 % more in tools …"; null for the baseline. */
  summary: string | null;
}

const partMs = (d: Decomposition, p: TimePart): number =>
  p === 'model' ? d.modelMs : p === 'tool' ? d.toolMs : p === 'harness' ? d.harnessMs : d.orchestrationMs + d.unattributedMs;
const partShare = (d: Decomposition, p: TimePart): number =>
  p === 'model' ? d.shares.model : p === 'tool' ? d.shares.tool : p === 'harness' ? d.shares.harness : d.shares.orchestration + d.shares.unattributed;

interface TaskStats {
  wall: number;
  median: Record<TimePart, number>;
  share: Record<TimePart, number>;
}

const median = (xs: number[]): number => medianSorted(Float64Array.from(xs).sort());

function taskStats(ds: readonly Decomposition[]): TaskStats {
  const median0 = {} as Record<TimePart, number>;
  const share = {} as Record<TimePart, number>;
  for (const p of TIME_PARTS) {
    median0[p] = median(ds.map((d) => partMs(d, p)));
    share[p] = ds.reduce((s, d) => s + partShare(d, p), 0) / ds.length;
  }
  return { wall: median(ds.map((d) => d.wallMs)), median: median0, share };
}

const SEP = '\u0000';

/** Per runner × condition × task, the decompositions of the runs the metric statistics use. */
function decompositionsByCell(records: readonly RunRecord[], runs: MetricRuns): Map<string, Decomposition[]> {
  const out = new Map<string, Decomposition[]>();
  // an indexed loop: a for…of loop that runs once makes an iterator result per record
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as RunRecord;
    if (!r.decomposition || EXCLUDED_OUTCOMES.includes(r.outcome) || (runs === 'passing' && r.outcome !== 'pass')) continue;
    const key = [r.runner, r.condition, r.task].join(SEP);
    const list = out.get(key);
    if (list) list.push(r.decomposition);
    else out.set(key, [r.decomposition]);
  }
  return out;
}

/** Geometric mean over tasks of the per-task median ratios (the headline's point estimate). */
function pointRatio(base: Map<string, TaskStats>, cond: Map<string, TaskStats>, tasks: readonly string[], part: TimePart): number | null {
  let logSum = 0;
  for (const t of tasks) {
    const b = base.get(t)!.median[part];
    const c = cond.get(t)!.median[part];
    if (!(b > 0)) return null;
    if (!(c > 0)) return 0;
    logSum += Math.log(c / b);
  }
  return Math.exp(logSum / tasks.length);
}

function meanOver(tasks: readonly string[], stats: Map<string, TaskStats>, read: (s: TaskStats) => number): number {
  return tasks.reduce((s, t) => s + read(stats.get(t)!), 0) / tasks.length;
}

function partsOf(tasks: readonly string[], stats: Map<string, TaskStats>): Record<TimePart, TimePartStats> {
  return Object.fromEntries(TIME_PARTS.map((p) => [p, { ms: meanOver(tasks, stats, (s) => s.median[p]), share: meanOver(tasks, stats, (s) => s.share[p]) }])) as Record<TimePart, TimePartStats>;
}

/** "30 % less time in the model ([-38%, -20%], improved)", "about the same in the harness (…)". */
function changePhrase(c: TimePartChange, first: boolean, baseline: string): string {
  const place = PART_PLACE[c.part];
  const time = first ? ' time' : '';
  if (c.ratio === null) return `an unmeasurable change of time ${place} (none in ${baseline}'s median)`;
  const pct = Math.round(Math.abs(c.ratio - 1) * 100);
  const what = pct === 0 ? `about the same${time} ${place}` : `${pct} % ${c.ratio < 1 ? 'less' : 'more'}${time} ${place}`;
  const evidence = c.verdict ? `${formatRatioCi(c.lo, c.hi)}, ${VERDICT_TEXT[c.verdict]}` : 'point estimate, no interval';
  return `${what} (${evidence})`;
}

function summaryOf(condition: string, baseline: string, change: readonly TimePartChange[]): string {
  const phrases = change.map((c, i) => changePhrase(c, i === 0, baseline));
  const list = phrases.length > 1 ? `${phrases.slice(0, -1).join(', ')} and ${phrases[phrases.length - 1]}` : (phrases[0] ?? '');
  return `${condition} spends ${list} than ${baseline}.`;
}

/** Time splits of every runner × condition with decomposed runs (baseline first). */
export function timeSplits(records: readonly RunRecord[], r: Pick<Report, 'runners' | 'conditions' | 'headlines' | 'options'>): TimeSplit[] {
  const byCell = decompositionsByCell(records, r.options.runs);
  const out: TimeSplit[] = [];
  const headline = (runner: string, condition: string, part: TimePart): Headline | undefined =>
    r.headlines.find((h) => h.runner === runner && h.condition === condition && h.metric === part);
  for (const runner of r.runners) {
    const statsOf = (condition: string): Map<string, TaskStats> => {
      const m = new Map<string, TaskStats>();
      for (const [key, ds] of byCell) {
        const [ru, co, task] = key.split(SEP) as [string, string, string];
        if (ru === runner && co === condition) m.set(task, taskStats(ds));
      }
      return m;
    };
    const base = statsOf(r.options.baseline);
    for (const condition of r.conditions) {
      const mine = statsOf(condition);
      if (mine.size === 0) continue;
      const tasks = [...mine.keys()].sort();
      const runs = tasks.reduce((n, t) => n + (byCell.get([runner, condition, t].join(SEP))?.length ?? 0), 0);
      const tiled = tasks.reduce((n, t) => n + (byCell.get([runner, condition, t].join(SEP)) ?? []).filter((d) => d.withinTolerance).length, 0);
      const split: TimeSplit = {
        runner, condition, runs, tiled, tasks,
        wallMs: meanOver(tasks, mine, (s) => s.wall),
        parts: partsOf(tasks, mine),
        change: null,
        summary: null,
      };
      const shared = condition === r.options.baseline ? [] : tasks.filter((t) => base.has(t));
      if (shared.length > 0) {
        const baseParts = partsOf(shared, base);
        const condParts = partsOf(shared, mine);
        split.change = (['model', 'tool', 'harness'] as const).map((part) => {
          const h = headline(runner, condition, part);
          const sharePoints = (condParts[part].share - baseParts[part].share) * 100;
          return h
            ? { part, ratio: h.ratio, lo: h.lo, hi: h.hi, verdict: h.verdict, sharePoints }
            : { part, ratio: pointRatio(base, mine, shared, part), lo: null, hi: null, verdict: null, sharePoints };
        });
        split.summary = summaryOf(condition, r.options.baseline, split.change);
      }
      out.push(split);
    }
  }
  return out;
}

const seconds = (ms: number): string => formatValue('duration', ms);

/** One runner's splits as a table: condition, wall, then each part's time and share (and the share's move). */
export function timeSplitTable(splits: readonly TimeSplit[], runner: string): Table {
  const mine = splits.filter((s) => s.runner === runner);
  const rows = mine.map((s) => [
    { text: s.condition, bold: true },
    { text: seconds(s.wallMs) },
    ...TIME_PARTS.map((p) => {
      const moved = s.change?.find((c) => c.part === p);
      const points = moved && Math.abs(moved.sharePoints) >= 0.5 ? ` (${moved.sharePoints > 0 ? '+' : '−'}${Math.abs(moved.sharePoints).toFixed(0)} pts)` : '';
      return { text: `${seconds(s.parts[p].ms)} · ${formatPercent(s.parts[p].share)}${points}` };
    }),
    { text: `${s.tiled}/${s.runs}` },
  ]);
  return {
    header: ['condition', 'wall', ...TIME_PARTS.map((p) => PART_LABEL[p]), 'tiled'],
    align: ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    rows,
    footnotes: [],
  };
}

/** The paragraph above the tables: what the numbers are, and how far to trust the split. */
export function timeSplitIntro(r: Pick<Report, 'options'>, splits: readonly TimeSplit[]): string[] {
  const untiled = splits.reduce((n, s) => n + s.runs - s.tiled, 0);
  return [
    `Each cell's wall time split by what was happening: a model call in flight (model), else a tool running (tools), else the agent's own work while it ran (harness, start-up included), else agentab's phases around it and any unexplained gap (other). Times are per-task medians averaged over tasks; shares are of the wall time; pts is the share's move against ${r.options.baseline}. ${r.options.runs === 'passing' ? 'Passing runs only.' : 'All used runs.'}`,
    `Changes are the model, tool and harness time headlines (geometric mean of per-task median ratios, ${formatPercent(r.options.confidence)} interval, verdict after Holm); model time there is the sum of call durations, which equals the time in the model unless calls overlap.${untiled ? ` ${untiled} run(s) do not tile their wall time within the stated tolerance (their "other" holds the unexplained gap).` : ''}`,
  ];
}
