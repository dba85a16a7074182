/**
 * The report's waterfalls: for each group (runner × condition × task) its slowest used run,
 * drawn as one row per span on the cell's own clock — the launcher's phases, then every model
 * and tool call in start order — so a reader sees where the worst case spent its time. The
 * spans come from the cell directory (src/trace); a run whose cells are not at hand has none.
 */
import type { Decomposition, Outcome, RunRecord } from '../experiment/run-record.ts';
import type { CellTimeline } from '../trace/cell-spans.ts';
import { decompositionParts, seconds } from '../trace/summary.ts';
import { readCellTimelines, runDirsOf, timelineKey } from './cell-timelines.ts';
import { EXCLUDED_OUTCOMES } from './group.ts';
import type { LoadedRecords } from './load.ts';
import type { Report } from './model.ts';
import { PLOT_CONFIG, PLOT_SCHEMA, type Plot } from './plots.ts';

/** Spans drawn per waterfall; the rest are counted in `omitted` (the trace has them all). */
export const WATERFALL_MAX_SPANS = 80;

export interface WaterfallSpan {
  kind: 'phase' | 'model' | 'request' | 'tool';
  name: string;
  /** From the cell's start, ms. */
  startMs: number;
  endMs: number;
  status: 'ok' | 'error';
  timing: 'measured' | 'inferred';
}

export interface Waterfall {
  runner: string;
  condition: string;
  task: string;
  runId: string;
  cell: string;
  rep: number;
  outcome: Outcome;
  wallMs: number;
  /** Used runs of the group this one was the slowest of. */
  groupRuns: number;
  decomposition: Decomposition;
  spans: WaterfallSpan[];
  /** Spans not drawn (beyond WATERFALL_MAX_SPANS). */
  omitted: number;
}

const DRAWN = new Set(['phase', 'model', 'request', 'tool']);

function waterfallOf(t: CellTimeline, groupRuns: number): Waterfall {
  const r = t.record;
  const t0 = Date.parse(r.startedAt);
  const drawn = t.spans.filter((s) => DRAWN.has(s.kind));
  let toolNo = 0;
  const spans = drawn.slice(0, WATERFALL_MAX_SPANS).map((s): WaterfallSpan => ({
    kind: s.kind as WaterfallSpan['kind'],
    name: s.kind === 'tool' ? `tool ${++toolNo} ${s.name}` : s.name,
    startMs: s.startMs - t0,
    endMs: s.endMs - t0,
    status: s.status,
    timing: s.timing,
  }));
  return {
    runner: r.runner, condition: r.condition, task: r.task, runId: r.runId, cell: r.cell, rep: r.rep, outcome: r.outcome, wallMs: r.wallMs,
    groupRuns, decomposition: t.decomposition, spans, omitted: drawn.length - spans.length,
  };
}

/**
 * The slowest used run of every group of the report whose cell directory is at hand, in the
 * report's cell order. One pass over the records, which are in canonical order (so the first of
 * equal wall times is the one the group's `used` columns list first); nothing at all when no
 * source has a run directory (a records file on its own: a million records then cost nothing).
 */
export async function slowestCellWaterfalls(report: Report, loaded: LoadedRecords): Promise<Waterfall[]> {
  if ((await runDirsOf(loaded.sources)).size === 0) return [];
  const slowestOf = new Map<string, Map<string, Map<string, RunRecord>>>();
  let last: RunRecord | undefined;
  let lastSlot: Map<string, RunRecord> | undefined;
  for (const r of loaded.records) {
    if (EXCLUDED_OUTCOMES.includes(r.outcome)) continue;
    // consecutive records mostly share their group: reuse its slot without three lookups
    let slot = last && last.runner === r.runner && last.condition === r.condition ? lastSlot : undefined;
    if (!slot) {
      let byCondition = slowestOf.get(r.runner);
      if (!byCondition) slowestOf.set(r.runner, (byCondition = new Map()));
      slot = byCondition.get(r.condition);
      if (!slot) byCondition.set(r.condition, (slot = new Map()));
    }
    const best = slot.get(r.task);
    if (!best || r.wallMs > best.wallMs) slot.set(r.task, r);
    last = r;
    lastSlot = slot;
  }
  const slowest: { record: RunRecord; groupRuns: number }[] = [];
  for (const c of report.cells) {
    const best = slowestOf.get(c.runner)?.get(c.condition)?.get(c.task);
    if (best) slowest.push({ record: best, groupRuns: c.used.runId.length });
  }
  const timelines = await readCellTimelines(loaded.sources, slowest.map((s) => s.record));
  return slowest.flatMap((s) => {
    const t = timelines.get(timelineKey(s.record));
    return t ? [waterfallOf(t, s.groupRuns)] : [];
  });
}

