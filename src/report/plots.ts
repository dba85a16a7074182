/**
 * The report's plots as Vega-Lite specs, compiled and rendered to SVG in Node (renderer
 * "none", so no canvas or browser is needed): per-task strip/box plots of raw runs, a forest
 * plot of per-task ratios with the geomean and the ±θ band, and per-call latency CDFs.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { createRng } from '../stats/prng.ts';
import { medianSorted, quantileSorted } from '../stats/quantile.ts';
import { tukeyFences } from '../stats/tukey.ts';
import { band } from '../stats/verdict.ts';
import { thresholdText } from './format.ts';
import { metricDef, type MetricId, type MetricKind } from './metrics.ts';
import type { Report } from './model.ts';
import { pooledLatencies } from './view.ts';

export interface Plot {
  id: string;
  title: string;
  spec: TopLevelSpec;
  /** Said under the plot: what it leaves out and why (never dropped silently). */
  note?: string;
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
export const PLOT_SCHEMA = SCHEMA;
const CONFIG = { font: 'Helvetica, Arial, sans-serif', view: { stroke: '#ddd' }, axis: { labelFontSize: 11, titleFontSize: 11 } };
export const PLOT_CONFIG = CONFIG;
const CDF_POINTS = 400;

/**
 * One colour per condition across every plot of the page: the baseline first, then the others
 * in the report's order (Tableau 10, colour-blind friendly enough for a handful of conditions).
 */
const PALETTE = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];

export function conditionColors(r: Pick<Report, 'conditions'>): { domain: string[]; range: string[] } {
  return { domain: [...r.conditions], range: r.conditions.map((_, i) => PALETTE[i % PALETTE.length] as string) };
}

/**
 * Task rows a per-task plot shows at most. Beyond that a plot is unreadable, Vega takes
 * seconds per plot and, at ~1,000 rows, its layout overflows the stack: the plot then shows
 * the rows with the largest change and says so; the tables keep every task.
 */
export const MAX_PLOT_TASKS = 30;
/** Raw points per cell in a strip plot; a cell with more shows this many evenly spaced quantiles of its runs. */
export const MAX_STRIP_POINTS = 50;

const rowKey = (runner: string, task: string): string => `${runner}\u0000${task}`;

/**
 * The (runner, task) rows of metric m to plot: all when they fit, else the MAX_PLOT_TASKS with
 * the largest |log ratio| against the baseline on m (a change with no ratio, over a zero
 * baseline, counts as largest), ties by name. Null when everything fits.
 */
/** The task rows a metric's plots show, when not all of them. */
export interface PlotRows {
  keep: Set<string>;
  total: number;
}

export function rowsToPlot(r: Report, m: MetricId): PlotRows | null {
  const all = [...new Set(r.cells.map((c) => rowKey(c.runner, c.task)))];
  if (all.length <= MAX_PLOT_TASKS) return null;
  const score = new Map<string, number>(all.map((k) => [k, -1]));
  for (const c of r.comparisons) {
    if (c.metric !== m) continue;
    const k = rowKey(c.runner, c.task);
    const size = c.ratio !== null && c.ratio > 0 ? Math.abs(Math.log(c.ratio)) : c.absolute && !c.absolute.identical ? Infinity : 0;
    score.set(k, Math.max(score.get(k) ?? -1, size));
  }
  const ranked = all.sort((a, b) => (score.get(b) as number) - (score.get(a) as number) || (a < b ? -1 : a > b ? 1 : 0));
  return { keep: new Set(ranked.slice(0, MAX_PLOT_TASKS)), total: all.length };
}

function rowsNote(rows: { total: number } | null, what: string): string | null {
  return rows ? `${what} ${MAX_PLOT_TASKS} of ${rows.total.toLocaleString('en-US')} task rows: those with the largest change on this metric (every task is in the tables and the CSVs).` : null;
}

/**
 * Raw points one strip plot draws at most, over all its cells: past a few thousand marks a
 * faceted Vega plot takes seconds to lay out and a megabyte of SVG, and the dots merge into a
 * band anyway. A plot with more cells than fit draws fewer evenly spaced quantiles per cell
 * (never fewer than MIN_STRIP_POINTS) and says so under the plot.
 */
export const MAX_STRIP_POINTS_PER_PLOT = 1_000;
/** Quantiles a cell keeps however many cells a plot has: enough to show a distribution's shape. */
export const MIN_STRIP_POINTS = 10;

