/**
 * The report's tables and verdict lines as format-neutral rows of text cells; the Markdown
 * and HTML renderers only decide how a cell, a bold cell and a verdict look.
 */
import type { Verdict } from '../stats/verdict.ts';
import { fisherExact } from '../stats/fisher.ts';
import type { Proportion } from '../stats/wilson.ts';
import {
  formatChange, formatDetectable, formatP, formatPercent, formatRatioCi, formatSigned, formatValue, pText, reasonText, thresholdText,
} from './format.ts';
import type { MetricId } from './metrics.ts';
import { zeroMedianArm, type CellStats, type Comparison, type Headline, type RunSpread, type SuccessComparison } from './model.ts';
import { latencyQuantiles, pooledLatencies, type ReportView } from './view.ts';

export interface Cell {
  text: string;
  bold?: boolean;
  /** A verdict shown after the text. */
  verdict?: Verdict;
}

export interface Table {
  header: string[];
  /** 'l' or 'r' per column. */
  align: ('l' | 'r')[];
  rows: Cell[][];
  /** Lines shown under the table (what a ¹ marker means). */
  footnotes: string[];
}

export interface VerdictLine {
  metric: string;
  verdict: Verdict;
  /** Shown instead of the verdict's own text (success: "worse", "better"…). */
  label?: string;
  summary: string;
  details: string[];
}

export interface VerdictBlock {
  title: string;
  lines: VerdictLine[];
}

const c = (text: string, extra: Omit<Cell, 'text'> = {}): Cell => ({ text, ...extra });

/** Marks a median without an interval, benchstat-style, when other cells do have one. */
const UNBOUNDED_MARK = '±∞ ¹';

function unboundedFootnote(v: ReportView): string {
  return `¹ need ≥ ${v.medianCiMinN} runs for a ${formatPercent(v.report.options.confidence)} interval of the median`;
}

/**
 * The sentence said once instead of marking every median, when no cell has an interval.
 * Null when some cell has one (tables then mark the cells without).
 */
export function mediansNote(v: ReportView): string | null {
  if (!v.allMediansUnbounded || v.report.cells.length === 0) return null;
  return `Every cell has fewer than ${v.medianCiMinN} runs, so medians are shown without an interval (an exact ${formatPercent(v.report.options.confidence)} interval needs at least ${v.medianCiMinN}).`;
}

function medianCell(v: ReportView, cell: CellStats | undefined, m: MetricId): Cell {
  const s = cell?.metrics[m];
  if (!s || s.n === 0) return c('—');
  const k = v.metric(m).kind;
  if (s.medianCi.unbounded) return c(v.allMediansUnbounded ? formatValue(k, s.median) : `${formatValue(k, s.median)} ${UNBOUNDED_MARK}`);
  return c(`${formatValue(k, s.median)} [${formatValue(k, s.medianCi.lo)}, ${formatValue(k, s.medianCi.hi)}]`);
}

const marked = (rows: Cell[][]): boolean => rows.some((r) => r.some((x) => x.text.endsWith(UNBOUNDED_MARK)));

/** The change of a comparison: a percent change with its CI, or an absolute one at a zero baseline. */
export function changeText(v: ReportView, x: Comparison): string {
  if (!x.absolute) return `${formatChange(x.ratio)} ${formatRatioCi(x.lo, x.hi)}`;
  const k = v.metric(x.metric).kind;
  const a = x.absolute;
  // No ratio: a median of 0 in one arm (or a ratio that resamples to 0 or ∞) — say which arm.
  const arm = zeroMedianArm(x);
  const zero = arm ? `${arm} median 0` : 'a median of 0 in resamples';
  return `${formatSigned(k, a.diff)} abs [${formatSigned(k, a.lo)}, ${formatSigned(k, a.hi)}] (mean; ${zero})`;
}

function vsBase(v: ReportView, x: Comparison | undefined): Cell {
  if (!x) return c('—');
  const pair = x.paired ? ' paired' : '';
  return c(`${changeText(v, x)} ${pText('p', x.test.p, x.test.method === 'normal-approx')} ${pText('q', x.q)} n=${x.nBase}+${x.nCond}${pair}`, { verdict: x.verdict });
}

