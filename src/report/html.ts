/**
 * A self-contained HTML report: inline CSS, the plots as inline SVG rendered server-side by
 * Vega, no scripts and no network references, so the file opens anywhere (also offline).
 */
import { uncountedText } from '../experiment/uncounted-spend.ts';
import { methodNotes, nothingToCompare } from './explain.ts';
import { glossary } from './glossary.ts';
import { provenanceLines } from './provenance.ts';
import { formatPercent, resamplesText, thresholdText, VERDICT_TEXT } from './format.ts';
import type { Report } from './model.ts';
import { renderSvg, reportPlots } from './plots.ts';
import { detailTable, latencyTable, mediansNote, metricTable, successTable, verdictBlocks, type Cell, type Table } from './tables.ts';
import { timeSplitIntro, timeSplitTable } from './time-split.ts';
import { viewOf } from './view.ts';
import { MAX_WATERFALLS, waterfallPlot, waterfallsToDraw } from './waterfall.ts';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const SPECIAL = /[&<>"']/;
/** Most cells of a large report's tables (numbers) have nothing to escape: they skip the replace. */
export const escapeHtml = (s: string): string => (SPECIAL.test(s) ? s.replace(/[&<>"']/g, (ch) => ESC[ch] as string) : s);

const CSS = `
body{font:14px/1.45 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#222;max-width:1240px;margin:2em auto;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
.meta{color:#555}table{border-collapse:collapse;margin:.6em 0;font-variant-numeric:tabular-nums}
th,td{border:1px solid #e2e2e2;padding:.25em .55em;vertical-align:top}th{background:#f6f6f6;text-align:left}
td.r{text-align:right}td.b{font-weight:600}
.v{display:inline-block;padding:0 .45em;border-radius:.6em;font-size:.85em;font-weight:600;margin-left:.3em}
.v-improved{background:#d8f3dc;color:#1b5e20}.v-regressed{background:#fde0dc;color:#8e1b10}.v-increased,.v-decreased{background:#e3ecf7;color:#1d3f66}
.v-no-change{background:#e3ecf7;color:#1f3b63}.v-inconclusive{background:#eee;color:#555}
ul.verdicts{list-style:none;padding-left:0}ul.verdicts li{margin:.3em 0}
figure{margin:1.2em 0}figcaption{font-weight:600;margin-bottom:.3em}details{margin:.6em 0}
.plots{display:flex;flex-wrap:wrap;gap:0 2em}.notes li{margin:.3em 0}
p.fn{color:#555;font-size:.9em;margin:.2em 0 1em}
.banner{background:#fff4ce;border:1px solid #e0b000;padding:.5em .8em;border-radius:.3em;font-weight:600}
nav.toc{background:#f8f8f8;border:1px solid #e2e2e2;padding:.4em 1em;display:inline-block}nav.toc ol{margin:.3em 0;padding-left:1.4em}
dl.glossary dt{font-weight:600}dl.glossary dd{margin:0 0 .4em 1.2em}
`;

/** Under the title: the simulated-model banner and what backend, model and runners made the records. */
function headerHtml(r: Report): string {
  const { banner, lines } = provenanceLines(r.provenance);
  return `${banner ? `<p class="banner" role="note">${escapeHtml(banner)}</p>\n` : ''}<p class="meta provenance">${lines.map(escapeHtml).join('<br>')}</p>`;
}

function glossaryHtml(r: Report): string {
  const g = glossary(r);
  const list = (xs: { term: string; meaning: string }[]): string => `<dl class="glossary">${xs.map((x) => `<dt>${escapeHtml(x.term)}</dt><dd>${escapeHtml(x.meaning)}</dd>`).join('')}</dl>`;
  return `<h2>Glossary</h2>\n<h3>Metrics</h3>\n${list(g.metrics)}\n<h3>Markers</h3>\n${list(g.markers)}`;
}

const TOC_MARK = '<!--toc-->';

/** Gives every <h2> an id and puts a linked table of contents where TOC_MARK stands. */
function withTableOfContents(body: string): string {
  const used = new Set<string>();
  const entries: string[] = [];
  const out = body.replace(/<h2(?: id="([^"]*)")?>([\s\S]*?)<\/h2>/g, (_all, given: string | undefined, inner: string) => {
    // a section that names its own id keeps it (links to it may exist)
    const base = given ?? `s-${inner.replace(/<[^>]*>/g, '').replace(/&[a-z#0-9]+;/gi, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'section'}`;
    let id = base;
    for (let k = 2; used.has(id); k++) id = `${base}-${k}`;
    used.add(id);
    entries.push(`<li><a href="#${id}">${inner}</a></li>`);
    return `<h2 id="${id}">${inner}</h2>`;
  });
  return out.replace(TOC_MARK, () => entries.length ? `<nav class="toc" aria-label="Contents"><b>Contents</b><ol>${entries.join('')}</ol></nav>` : '');
}

function verdictBadge(v: Cell['verdict'], label?: string): string {
  return v ? `<span class="v v-${v}">${escapeHtml(label ?? VERDICT_TEXT[v])}</span>` : '';
}

function table(t: Table): string {
  const head = `<tr>${t.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const rows = t.rows.map((row) => {
    const tds = row.map((x, i) => {
      const cls = [t.align[i] === 'r' ? 'r' : '', x.bold ? 'b' : ''].filter(Boolean).join(' ');
      return `<td${cls ? ` class="${cls}"` : ''}>${escapeHtml(x.text)}${verdictBadge(x.verdict)}</td>`;
    });
    return `<tr>${tds.join('')}</tr>`;
  });
  const notes = t.footnotes.map((n) => `<p class="fn">${escapeHtml(n)}</p>`).join('\n');
  return `<table>\n${head}\n${rows.join('\n')}\n</table>${notes ? `\n${notes}` : ''}`;
}

export async function renderHtml(r: Report): Promise<string> {
  const v = viewOf(r);
  const o = r.options;
  const plots = reportPlots(r);
  const svgs: string[] = [];
  for (const p of plots) svgs.push(await renderSvg(p)); // one at a time: Vega views are CPU-bound
  const figure = (i: number): string => {
    const p = plots[i];
    return p ? `<figure id="${p.id}" class="plot"><figcaption>${escapeHtml(p.title)}</figcaption>\n${svgs[i]}${p.note ? `\n<p class="fn">${escapeHtml(p.note)}</p>` : ''}\n</figure>` : '';
  };
  const byKind = (prefix: string): string => plots.map((p, i) => (p.id.startsWith(prefix) ? figure(i) : '')).join('\n');
  const perRunner = (make: (runner: string) => Table): string =>
    r.runners.map((runner) => (r.runners.length > 1 ? `<h3>runner ${escapeHtml(runner)}</h3>\n` : '') + table(make(runner))).join('\n');
  const verdicts = verdictBlocks(v)
    .map((b) => `<p>${escapeHtml(b.title)}:</p>\n<ul class="verdicts">\n${b.lines
      .map((l) => `<li><b>${escapeHtml(l.metric)}</b>${verdictBadge(l.verdict, l.label)} ${escapeHtml(l.summary)} · ${escapeHtml(l.details.join(' · '))}</li>`)
      .join('\n')}\n</ul>`)
    .join('\n');
  const latency = latencyTable(v);
  const unbounded = mediansNote(v);
  const body = [
    `<h1>agentab report: ${escapeHtml(r.experiment)}</h1>`,
    headerHtml(r),
    `<p class="meta">${r.records.total} records from ${r.sources.length} source(s), runs ${escapeHtml(r.runIds.join(', '))}; ${r.records.used} used, ${r.records.infra} infra and ${r.records.canceled} canceled kept out of the statistics.<br>`,
    ...(r.uncounted ? [`${escapeHtml(uncountedText(r.uncounted) ?? '')}<br>`] : []),
    `Baseline <code>${escapeHtml(o.baseline)}</code> · θ = ${thresholdText(o.threshold)} · ${formatPercent(o.confidence)} intervals · seed ${o.seed} · ${resamplesText(o)}.</p>`,
    unbounded ? `<p class="meta">${escapeHtml(unbounded)}</p>` : '',
    TOC_MARK,
    '<h2>Verdicts</h2>',
    verdicts || `<p>${escapeHtml(nothingToCompare(r))}</p>`,
    timeSplitHtml(r, table),
    r.comparisons.length ? `<h2>Ratios per task</h2>\n<div class="plots">${byKind('forest-')}</div>` : '',
    ...o.metrics.map((m) => `<h2>${escapeHtml(v.metric(m).label)}</h2>\n${perRunner((runner) => metricTable(v, runner, m))}\n${figure(plots.findIndex((p) => p.id === `strip-${m}`))}`),
    `<h2>Success rate</h2>\n<p>Passing runs of those used, with Wilson ${formatPercent(o.confidence)} intervals; excluded runs in parentheses.</p>\n${perRunner((runner) => successTable(v, runner))}`,
    latency ? `<h2>Call latency</h2>\n${table(latency)}\n<div class="plots">${byKind('cdf-')}</div>` : '',
    await slowestCellsHtml(r),
    `<h2>Cell details</h2>\n${o.metrics.map((m) => `<details><summary>${escapeHtml(v.metric(m).label)}</summary>\n${table(detailTable(v, m))}\n</details>`).join('\n')}`,
    `<h2>Notes</h2>\n<ol class="notes">${methodNotes(r).map((n) => `<li>${escapeHtml(n)}</li>`).join('\n')}</ol>`,
    r.notes.length ? `<ul>${r.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('\n')}</ul>` : '',
    glossaryHtml(r),
  ].filter(Boolean);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>agentab report: ${escapeHtml(r.experiment)}</title>
<style>${CSS}</style>
</head>
<body>
${withTableOfContents(body.join('\n'))}
</body>
</html>
`;
}

/** "Where the time went": per runner the time split table, then one sentence per condition. */
function timeSplitHtml(r: Report, render: (t: Table) => string): string {
  if (r.timeSplit.length === 0) return '';
  const runners = r.runners.filter((runner) => r.timeSplit.some((s) => s.runner === runner));
  return [
    '<h2 id="time-split">Where the time went</h2>',
    ...timeSplitIntro(r, r.timeSplit).map((p) => `<p class="fn">${escapeHtml(p)}</p>`),
    ...runners.map((runner) => {
      const sentences = r.timeSplit.filter((s) => s.runner === runner && s.summary).map((s) => `<li>${escapeHtml(s.summary!)}</li>`);
      return `${r.runners.length > 1 ? `<h3>runner ${escapeHtml(runner)}</h3>\n` : ''}${render(timeSplitTable(r.timeSplit, runner))}${sentences.length ? `\n<ul class="time-split">${sentences.join('')}</ul>` : ''}`;
    }),
  ].join('\n');
}

/** "Slowest cell of each group": one waterfall (inline SVG) per group. */
async function slowestCellsHtml(r: Report): Promise<string> {
  const all = r.waterfalls ?? [];
  if (all.length === 0) return '';
  const shown = waterfallsToDraw(all);
  const figures: string[] = [];
  for (const [i, w] of shown.entries()) {
    const plot = waterfallPlot(w, i);
    figures.push(`<figure id="${plot.id}" class="plot waterfall"><figcaption>${escapeHtml(plot.title)}</figcaption>\n${await renderSvg(plot)}\n<p class="fn">${escapeHtml(plot.note ?? '')}</p>\n</figure>`);
  }
  const left = all.length - shown.length;
  return [
    '<h2 id="waterfalls">Slowest cell of each group</h2>',
    `<p class="fn">Each group's slowest run on its own clock: the launcher's phases, then every model call (from the spend log) and tool call (from the transcript) in start order. \`agentab trace &lt;cell id&gt;\` writes the full timeline for Perfetto.${left ? ` ${left} faster groups not drawn (the ${MAX_WATERFALLS} slowest are; report.md lists every group).` : ''}</p>`,
    ...figures,
  ].join('\n');
}
