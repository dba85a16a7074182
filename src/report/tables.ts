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
}

export interface VerdictBlock {
  title: string;
  lines: { metric: string; verdict: Verdict; summary: string; details: string[] }[];
}

const c = (text: string, extra: Omit<Cell, 'text'> = {}): Cell => ({ text, ...extra });

function medianCell(v: ReportView, cell: CellStats | undefined, m: MetricId): Cell {
  const s = cell?.metrics[m];
  if (!s || s.n === 0) return c('—');
  const k = v.metric(m).kind;
  const ci = s.medianCi.unbounded ? '[unbounded]' : `[${formatValue(k, s.medianCi.lo)}, ${formatValue(k, s.medianCi.hi)}]`;
  return c(`${formatValue(k, s.median)} ${ci}`);
}

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
  return { header, align, rows };
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
            reasonText(h.reason, th),
            `detectable at this n: ${formatDetectable(h.detectableRatio)}`,
          ];
          if (h.repsForThreshold !== null && h.verdict === 'inconclusive') details.push(`~${h.repsForThreshold} runs per arm per task would detect ±${th}`);
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
  return { header: ['task', ...r.conditions], align: ['l', ...r.conditions.map(() => 'r' as const)], rows };
}

export function detailTable(v: ReportView, m: MetricId): Table {
  const r = v.report;
  const k = v.metric(m).kind;
  const multi = r.runners.length > 1;
  const f = (x: number | null | undefined): string => formatValue(k, x ?? null);
  const rows = r.cells.map((cell) => {
    const s = cell.metrics[m];
    const ci = !s || s.medianCi.unbounded ? 'unbounded' : `${f(s.medianCi.lo)} – ${f(s.medianCi.hi)}`;
    const outl = s && s.outliers.length
      ? s.outliers.slice(0, 3).map((o) => `rep ${o.rep} ${f(o.value)}${o.kind === 'extreme' ? ' (extreme)' : ''}`).join(', ') + (s.outliers.length > 3 ? `, +${s.outliers.length - 3}` : '')
      : '';
    return [...(multi ? [cell.runner] : []), cell.condition, cell.task, String(s?.n ?? 0), f(s?.median), ci, f(s?.mean), f(s?.p95), f(s?.min), f(s?.max), outl].map((t) => c(t));
  });
  const header = [...(multi ? ['runner'] : []), 'condition', 'task', 'n', 'median', `${formatPercent(r.options.confidence)} CI`, 'mean', 'p95', 'min', 'max', 'outliers'];
  const textCols = multi ? 3 : 2;
  return { header, align: header.map((_, i) => (i < textCols || i === header.length - 1 ? 'l' : 'r')), rows };
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
  return { header, align: header.map((_, i) => (i < header.length - 4 ? 'l' : 'r')), rows };
}