export function metricTable(v: ReportView, runner: string, m: MetricId): Table {
  const r = v.report;
  const def = v.metric(m);
  const header = ['task', r.options.baseline];
  const align: Table['align'] = ['l', 'r'];
  for (const cond of v.others) {
    header.push(cond, 'vs base');
    align.push('r', 'l');
  }
  const tasks = v.tasksOf(runner);
  const rows = tasks.map((t) => {
    const row = [c(t), medianCell(v, v.cell(runner, r.options.baseline, t), m)];
    for (const cond of v.others) row.push(medianCell(v, v.cell(runner, cond, t), m), vsBase(v, v.comparison(runner, cond, t, m)));
    return row;
  });
  const heads = v.others.map((cond) => v.headline(runner, cond, m));
  const first = heads.find((h) => h !== undefined);
  if (first && tasks.length > 1) {
    const geo = [c('geomean', { bold: true }), c(formatValue(def.kind, v.geomeanOfMedians(runner, r.options.baseline, m, first.tasks)))];
    v.others.forEach((cond, i) => {
      const h = heads[i];
      geo.push(c(h ? formatValue(def.kind, v.geomeanOfMedians(runner, cond, m, h.tasks)) : '—'));
      geo.push(h ? c(`${formatChange(h.ratio)} ${formatRatioCi(h.lo, h.hi)} ${pText('Holm p', h.pHolm)}`, { bold: true, verdict: h.verdict }) : c('—'));
    });
    rows.push(geo);
  }
  return { header, align, rows, footnotes: marked(rows) ? [unboundedFootnote(v)] : [] };
}

/** What the runs themselves show (for a verdict the design cannot give: say what the data does). */
export function spreadText(spread: RunSpread | null, condition: string, baseline: string): string | null {
  if (!spread) return null;
  const range = spread.lo === spread.hi || formatChange(spread.lo) === formatChange(spread.hi) ? formatChange(spread.lo) : `${formatChange(spread.lo)} to ${formatChange(spread.hi)}`;
  const oneSide = spread.lo > 1 || spread.hi < 1;
  if (spread.paired) return oneSide ? `all ${spread.n} pairs ${range}` : `pairs range ${range}`;
  if (oneSide) return `every ${condition} run ${spread.hi < 1 ? 'below' : 'above'} every ${baseline} run (${range})`;
  return `run-by-run changes range ${range}`;
}

function repsText(h: Headline, unit: string, perTask: string): string | null {
  const need = h.repsNeeded;
  if (!need || need.reps === null) return null;
  const what = need.kind === 'change' ? `call a true ${formatChange(need.target)}` : 'show "no meaningful change" if nothing changed';
  return `~${need.reps} ${unit}${perTask} would ${what}`;
}

/** Which runs a headline uses, why it has no verdict, what it can detect, and how many runs would do. */
function powerDetails(v: ReportView, h: Headline, th: string): string[] {
  const r = v.report;
  const perTask = h.tasks.length > 1 ? ' per task' : '';
  const unit = h.paired ? 'pairs' : 'runs per arm';
  const runs = `${r.options.runs === 'passing' ? 'passing runs' : 'all runs'}, n=${h.minArm} ${unit}${perTask}`;
  const out = [runs];
  const reps = repsText(h, unit, perTask);
  if (h.verdict === 'inconclusive') {
    const shows = spreadText(h.spread, h.condition, h.baseline);
    if (shows) out.push(shows);
  }
  if (!h.supportable) {
    out.push(`too few for any verdict: each task needs ≥ ${h.runsNeeded} ${unit}`);
    if (reps) out.push(reps);
    return out;
  }
  const holmFloor = h.minAchievableP * r.headlines.length;
  if (h.reason === 'not-significant' && holmFloor >= r.options.alpha) {
    out.push(`the smallest p these n allow (${formatP(h.minAchievableP)}) times ${r.headlines.length} headlines (Holm) cannot reach ${r.options.alpha}`);
  }
  // Null although supportable: some run has a zero value, so the spread of logs is undefined.
  const detectable = h.detectableRatio === null ? 'n/a (zero values: no spread on the log scale)' : formatDetectable(h.detectableRatio, r.options.threshold);
  out.push(`detectable at this n (${formatPercent(r.options.power)} power): ${detectable}`);
  if (reps && h.verdict === 'inconclusive' && (h.repsNeeded?.reps ?? 0) > h.minArm) out.push(reps);
  return out;
}