/** Waterfalls drawn at most (HTML report, viewer); the slowest groups first beyond that (the Markdown report lists every group). */
export const MAX_WATERFALLS = 40;

/** The waterfalls a page draws: all of them, or the MAX_WATERFALLS slowest. */
export function waterfallsToDraw(all: readonly Waterfall[]): Waterfall[] {
  return all.length <= MAX_WATERFALLS ? [...all] : [...all].sort((a, b) => b.wallMs - a.wallMs).slice(0, MAX_WATERFALLS);
}

export const waterfallTitle = (w: Waterfall): string =>
  `${w.runner} · ${w.condition} · ${w.task}: slowest of ${w.groupRuns} run${w.groupRuns === 1 ? '' : 's'} — cell ${w.cell} rep ${w.rep} (${w.runId}), ${w.outcome}, ${seconds(w.wallMs)}`;

/** "model 2.3 s (23%) · tool …; 4 model calls, 3 tool calls". */
export const waterfallSummary = (w: Waterfall): string =>
  `${decompositionParts(w.decomposition)}; ${w.decomposition.modelCalls} model calls, ${w.decomposition.toolCalls} tool calls${w.decomposition.withinTolerance ? '' : ` (does not tile: ${seconds(w.decomposition.unattributedMs + w.decomposition.outsideMs)} unexplained)`}`;

const KIND_ORDER = ['phase', 'model', 'request', 'tool'];
const KIND_COLOR = ['#9e9e9e', '#3b6fb6', '#8fb0dc', '#e08a2c'];

/** A Gantt-style Vega-Lite plot: one row per span, seconds from the cell's start. */
export function waterfallPlot(w: Waterfall, index: number): Plot {
  const rows = w.spans.map((s, i) => ({
    row: `${String(i + 1).padStart(3, '0')}`,
    label: s.name,
    kind: s.kind,
    start: s.startMs / 1000,
    end: Math.max(s.endMs, s.startMs + 1) / 1000,
    error: s.status === 'error' ? 1 : 0,
    inferred: s.timing === 'inferred' ? 1 : 0,
  }));
  // one row per span; the axis shows the span's name instead of its row key
  const labels = Object.fromEntries(rows.map((r) => [r.row, r.label]));
  const kinds = KIND_ORDER.filter((k) => rows.some((r) => r.kind === k));
  return {
    id: `waterfall-${index}`,
    title: waterfallTitle(w),
    note: `${waterfallSummary(w)}.${w.omitted ? ` ${w.omitted} later spans not drawn; \`agentab trace ${w.cell}\` has them all.` : ''} Dashed outline: a time inferred, not recorded (a tool call's start from the model call that asked for it; phases of older records laid out from their durations); red outline: an error.`,
    spec: {
      $schema: PLOT_SCHEMA,
      config: PLOT_CONFIG,
      width: 640,
      height: { step: 14 },
      data: { values: rows },
      mark: { type: 'bar', height: 10 },
      encoding: {
        y: { field: 'row', type: 'ordinal', title: null, axis: { labelExpr: `${JSON.stringify(labels)}[datum.value]`, labelLimit: 220 } },
        x: { field: 'start', type: 'quantitative', title: 'seconds from the cell start', scale: { domain: [0, Math.max(w.wallMs, ...w.spans.map((s) => s.endMs)) / 1000] } },
        x2: { field: 'end' },
        color: { field: 'kind', type: 'nominal', scale: { domain: kinds, range: kinds.map((k) => KIND_COLOR[KIND_ORDER.indexOf(k)]!) }, legend: { orient: 'top', title: null } },
        stroke: { condition: [{ test: 'datum.error === 1', value: '#c62828' }, { test: 'datum.inferred === 1', value: '#333333' }], value: null },
        strokeWidth: { condition: { test: 'datum.error === 1 || datum.inferred === 1', value: 1.5 }, value: 0 },
        strokeDash: { condition: { test: 'datum.inferred === 1 && datum.error !== 1', value: [3, 2] }, value: [1, 0] },
      },
    },
  };
}