/** Points per cell for a plot of `cells` cells: MAX_STRIP_POINTS, fewer when the plot as a whole would pass its budget. */
export function stripPointsPerCell(cells: number): number {
  return Math.max(MIN_STRIP_POINTS, Math.min(MAX_STRIP_POINTS, Math.floor(MAX_STRIP_POINTS_PER_PLOT / Math.max(1, cells))));
}

/** `k` evenly spaced order statistics of an ascending sample (every value when it has at most k). */
function evenlySpaced(sortedValues: Float64Array, k: number): Float64Array {
  if (sortedValues.length <= k) return sortedValues;
  return Float64Array.from({ length: k }, (_, i) => sortedValues[Math.round((i * (sortedValues.length - 1)) / (k - 1))] as number);
}

/**
 * A cell's box, computed here from every run rather than by Vega from the drawn points (those
 * may be thinned, and Vega-Lite's boxplot aggregates per facet cost most of a large plot's
 * time): type-7 quartiles (as Vega-Lite's `q1`/`q3` and R's default), whiskers to the most
 * extreme runs within 1.5·IQR of the box (Vega-Lite's `extent: 1.5`).
 */
interface CellBox {
  lower: number;
  q1: number;
  median: number;
  q3: number;
  upper: number;
}

function boxOf(sortedValues: Float64Array): CellBox {
  const fences = tukeyFences(sortedValues);
  let lower = fences.q1;
  let upper = fences.q3;
  for (const x of sortedValues) if (x >= fences.lowMild) { lower = Math.min(x, fences.q1); break; }
  for (let i = sortedValues.length - 1; i >= 0; i--) {
    const x = sortedValues[i] as number;
    if (x <= fences.highMild) { upper = Math.max(x, fences.q3); break; }
  }
  return { lower, q1: fences.q1, median: medianSorted(sortedValues), q3: fences.q3, upper };
}

function unitScale(kind: MetricKind): { factor: number; unit: string } {
  switch (kind) {
    case 'duration':
      return { factor: 1 / 1000, unit: 's' };
    case 'usd':
      return { factor: 1, unit: 'USD' };
    case 'tokens':
      return { factor: 1, unit: 'tokens' };
    case 'count':
      return { factor: 1, unit: 'count' };
  }
}

/** Below this many runs a cell gets a median tick instead of a box: quartiles of 2–4 runs mislead. */
const MIN_BOX_N = 5;
const STRIP_STEP = 26;

/** Runs of a cell's metric that have a value, ascending. */
function sortedRuns(samples: readonly (number | null)[]): Float64Array {
  const finite = samples.filter((x): x is number => x !== null);
  return Float64Array.from(finite).sort();
}