function proportionText(x: Proportion | null): string {
  return x ? `${x.k}/${x.n} ${formatPercent(x.rate)} [${formatPercent(x.lo)}, ${formatPercent(x.hi)}]` : '0/0';
}

/** Verdicts of a significant change (per-task rows are listed for these). */
const SIGNIFICANT: ReadonlySet<Verdict> = new Set(['improved', 'regressed', 'increased', 'decreased']);

const SUCCESS_VERDICT: Record<SuccessComparison['verdict'], Verdict> = { worse: 'regressed', better: 'improved', same: 'no-change', inconclusive: 'inconclusive' };

export function successLine(v: ReportView, s: SuccessComparison): VerdictLine {
  const label = s.verdict === 'same' ? 'no difference' : s.verdict === 'inconclusive' ? 'no significant difference' : s.verdict;
  return {
    metric: 'success rate',
    verdict: SUCCESS_VERDICT[s.verdict],
    label,
    summary: `${proportionText(s.cond)} vs ${proportionText(s.base)} in ${s.baseline}`,
    details: [`Fisher exact ${pText('p', s.p, false, true)}`, `all runs except infra and canceled, ${s.tasks.length} task${s.tasks.length === 1 ? '' : 's'}`],
  };
}

export function verdictBlocks(v: ReportView): VerdictBlock[] {
  const r = v.report;
  const th = thresholdText(r.options.threshold);
  const blocks: VerdictBlock[] = [];
  for (const runner of r.runners) {
    for (const cond of v.others) {
      const hs = r.options.metrics.map((m) => v.headline(runner, cond, m)).filter((h): h is Headline => h !== undefined);
      const success = r.success.find((s) => s.runner === runner && s.condition === cond);
      if (hs.length === 0 && !success) continue;
      const overall = r.overall.find((o) => o.runner === runner && o.condition === cond);
      const tasks = success?.tasks.length ?? hs[0]?.tasks.length ?? 0;
      const who = r.runners.length > 1 ? ` (runner ${runner})` : '';
      const lines: VerdictLine[] = [];
      if (success) lines.push(successLine(v, success));
      if (overall?.overall) lines.push({ metric: 'overall', verdict: overall.overall, summary: '', details: [overall.reason ?? ''] });
      if (hs.length === 0) lines.push({ metric: 'latency, tokens, cost', verdict: 'inconclusive', summary: '', details: [`no ${r.options.runs === 'passing' ? 'passing ' : ''}runs to compare in both arms`] });
      for (const m of r.options.metrics) {
        const h = v.headline(runner, cond, m);
        if (!h) {
          // A metric left without a headline says why, in its place, rather than vanishing from the list.
          if (hs.length > 0) lines.push({ metric: v.metric(m).label, verdict: 'inconclusive', label: 'no headline', summary: '', details: ['no ratio on at least one task (a median of 0 in one arm, or no runs): the per-task table gives the absolute change'] });
          continue;
        }
        const details = [
          `${pText('p', h.test.p, h.test.method === 'normal-approx', true)}, ${pText('Holm p', h.pHolm, false, true)}`,
          ...(h.reason === 'too-few-runs' ? [] : [reasonText(h.reason, th)]),
          ...powerDetails(v, h, th),
        ];
        // A condition whose runs fail more is not improved by being quicker or cheaper at it: say so on the line itself.
        const despiteFailures = h.verdict === 'improved' && success?.verdict === 'worse';
        if (despiteFailures) details.unshift(r.options.runs === 'all' ? 'its failed runs are counted, and failing early is cheap: not a gain' : 'on passing runs only, while more runs fail: not a gain');
        lines.push({ metric: v.metric(h.metric).label, verdict: h.verdict, ...(despiteFailures ? { label: 'lower, but success is worse' } : {}), summary: `${formatChange(h.ratio)} ${formatRatioCi(h.lo, h.hi)}`, details });
      }
      // Where the change is: per-task rows with a verdict of their own (BH q), when there are several tasks.
      if (tasks > 1) {
        for (const x of r.comparisons) {
          if (x.runner !== runner || x.condition !== cond || !SIGNIFICANT.has(x.verdict)) continue;
          lines.push({
            metric: `${v.metric(x.metric).label} on ${x.task}`,
            verdict: x.verdict,
            summary: changeText(v, x),
            details: [`${pText('p', x.test.p, x.test.method === 'normal-approx', true)}, ${pText('BH q', x.q, false, true)}`, `${r.options.runs === 'passing' ? 'passing runs' : 'all runs'}, n=${x.nBase}+${x.nCond}${x.paired ? ' paired' : ''}`],
          });
        }
      }
      blocks.push({
        title: `${cond} vs ${r.options.baseline}${who}, ${tasks} task${tasks === 1 ? '' : 's'}: success first, then the geometric mean of per-task median ratios`,
        lines,
      });
    }
  }
  return blocks;
}

