/**
 * Markdown report, benchstat-style: one table per metric (`task | baseline | c1 | vs base …`)
 * with a geomean row, criterion-style verdict lines up front, details and method notes after.
 */
import { methodNotes } from './explain.ts';
import {
  formatChange, formatDetectable, formatPercent, formatRatioCi, formatValue, pText, reasonText, thresholdText, VERDICT_TEXT,
} from './format.ts';
import type { MetricId } from './metrics.ts';
import type { CellStats, Comparison, Headline, Report } from './model.ts';
import { latencyQuantiles, pooledLatencies, viewOf, type ReportView } from './view.ts';

const esc = (s: string): string => s.replace(/\|/g, '\\|');

function table(header: string[], align: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${align.join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function medianCell(v: ReportView, c: CellStats | undefined, m: MetricId): string {
  const s = c?.metrics[m];
  if (!s || s.n === 0) return '—';
  const k = v.metric(m).kind;
  const ci = s.medianCi.unbounded ? '[unbounded]' : `[${formatValue(k, s.medianCi.lo)}, ${formatValue(k, s.medianCi.hi)}]`;
  return `${formatValue(k, s.median)} ${ci}`;
}

function vsBase(c: Comparison | undefined): string {
  if (!c) return '—';
  const pair = c.paired ? ' paired' : '';
  const verdict = c.verdict === 'inconclusive' ? '~' : `**${VERDICT_TEXT[c.verdict]}**`;
  return `${formatChange(c.ratio)} ${formatRatioCi(c.lo, c.hi)} ${pText('p', c.test.p, c.test.method !== 'exact')} ${pText('q', c.q)} n=${c.nBase}+${c.nCond}${pair} ${verdict}`;
}

function headlineLine(h: Headline, metricLabel: string, th: string): string {
  const parts = [
    `**${metricLabel}: ${VERDICT_TEXT[h.verdict]}** ${formatChange(h.ratio)} ${formatRatioCi(h.lo, h.hi)}`,
    `${pText('p', h.test.p, h.test.method !== 'exact', true)}, ${pText('Holm p', h.pHolm, false, true)}`,
    reasonText(h.reason, th),
    `detectable at this n: ${formatDetectable(h.detectableRatio)}`,
  ];
  if (h.repsForThreshold !== null && h.verdict === 'inconclusive') parts.push(`~${h.repsForThreshold} runs per arm per task would detect ±${th}`);
  return `- ${parts.join(' · ')}`;
}

function verdictSection(v: ReportView): string[] {
  const r = v.report;
  const th = thresholdText(r.options.threshold);
  const out: string[] = ['## Verdicts', ''];
  if (r.headlines.length === 0) return [...out, 'No condition shares a task with the baseline; nothing to compare.', ''];
  for (const runner of r.runners) {
    for (const cond of v.others) {
      const hs = r.options.metrics.map((m) => v.headline(runner, cond, m)).filter((h): h is Headline => h !== undefined);
      if (hs.length === 0) continue;
      const tasks = hs[0]?.tasks.length ?? 0;
      out.push(`\`${cond}\` vs \`${r.options.baseline}\`${r.runners.length > 1 ? ` (runner ${runner})` : ''}, ${tasks} task${tasks === 1 ? '' : 's'}, geometric mean of per-task median ratios:`, '');
      for (const h of hs) out.push(headlineLine(h, v.metric(h.metric).label, th));
      out.push('');
    }
  }
  return out;
}

function metricSection(v: ReportView, m: MetricId): string[] {
  const r = v.report;
  const def = v.metric(m);
  const out: string[] = [`## ${def.label}`, ''];
  for (const runner of r.runners) {
    if (r.runners.length > 1) out.push(`### runner ${runner}`, '');
    const header = ['task', esc(r.options.baseline)];
    const align = [':--', '--:'];
    for (const c of v.others) {
      header.push(esc(c), 'vs base');
      align.push('--:', ':--');
    }
    const tasks = v.tasksOf(runner);
    const rows = tasks.map((t) => {
      const row = [esc(t), medianCell(v, v.cell(runner, r.options.baseline, t), m)];
      for (const c of v.others) row.push(medianCell(v, v.cell(runner, c, t), m), vsBase(v.comparison(runner, c, t, m)));
      return row;
    });
    const heads = v.others.map((c) => v.headline(runner, c, m));
    const first = heads.find((h) => h !== undefined);
    if (first && tasks.length > 1) {
      const geo = ['**geomean**', formatValue(def.kind, v.geomeanOfMedians(runner, r.options.baseline, m, first.tasks))];
      v.others.forEach((c, i) => {
        const h = heads[i];
        geo.push(h ? formatValue(def.kind, v.geomeanOfMedians(runner, c, m, h.tasks)) : '—');
        geo.push(h ? `**${formatChange(h.ratio)}** ${formatRatioCi(h.lo, h.hi)} ${pText('Holm p', h.pHolm)} **${VERDICT_TEXT[h.verdict]}**` : '—');
      });
      rows.push(geo);
    }
    out.push(table(header, align, rows), '');
  }
  return out;
}

function successSection(v: ReportView): string[] {
  const r = v.report;
  const out: string[] = ['## Success rate', ''];
  const conf = formatPercent(r.options.confidence);
  for (const runner of r.runners) {
    if (r.runners.length > 1) out.push(`### runner ${runner}`, '');
    const rows = v.tasksOf(runner).map((t) => [
      esc(t),
      ...r.conditions.map((c) => {
        const cell = v.cell(runner, c, t);
        if (!cell) return '—';
        const s = cell.success;
        const base = s ? `${s.k}/${s.n} ${formatPercent(s.rate)} [${formatPercent(s.lo)}, ${formatPercent(s.hi)}]` : '0/0';
        const excl = [cell.outcomes.infra ? `${cell.outcomes.infra} infra` : '', cell.outcomes.canceled ? `${cell.outcomes.canceled} canceled` : ''].filter(Boolean);
        return excl.length ? `${base} (+${excl.join(', ')})` : base;
      }),
    ]);
    out.push(`Passing runs of those used, with Wilson ${conf} intervals; excluded runs in parentheses.`, '');
    out.push(table(['task', ...r.conditions.map(esc)], [':--', ...r.conditions.map(() => '--:')], rows), '');
  }
  return out;
}

function detailSection(v: ReportView): string[] {
  const r = v.report;
  const conf = formatPercent(r.options.confidence);
  const multi = r.runners.length > 1;
  const out: string[] = ['## Cell details', ''];
  for (const m of r.options.metrics) {
    const k = v.metric(m).kind;
    out.push(`### ${v.metric(m).label}`, '');
    const rows = r.cells.map((c) => {
      const s = c.metrics[m];
      const f = (x: number | null | undefined): string => formatValue(k, x ?? null);
      const ci = !s || s.medianCi.unbounded ? 'unbounded' : `${f(s.medianCi.lo)} – ${f(s.medianCi.hi)}`;
      const outl = s && s.outliers.length
        ? s.outliers.slice(0, 3).map((o) => `rep ${o.rep} ${f(o.value)}${o.kind === 'extreme' ? ' (extreme)' : ''}`).join(', ') + (s.outliers.length > 3 ? `, +${s.outliers.length - 3}` : '')
        : '';
      return [...(multi ? [esc(c.runner)] : []), esc(c.condition), esc(c.task), String(s?.n ?? 0), f(s?.median), ci, f(s?.mean), f(s?.p95), f(s?.min), f(s?.max), outl];
    });
    const header = [...(multi ? ['runner'] : []), 'condition', 'task', 'n', 'median', `${conf} CI`, 'mean', 'p95', 'min', 'max', 'outliers'];
    out.push(table(header, header.map((_, i) => (i < (multi ? 3 : 2) || i === header.length - 1 ? ':--' : '--:')), rows), '');
  }
  return out;
}

function latencySection(v: ReportView): string[] {
  const r = v.report;
  const rows: string[][] = [];
  for (const runner of r.runners) {
    for (const c of r.conditions) {
      const q = latencyQuantiles(pooledLatencies(r, runner, c));
      if (q) rows.push([...(r.runners.length > 1 ? [esc(runner)] : []), esc(c), String(q.n), formatValue('duration', q.p50), formatValue('duration', q.p90), formatValue('duration', q.p99)]);
    }
  }
  if (rows.length === 0) return [];
  const header = [...(r.runners.length > 1 ? ['runner'] : []), 'condition', 'calls', 'p50', 'p90', 'p99'];
  return ['## Call latency', '', 'Per-call durations pooled over tasks (distribution shape only; compare conditions with the per-task tables).', '',
    table(header, header.map((_, i) => (i < header.length - 4 ? ':--' : '--:')), rows), ''];
}

export function renderMarkdown(r: Report): string {
  const v = viewOf(r);
  const o = r.options;
  const src = r.sources.length === 1 ? '1 source' : `${r.sources.length} sources`;
  const lines: string[] = [
    `# agentab report: ${r.experiment}`,
    '',
    `${r.records.total} records from ${src} (run${r.runIds.length === 1 ? '' : 's'} ${r.runIds.join(', ')}); ${r.records.used} used, ${r.records.infra} infra and ${r.records.canceled} canceled kept out of the statistics${r.records.duplicates ? `; ${r.records.duplicates} duplicate records dropped` : ''}.`,
    `Baseline \`${o.baseline}\` · θ = ${thresholdText(o.threshold)} · ${formatPercent(o.confidence)} intervals · seed ${o.seed} · ${o.resamples.toLocaleString('en-US')} bootstrap resamples.`,
    '',
    ...verdictSection(v),
    ...o.metrics.flatMap((m) => metricSection(v, m)),
    ...successSection(v),
    ...latencySection(v),
    ...detailSection(v),
    '## Notes',
    '',
    ...methodNotes(r).map((n, i) => `${i + 1}. ${n}`),
    ...r.notes.map((n) => `- ${esc(n)}`),
    '',
  ];
  return lines.join('\n');
}