function stripPlot(r: Report, m: MetricId, rows: PlotRows | null): Plot {
  const def = metricDef(m);
  const { factor, unit } = unitScale(def.kind);
  const rng = createRng(r.options.seed, `jitter:${m}`); // deterministic jitter: same seed, same page
  /** One row per drawn run (`value`, `jitter`) and one per cell (`median`, and its box from MIN_BOX_N runs). */
  const values: Record<string, string | number>[] = [];
  const range = new Map<string, [number, number]>();
  const cells = r.cells.filter((c) => !rows || rows.keep.has(rowKey(c.runner, c.task)));
  const perCell = stripPointsPerCell(cells.length);
  let drawnRuns = 0;
  let allRuns = 0;
  const widen = (task: string, value: number): void => {
    const [lo, hi] = range.get(task) ?? [value, value];
    range.set(task, [Math.min(lo, value), Math.max(hi, value)]);
  };
  for (const c of cells) {
    const task = r.runners.length > 1 ? `${c.runner} · ${c.task}` : c.task;
    const runs = sortedRuns(c.metrics[m]?.samples ?? []);
    if (runs.length === 0) continue;
    const drawn = evenlySpaced(runs, perCell);
    drawnRuns += drawn.length;
    allRuns += runs.length;
    // jitter follows the cell's run order as drawn, so the same report gives the same page
    for (const x of drawn) values.push({ task, condition: c.condition, value: x * factor, jitter: rng.next() * 2 - 1 });
    const summary: Record<string, string | number> = { task, condition: c.condition, median: medianSorted(runs) * factor };
    if (runs.length >= MIN_BOX_N) {
      const box = boxOf(runs);
      Object.assign(summary, { lower: box.lower * factor, q1: box.q1 * factor, q3: box.q3 * factor, upper: box.upper * factor });
    }
    values.push(summary);
    widen(task, (runs[0] as number) * factor);
    widen(task, (runs[runs.length - 1] as number) * factor);
  }
  // A task whose runs all have one value would get a zero-width axis (and labels like
  // "4.000000"): widen it with two invisible points.
  let padded = false;
  for (const [task, [lo, hi]] of range) {
    if (hi - lo > 1e-9 * Math.abs(hi)) continue;
    const pad = lo === 0 || def.kind === 'count' ? 1 : Math.abs(lo) * 0.05;
    for (const value of [lo - pad, hi + pad]) values.push({ task, condition: r.options.baseline, pad: value });
    padded = true;
  }
  const color = { field: 'condition', type: 'nominal', scale: conditionColors(r), legend: { orient: 'top', title: null, symbolOpacity: 0.85 } } as const;
  const y = { field: 'condition', type: 'nominal', title: null, sort: r.conditions } as const;
  // padding (pixels) keeps the extreme runs off the plot's edges
  const x = (field: string) => ({ field, type: 'quantitative', title: null, scale: { zero: false, padding: 10 } }) as const;
  const hasBoxes = cells.some((c) => (c.metrics[m]?.n ?? 0) >= MIN_BOX_N);
  const boxLayers = hasBoxes
    ? [
        { transform: [{ filter: 'isValid(datum.q1)' }], mark: { type: 'rule', opacity: 0.5 } as const, encoding: { y, x: x('lower'), x2: { field: 'upper' }, color } },
        { transform: [{ filter: 'isValid(datum.q1)' }], mark: { type: 'bar', size: 16, opacity: 0.35 } as const, encoding: { y, x: x('q1'), x2: { field: 'q3' }, color } },
      ]
    : [];
  const thinned = drawnRuns < allRuns;
  const count = (k: number): string => k.toLocaleString('en-US');
  const thinNote = thinned
    ? `Shows ${count(drawnRuns)} of the ${count(allRuns)} runs${rows ? ' in these task rows' : ''}: at most ${perCell} per cell, evenly spaced quantiles of its runs. Boxes, medians and the tables use every run; runs.csv lists each one.`
    : null;
  const note = [rowsNote(rows, 'Shows'), thinNote].filter(Boolean).join(' ');
  return {
    id: `strip-${m}`,
    ...(note ? { note } : {}),
    title: `${def.label}${def.kind === 'duration' || def.kind === 'usd' ? ` (${unit})` : ''}: ${thinned ? 'runs' : 'every run'}, per task${hasBoxes ? '; boxes from ' + MIN_BOX_N + ' runs' : ''}`,
    spec: {
      $schema: SCHEMA,
      config: CONFIG,
      data: { values },
      facet: { row: { field: 'task', type: 'nominal', title: null, header: { labelAngle: 0, labelAlign: 'left', labelFontWeight: 'bold', labelLimit: 220 } } },
      spec: {
        width: 420,
        height: { step: STRIP_STEP },
        layer: [
          ...boxLayers,
          { transform: [{ filter: 'isValid(datum.median)' }], mark: { type: 'tick', thickness: 2, size: 18, opacity: 0.7 }, encoding: { y, x: x('median'), color } },
          {
            transform: [{ filter: 'isValid(datum.value)' }],
            mark: { type: 'point', filled: true, size: 26, opacity: 0.85 },
            encoding: { y, x: x('value'), color, yOffset: { field: 'jitter', type: 'quantitative', scale: { domain: [-1, 1], range: [STRIP_STEP / 2 - 6, STRIP_STEP / 2 + 6] } } },
          },
          ...(padded ? [{ transform: [{ filter: 'isValid(datum.pad)' }], mark: { type: 'point', opacity: 0 } as const, encoding: { y, x: x('pad') } }] : []),
        ],
      },
      resolve: { scale: { x: 'independent' } },
    },
  };
}

/** Narrow enough for two forest plots side by side on the page. */
const FOREST_WIDTH = 300;
const TICK_STEPS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5];
/**
 * Width of a label character as Vega estimates it without a canvas (0.8 × the 11 px font size):
 * its overlap check hides labels closer than that, so ticks are spaced by the same measure.
 */
const LABEL_CHAR_PX = 8.8;
const LABEL_GAP_PX = 2;