export function successTable(v: ReportView, runner: string): Table {
  const r = v.report;
  const rows = v.tasksOf(runner).map((t) => [
    c(t),
    ...r.conditions.map((cond) => {
      const cell = v.cell(runner, cond, t);
      if (!cell) return c('—');
      const s = cell.success;
      const baseCell = v.cell(runner, r.options.baseline, t);
      const b = baseCell?.success;
      const vs = cond !== r.options.baseline && s && b ? ` ${pText('p', fisherExact(s.k, s.n, b.k, b.n).p)}` : '';
      const base = proportionText(s) + vs;
      const excl = [cell.outcomes.infra ? `${cell.outcomes.infra} infra` : '', cell.outcomes.canceled ? `${cell.outcomes.canceled} canceled` : ''].filter(Boolean);
      return c(excl.length ? `${base} (+${excl.join(', ')})` : base);
    }),
  ]);
  return { header: ['task', ...r.conditions], align: ['l', ...r.conditions.map(() => 'r' as const)], rows, footnotes: [] };
}

export function detailTable(v: ReportView, m: MetricId): Table {
  const r = v.report;
  const k = v.metric(m).kind;
  const multi = r.runners.length > 1;
  const f = (x: number | null | undefined): string => formatValue(k, x ?? null);
  const showCi = !v.allMediansUnbounded; // else said once for the whole report
  const rows = r.cells.map((cell) => {
    const s = cell.metrics[m];
    const ci = !s || s.medianCi.unbounded ? UNBOUNDED_MARK : `${f(s.medianCi.lo)} – ${f(s.medianCi.hi)}`;
    const outl = s && s.outliers.length
      ? s.outliers.slice(0, 3).map((o) => `rep ${o.rep} ${f(o.value)}${o.kind === 'extreme' ? ' (extreme)' : ''}`).join(', ') + (s.outliers.length > 3 ? `, +${s.outliers.length - 3}` : '')
      : '';
    return [...(multi ? [cell.runner] : []), cell.condition, cell.task, String(s?.n ?? 0), f(s?.median), ...(showCi ? [ci] : []), f(s?.mean), f(s?.p95), f(s?.min), f(s?.max), outl].map((t) => c(t));
  });
  const header = [...(multi ? ['runner'] : []), 'condition', 'task', 'n', 'median', ...(showCi ? [`${formatPercent(r.options.confidence)} CI`] : []), 'mean', 'p95', 'min', 'max', 'outliers'];
  const textCols = multi ? 3 : 2;
  return { header, align: header.map((_, i) => (i < textCols || i === header.length - 1 ? 'l' : 'r')), rows, footnotes: marked(rows) ? [unboundedFootnote(v)] : [] };
}

export function latencyTable(v: ReportView): Table | null {
  const r = v.report;
  const multi = r.runners.length > 1;
  const rows: Cell[][] = [];
  for (const runner of r.runners) {
    for (const cond of r.conditions) {
      const q = latencyQuantiles(pooledLatencies(r, runner, cond));
      if (!q) continue;
      rows.push([...(multi ? [runner] : []), cond, String(q.n), ...[q.p50, q.p90, q.p99].map((x) => formatValue('duration', x))].map((t) => c(t)));
    }
  }
  if (rows.length === 0) return null;
  const header = [...(multi ? ['runner'] : []), 'condition', 'calls', 'p50', 'p90', 'p99'];
  return { header, align: header.map((_, i) => (i < header.length - 4 ? 'l' : 'r')), rows, footnotes: [] };
}
