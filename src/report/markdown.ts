/**
 * Markdown report, benchstat-style: one table per metric (`task | baseline | c1 | vs base …`)
 * with a geomean row, criterion-style verdict lines up front, details and method notes after.
 */
import { uncountedText } from '../experiment/uncounted-spend.ts';
import { methodNotes, nothingToCompare } from './explain.ts';
import { glossary } from './glossary.ts';
import { provenanceLines } from './provenance.ts';
import { formatPercent, resamplesText, thresholdText, VERDICT_TEXT } from './format.ts';
import type { Report } from './model.ts';
import { detailTable, latencyTable, mediansNote, metricTable, successTable, verdictBlocks, type Cell, type Table } from './tables.ts';
import { timeSplitIntro, timeSplitTable } from './time-split.ts';
import { viewOf, type ReportView } from './view.ts';
import { waterfallSummary, waterfallTitle } from './waterfall.ts';

const esc = (s: string): string => s.replace(/\|/g, '\\|');

function cell(x: Cell): string {
  const text = x.bold ? `**${esc(x.text)}**` : esc(x.text);
  if (!x.verdict) return text;
  return `${text} ${x.verdict === 'inconclusive' ? '~' : `**${VERDICT_TEXT[x.verdict]}**`}`;
}

function table(t: Table): string {
  return [
    `| ${t.header.map(esc).join(' | ')} |`,
    `|${t.align.map((a) => (a === 'l' ? ':--' : '--:')).join('|')}|`,
    ...t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
    ...(t.footnotes.length ? ['', ...t.footnotes.map(esc)] : []),
  ].join('\n');
}

function verdictLines(v: ReportView): string[] {
  const blocks = verdictBlocks(v);
  if (blocks.length === 0) return [nothingToCompare(v.report), ''];
  return blocks.flatMap((b) => [
    `${b.title}:`,
    '',
    ...b.lines.map((l) => `- **${l.metric}: ${l.label ?? VERDICT_TEXT[l.verdict]}**${l.summary ? ` ${l.summary}` : ''} · ${l.details.join(' · ')}`),
    '',
  ]);
}

/** Under the title: the simulated-model banner and what backend, model and runners made the records. */
function headerMarkdown(r: Report): string[] {
  const { banner, lines } = provenanceLines(r.provenance);
  return [...(banner ? [`> **${esc(banner)}**`, ''] : []), ...lines.map((l) => `${esc(l)}  `), ''];
}

function glossaryMarkdown(r: Report): string[] {
  const g = glossary(r);
  const list = (xs: { term: string; meaning: string }[]): string[] => xs.map((x) => `- **${esc(x.term)}**: ${esc(x.meaning)}`);
  return ['## Glossary', '', 'Metrics:', '', ...list(g.metrics), '', 'Markers:', '', ...list(g.markers), ''];
}

/** Lines not counted: earlier lines of re-run cells (history, by design) apart from records given twice. */
function droppedText(c: Report['records']): string {
  const history = c.history ?? 0;
  const repeated = c.duplicates - history;
  return `${history ? `; ${history} earlier line${history === 1 ? '' : 's'} of re-run cells kept as history` : ''}${repeated ? `; ${repeated} duplicate records dropped` : ''}`;
}

/** The "## Verdicts" section alone (what run-matrix prints at the end of a run). */
export function renderVerdictsMarkdown(r: Report): string {
  return ['## Verdicts', '', ...verdictLines(viewOf(r))].join('\n');
}

export function renderMarkdown(r: Report): string {
  const v = viewOf(r);
  const o = r.options;
  const perRunner = (heading: string, make: (runner: string) => Table, intro: string[] = []): string[] => [
    `## ${heading}`,
    '',
    ...intro,
    ...r.runners.flatMap((runner) => [...(r.runners.length > 1 ? [`### runner ${runner}`, ''] : []), table(make(runner)), '']),
  ];
  const latency = latencyTable(v);
  const unbounded = mediansNote(v);
  const src = r.sources.length === 1 ? '1 source' : `${r.sources.length} sources`;
  const lines: string[] = [
    `# agentab report: ${r.experiment}`,
    '',
    ...headerMarkdown(r),
    `${r.records.total} records from ${src} (run${r.runIds.length === 1 ? '' : 's'} ${r.runIds.join(', ')}); ${r.records.used} used, ${r.records.infra} infra and ${r.records.canceled} canceled kept out of the statistics${droppedText(r.records)}.`,
    ...(r.uncounted ? ['', uncountedText(r.uncounted) ?? ''] : []),
    `Baseline \`${o.baseline}\` · θ = ${thresholdText(o.threshold)} · ${formatPercent(o.confidence)} intervals · seed ${o.seed} · ${resamplesText(o)}.`,
    ...(unbounded ? ['', unbounded] : []),
    '',
    '## Verdicts',
    '',
    ...verdictLines(v),
    ...timeSplitMarkdown(r),
    ...o.metrics.flatMap((m) => perRunner(v.metric(m).label, (runner) => metricTable(v, runner, m))),
    ...perRunner('Success rate', (runner) => successTable(v, runner), [
      `Passing runs of those used, with Wilson ${formatPercent(o.confidence)} intervals; excluded runs in parentheses.`,
      '',
    ]),
    ...(latency
      ? ['## Call latency', '', 'Per-call durations pooled over tasks (distribution shape only; compare conditions with the per-task tables).', '', table(latency), '']
      : []),
    ...slowestCellsMarkdown(r),
    '## Cell details',
    '',
    ...o.metrics.flatMap((m) => [`### ${v.metric(m).label}`, '', table(detailTable(v, m)), '']),
    '## Notes',
    '',
    ...methodNotes(r).map((n, i) => `${i + 1}. ${n}`),
    ...(r.notes.length ? ['', ...r.notes.map((n) => `- ${esc(n)}`)] : []),
    '',
    ...glossaryMarkdown(r),
  ];
  return lines.join('\n');
}

/** "## Where the time went": per runner the time split table, then one sentence per condition. */
function timeSplitMarkdown(r: Report): string[] {
  if (r.timeSplit.length === 0) return [];
  const runners = r.runners.filter((runner) => r.timeSplit.some((s) => s.runner === runner));
  return [
    '## Where the time went',
    '',
    ...timeSplitIntro(r, r.timeSplit).flatMap((p) => [p, '']),
    ...runners.flatMap((runner) => [
      ...(r.runners.length > 1 ? [`### runner ${runner}`, ''] : []),
      table(timeSplitTable(r.timeSplit, runner)),
      '',
      ...r.timeSplit.filter((s) => s.runner === runner && s.summary).map((s) => `- ${esc(s.summary!)}`),
      '',
    ]),
  ];
}

/** "## Slowest cell of each group": what the HTML report draws as waterfalls, as one line each. */
function slowestCellsMarkdown(r: Report): string[] {
  if (!r.waterfalls?.length) return [];
  return [
    '## Slowest cell of each group',
    '',
    'The HTML report draws each as a waterfall; `agentab trace <cell id>` writes its full timeline for Perfetto.',
    '',
    ...r.waterfalls.map((w) => `- ${esc(waterfallTitle(w))}: ${esc(waterfallSummary(w))}`),
    '',
  ];
}