/**
 * Ticks of a log-scaled ratio axis at round percent changes (…, -5%, 0%, +5%, …) and the decimals
 * their labels need. Linear steps crowd together at the top of a log axis, so the step is the
 * smallest whose two highest labels do not touch. Null for very wide domains, where Vega's own
 * log ticks read better.
 */
export function percentTicks(dom: readonly [number, number], widthPx: number, maxTicks = 7): { values: number[]; digits: number } | null {
  if (!(dom[0] > 0) || !(dom[1] > dom[0]) || dom[1] / dom[0] > 20) return null;
  const pxPerLog = widthPx / Math.log(dom[1] / dom[0]);
  for (const step of TICK_STEPS) {
    const k0 = Math.ceil((dom[0] - 1) / step - 1e-9);
    const k1 = Math.floor((dom[1] - 1) / step + 1e-9);
    if (k1 - k0 + 1 > maxTicks) continue;
    const digits = Number.isInteger(Math.round(step * 1e6) / 1e4) ? 0 : 1;
    const top = 1 + k1 * step;
    if (k1 > k0) {
      const chars = (v: number): number => `+${(Math.abs(v - 1) * 100).toFixed(digits)}%`.length;
      const need = ((chars(top) + chars(top - step)) / 2) * LABEL_CHAR_PX + LABEL_GAP_PX;
      if (pxPerLog * Math.log(top / (top - step)) < need) continue;
    }
    const values: number[] = [];
    for (let k = k0; k <= k1; k++) values.push(Math.round((1 + k * step) * 1e9) / 1e9);
    return { values, digits };
  }
  return null;
}

function forestPlot(r: Report, m: MetricId, shown: PlotRows | null): Plot {
  const def = metricDef(m);
  const rows: Record<string, string | number>[] = [];
  const finite: number[] = [];
  const left: string[] = [];
  const add = (label: string, condition: string, ratio: number | null, lo: number | null, hi: number | null, kind: string): void => {
    if (ratio === null || ratio <= 0) {
      left.push(`${label} (${condition})`);
      return;
    }
    for (const x of [ratio, lo, hi]) if (x !== null && x > 0) finite.push(x);
    rows.push({ label, condition, ratio, lo: lo ?? NaN, hi: hi ?? NaN, kind });
  };
  const prefix = (runner: string): string => (r.runners.length > 1 ? `${runner} · ` : '');
  for (const c of r.comparisons) if (c.metric === m && (!shown || shown.keep.has(rowKey(c.runner, c.task)))) add(prefix(c.runner) + c.task, c.condition, c.ratio, c.lo, c.hi, 'task');
  for (const h of r.headlines) if (h.metric === m) add(`${prefix(h.runner)}geomean`, h.condition, h.ratio, h.lo, h.hi, 'geomean');
  const [bLo, bHi] = band(r.options.threshold);
  const dom: [number, number] = [finite.reduce((a, x) => Math.min(a, x), bLo) / 1.05, finite.reduce((a, x) => Math.max(a, x), bHi) * 1.05];
  for (const row of rows) {
    if (Number.isNaN(row.lo as number)) row.lo = dom[0];
    if (Number.isNaN(row.hi as number)) row.hi = dom[1];
  }
  const order = [...new Set(rows.filter((x) => x.kind === 'task').map((x) => x.label as string)), ...new Set(rows.filter((x) => x.kind === 'geomean').map((x) => x.label as string))];
  const xScale = { type: 'log', domain: dom, nice: false } as const;
  const ticks = percentTicks(dom, FOREST_WIDTH);
  const xAxis = {
    title: `change vs ${r.options.baseline} (log scale; shaded: ±${thresholdText(r.options.threshold)})`,
    labelExpr: `datum.value === 1 ? '0%' : format(datum.value - 1, '+.${ticks?.digits ?? 0}%')`,
    // centred labels: flush ones (Vega-Lite's default) shift inwards onto their neighbours
    ...(ticks ? { values: ticks.values, labelFlush: false } : { labelOverlap: 'greedy' as const }),
  };
  const y = { field: 'label', type: 'nominal', title: null, sort: order, axis: { labelLimit: 240 } } as const;
  const yOffset = { field: 'condition', type: 'nominal', sort: r.conditions.slice(1) } as const;
  // the baseline has no ratio: out of the legend, but the scale keeps every condition's colour
  const color = { field: 'condition', type: 'nominal', scale: conditionColors(r), legend: { orient: 'top', title: null, values: r.conditions.slice(1) } } as const;
  const leftText = left.length > 10 ? `${left.slice(0, 10).join(', ')} and ${left.length - 10} more` : left.join(', ');
  const note = [rowsNote(shown, 'Shows the geomean and'), left.length ? `Not on this log-scale plot (no ratio: a zero median; the tables give the absolute change): ${leftText}.` : null].filter(Boolean).join(' ');
  return {
    id: `forest-${m}`,
    title: `${def.label}: ratio of medians with ${Math.round(r.options.confidence * 100)}% CI, per task`,
    ...(note ? { note } : {}),
    spec: {
      $schema: SCHEMA,
      config: CONFIG,
      width: FOREST_WIDTH,
      height: { step: Math.max(16, 9 * r.conditions.length) },
      layer: [
        { data: { values: [{ lo: bLo, hi: bHi }] }, mark: { type: 'rect', color: '#e8f0e8' }, encoding: { x: { field: 'lo', type: 'quantitative', scale: xScale, axis: xAxis }, x2: { field: 'hi' } } },
        { data: { values: [{ one: 1 }] }, mark: { type: 'rule', color: '#888', strokeDash: [4, 3] }, encoding: { x: { field: 'one', type: 'quantitative', axis: xAxis } } },
        {
          data: { values: rows },
          layer: [
            { mark: { type: 'rule', strokeWidth: 2 }, encoding: { y, yOffset, color, x: { field: 'lo', type: 'quantitative', scale: xScale, axis: xAxis }, x2: { field: 'hi' } } },
            {
              mark: { type: 'point', filled: true, size: 70 },
              encoding: { y, yOffset, color, x: { field: 'ratio', type: 'quantitative', axis: xAxis }, shape: { field: 'kind', type: 'nominal', scale: { domain: ['task', 'geomean'], range: ['circle', 'diamond'] }, legend: null } },
            },
          ],
        },
      ],
    },
  };
}

