/**
 * The report's tables and verdict lines as format-neutral rows of text cells; the Markdown
 * and HTML renderers only decide how a cell, a bold cell and a verdict look.
 */
import type { Verdict } from '../stats/verdict.ts';
import {
  formatChange, formatDetectable, formatPercent, formatRatioCi, formatValue, pText, reasonText, thresholdText,
} from './format.ts';
import type { MetricId } from './metrics.ts';
import type { CellStats, Comparison, Headline } from './model.ts';
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

export interface VerdictBlock {
  title: string;
  lines: { metric: string; verdict: Verdict; summary: string; details: string[] }[];
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

function vsBase(x: Comparison | undefined): Cell {
  if (!x) return c('—');
  const pair = x.paired ? ' paired' : '';
  return c(`${formatChange(x.ratio)} ${formatRatioCi(x.lo, x.hi)} ${pText('p', x.test.p, x.test.method !== 'exact')} ${pText('q', x.q)} n=${x.nBase}+${x.nCond}${pair}`, { verdict: x.verdict });
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
    for (const cond of v.others) row.push(medianCell(v, v.cell(runner, cond, t), m), vsBase(v.comparison(runner, cond, t, m)));
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

/** Why a headline has no verdict, or what its n can detect; and how many runs would do. */
function powerDetails(h: Headline, th: string): string[] {
  const reps = h.repsForThreshold;
  const perTask = h.tasks.length > 1 ? ' per task' : '';
  if (!h.supportable) {
    const unit = h.paired ? 'pairs' : 'per arm';
    const more = reps !== null ? `; ~${reps} runs per arm${perTask} would detect ±${th}` : '';
    return [`n=${h.minArm} ${unit}${perTask} is too few for any verdict (needs ≥ ${h.runsNeeded} ${unit})${more}`];
  }
  // Null although supportable: some run has a zero value, so the spread of logs is undefined.
  const detectable = h.detectableRatio === null ? 'n/a (zero values: no spread on the log scale)' : formatDetectable(h.detectableRatio);
  const out = [`detectable at this n: ${detectable}`];
  if (reps !== null && h.verdict === 'inconclusive' && reps > h.minArm) out.push(`~${reps} runs per arm${perTask} would detect ±${th}`);
  return out;
}

export function verdictBlocks(v: ReportView): VerdictBlock[] {
  const r = v.report;
  const th = thresholdText(r.options.threshold);
  const blocks: VerdictBlock[] = [];
  for (const runner of r.runners) {
    for (const cond of v.others) {
      const hs = r.options.metrics.map((m) => v.headline(runner, cond, m)).filter((h): h is Headline => h !== undefined);
      if (hs.length === 0) continue;
      const tasks = hs[0]?.tasks.length ?? 0;
      const who = r.runners.length > 1 ? ` (runner ${runner})` : '';
      blocks.push({
        title: `${cond} vs ${r.options.baseline}${who}, ${tasks} task${tasks === 1 ? '' : 's'}, geometric mean of per-task median ratios`,
        lines: hs.map((h) => {
          const details = [
            `${pText('p', h.test.p, h.test.method !== 'exact', true)}, ${pText('Holm p', h.pHolm, false, true)}`,
            ...(h.reason === 'too-few-runs' ? [] : [reasonText(h.reason, th)]),
            ...powerDetails(h, th),
          ];
          return { metric: v.metric(h.metric).label, verdict: h.verdict, summary: `${formatChange(h.ratio)} ${formatRatioCi(h.lo, h.hi)}`, details };
        }),
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
      const base = s ? `${s.k}/${s.n} ${formatPercent(s.rate)} [${formatPercent(s.lo)}, ${formatPercent(s.hi)}]` : '0/0';
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