function cdfPlot(r: Report, runner: string): Plot {
  const values: Record<string, string | number>[] = [];
  for (const c of r.conditions) {
    const xs = pooledLatencies(r, runner, c);
    const n = xs.length;
    if (n === 0) continue;
    const k = Math.min(n, CDF_POINTS);
    for (let i = 0; i < k; i++) {
      const p = k === 1 ? 1 : i / (k - 1);
      const latency = (n <= CDF_POINTS ? (xs[i] as number) : quantileSorted(xs, p)) / 1000;
      values.push({ condition: c, latency: Math.max(latency, 1e-3), fraction: n <= CDF_POINTS ? (i + 1) / n : p });
    }
  }
  return {
    id: `cdf-${runner}`,
    title: `per-call latency, cumulative distribution${r.runners.length > 1 ? ` (runner ${runner})` : ''}`,
    spec: {
      $schema: SCHEMA,
      config: CONFIG,
      width: 420,
      height: 240,
      data: { values },
      mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
      encoding: {
        x: { field: 'latency', type: 'quantitative', scale: { type: 'log' }, title: 'call duration (s, log scale)' },
        y: { field: 'fraction', type: 'quantitative', title: 'fraction of calls', scale: { domain: [0, 1] } },
        color: { field: 'condition', type: 'nominal', scale: conditionColors(r), legend: { orient: 'top', title: null } },
      },
    },
  };
}

export function reportPlots(r: Report): Plot[] {
  const plots: Plot[] = [];
  // each metric's forest and strip plot show the same task rows
  const rows = new Map(r.options.metrics.map((m) => [m, rowsToPlot(r, m)]));
  if (r.comparisons.length > 0) for (const m of r.options.metrics) plots.push(forestPlot(r, m, rows.get(m) ?? null));
  for (const m of r.options.metrics) plots.push(stripPlot(r, m, rows.get(m) ?? null));
  for (const runner of r.runners) if (r.cells.some((c) => c.runner === runner && c.callLatenciesMs.length > 0)) plots.push(cdfPlot(r, runner));
  return plots;
}

/** Make ids inside one SVG unique within the page (several SVGs are inlined side by side). */
function scopeIds(svg: string, scope: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, `id="${scope}-$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${scope}-$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${scope}-$1"`);
}

export async function renderSvg(plot: Plot): Promise<string> {
  const view = new vega.View(vega.parse(compile(plot.spec).spec), { renderer: 'none' });
  try {
    return scopeIds(await view.toSVG(), plot.id);
  } finally {
    view.finalize();
  }
}
