/**
 * The viewer's data: the runs under the given paths, each loaded once per version of its files
 * (records.jsonl, report, spend index), and the JSON the pages ask for. Everything is read from
 * the run directories; nothing is written to them.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { runPaths } from '../experiment/run-dir.ts';
import type { RunRecord } from '../experiment/run-record.ts';
import type { Comparison, Headline, Report } from '../report/model.ts';
import { runJob, type Plots } from './report-worker.ts';
import { buildCellTimeline } from '../trace/cell-spans.ts';
import { decompositionLine } from '../trace/summary.ts';
import type { Decomposition } from '../experiment/run-record.ts';
import { METRICS } from '../report/metrics.ts';
import { successLine, type Table, type VerdictLine } from '../report/tables.ts';
import { timeSplitIntro, timeSplitTable } from '../report/time-split.ts';
import { viewOf } from '../report/view.ts';
import { assignKeys, fileStamp, findRunDirs, loadRun, readJsonFile, type LoadedRun, type RunLocation, type RunSummary } from './runs.ts';
import { buildSpendIndex, readCellCalls, type SpendIndex } from './spend-index.ts';
import { payload, readTranscript, type Payload, type TranscriptEntry } from './transcript.ts';

/** A cell id or run key as the URL carries it: nothing that could name another path. */
export const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$/;
/** Files of a cell directory the viewer serves, by name (nothing else in the directory is). */
export const CELL_FILES = ['transcript.jsonl', 'stdout.log', 'stderr.log', 'setup.log', 'check.log', 'record.json', 'workspace.diff'] as const;
const LOG_PREVIEW = 20_000;
const REPORT_MIN_INTERVAL_MS = 3000;
const DIFF_PREVIEW = 200_000;

export class ViewError extends Error {
  constructor(message: string, readonly status: number, readonly code: string) {
    super(message);
    this.name = 'ViewError';
  }
}

export interface CellFilter {
  runner?: string[];
  condition?: string[];
  task?: string[];
  outcome?: string[];
  q?: string;
}

export interface CellRow {
  cell: string;
  runner: string;
  condition: string;
  task: string;
  rep: number;
  outcome: string;
  wallMs: number;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  startedAt: string;
  error: string | null;
}

export interface CallRow {
  id: string;
  ts: string;
  startMs: number;
  ttftMs: number | null;
  durationMs: number;
  status: number;
  error: string | null;
  attempts: number;
  alias: string;
  backend: string | null;
  model: string | null;
  stream: boolean;
  usage: { input: number; output: number; cacheRead: number; cacheWrite: number; reasoning: number };
  costUsd: number | null;
  overheadMs: number;
}

export interface CellDetail {
  run: RunSummary;
  record: RunRecord;
  transcript: TranscriptEntry[];
  calls: CallRow[];
  logs: Record<string, Payload | null>;
  diff: Payload | null;
  files: { name: string; bytes: number }[];
  /** Epoch ms of the cell's start: the origin of the timeline. */
  t0: number;
  /** Phases, model calls and tool calls on one clock (ms from t0), from src/trace. */
  spans: SpanRow[];
  decomposition: Decomposition | null;
  /** One line: where the wall time went. */
  decompositionText: string | null;
}

export interface SpanRow {
  kind: string;
  name: string;
  startMs: number;
  endMs: number;
  status: string;
  timing: string;
}

function rowOf(r: RunRecord): CellRow {
  const reported = r.runnerReported as { error?: unknown };
  return {
    cell: r.cell,
    runner: r.runner,
    condition: r.condition,
    task: r.task,
    rep: r.rep,
    outcome: r.outcome,
    wallMs: r.wallMs,
    calls: r.calls,
    inputTokens: r.usage.input,
    outputTokens: r.usage.output,
    costUsd: r.costUsd,
    startedAt: r.startedAt,
    error: typeof reported.error === 'string' ? reported.error : null,
  };
}

export function matchesFilter(r: RunRecord, f: CellFilter): boolean {
  const inList = (list: string[] | undefined, v: string): boolean => !list || list.length === 0 || list.includes(v);
  if (!inList(f.runner, r.runner) || !inList(f.condition, r.condition) || !inList(f.task, r.task) || !inList(f.outcome, r.outcome)) return false;
  if (f.q) {
    const q = f.q.toLowerCase();
    const reported = r.runnerReported as { error?: unknown; result?: unknown };
    const hay = [r.cell, r.runner, r.condition, r.task, r.outcome, String(reported.error ?? ''), String(reported.result ?? '')].join(' ').toLowerCase();
    if (!hay.includes(q)) return false;
  }
  return true;
}

/** The report without per-run arrays (samples, latencies, run columns): what the overview needs. */
export interface OverviewReport {
  experiment: string;
  options: Report['options'];
  records: Report['records'];
  runners: string[];
  conditions: string[];
  tasks: string[];
  headlines: Headline[];
  comparisons: Comparison[];
  cells: { runner: string; condition: string; task: string; runs: number; outcomes: Record<string, number>; success: Report['cells'][number]['success']; medians: Record<string, number | null> }[];
  notes: string[];
  /**
   * Success first: per runner × condition the report's comparison against the baseline (Wilson
   * intervals, Fisher exact test, verdict) with the report's own wording of it.
   */
  success: (Report['success'][number] & { line: VerdictLine })[];
  /** What success does to each condition's overall reading (regressed, or not improved). */
  overall: Report['overall'];
  /** Label and kind of every metric, for display. */
  metricInfo: Record<string, MetricInfo>;
  /**
   * "Where the time went", as the report words it (src/report/time-split.ts): per runner the
   * time split table (model, tools, harness, other: time and share of the wall time) and one
   * sentence per condition against the baseline. Null when no record has a decomposition.
   */
  timeSplit: { intro: string[]; runners: { runner: string; table: Table; sentences: string[] }[] } | null;
  /** Everything else the report model carries (e.g. success comparisons), passed through. */
  extra: Record<string, unknown>;
}

function timeSplitOf(report: Report): OverviewReport['timeSplit'] {
  const splits = report.timeSplit ?? [];
  if (splits.length === 0) return null;
  return {
    intro: timeSplitIntro(report, splits),
    runners: report.runners
      .filter((runner) => splits.some((s) => s.runner === runner))
      .map((runner) => ({ runner, table: timeSplitTable(splits, runner), sentences: splits.filter((s) => s.runner === runner && s.summary).map((s) => s.summary as string) })),
  };
}

const KNOWN_REPORT_KEYS = new Set(['format', 'version', 'experiment', 'runIds', 'sources', 'records', 'options', 'runners', 'conditions', 'tasks', 'cells', 'comparisons', 'headlines', 'notes', 'success', 'overall', 'timeSplit', 'waterfalls']);

export function overviewOf(report: Report): OverviewReport {
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(report)) if (!KNOWN_REPORT_KEYS.has(k)) extra[k] = v;
  return {
    experiment: report.experiment,
    options: report.options,
    records: report.records,
    runners: report.runners,
    conditions: report.conditions,
    tasks: report.tasks,
    headlines: report.headlines,
    comparisons: report.comparisons,
    cells: report.cells.map((c) => ({
      runner: c.runner,
      condition: c.condition,
      task: c.task,
      runs: c.runs,
      outcomes: c.outcomes,
      success: c.success,
      medians: Object.fromEntries(Object.entries(c.metrics).map(([m, s]) => [m, s.median])),
    })),
    notes: report.notes,
    success: report.success.map((s) => ({ ...s, line: successLine(viewOf(report), s) })),
    overall: report.overall,
    metricInfo: METRIC_INFO,
    timeSplit: timeSplitOf(report),
    extra,
  };
}

export interface MetricInfo {
  label: string;
  kind: string;
}
export const METRIC_INFO: Record<string, MetricInfo> = Object.fromEntries(METRICS.map((m) => [m.id, { label: m.label, kind: m.kind }]));

interface Cached<T> {
  stamp: string;
  value: T;
}

export class RunStore {
  private locations: RunLocation[] = [];
  private readonly runs = new Map<string, LoadedRun>();
  private readonly reports = new Map<string, Cached<Report> & { at: number; computeMs: number }>();
  private readonly plots = new Map<string, Cached<Promise<Plots>>>();
  /** Reports being computed, by run key and version, so concurrent pages share one job. */
  private readonly computing = new Map<string, Promise<Report>>();
  private readonly spend = new Map<string, Cached<Promise<SpendIndex>>>();
  private readonly rootsReal: string[] = [];

  constructor(readonly inputs: readonly string[]) {}

  /** Finds run directories again (new runs appear) and reloads those whose files changed. */
  async refresh(): Promise<RunSummary[]> {
    if (this.rootsReal.length === 0) for (const i of this.inputs) this.rootsReal.push(await realpath(i).catch(() => path.resolve(i)));
    this.locations = assignKeys(await findRunDirs(this.inputs));
    const out: RunSummary[] = [];
    for (const loc of this.locations) {
      const run = await loadRun(loc, this.runs.get(loc.key));
      this.runs.set(loc.key, run);
      out.push(run.summary);
    }
    for (const key of [...this.runs.keys()]) if (!this.locations.some((l) => l.key === key)) this.runs.delete(key);
    return out.sort((a, b) => ((a.createdAt ?? '') < (b.createdAt ?? '') ? 1 : (a.createdAt ?? '') > (b.createdAt ?? '') ? -1 : 0));
  }

  summaries(): RunSummary[] {
    return [...this.runs.values()].map((r) => r.summary).sort((a, b) => ((a.createdAt ?? '') < (b.createdAt ?? '') ? 1 : -1));
  }

  /** A run by key, reloaded if its records changed. */
  async run(key: string): Promise<LoadedRun> {
    if (!SAFE_ID.test(key)) throw new ViewError(`not a run id: ${JSON.stringify(key.slice(0, 80))}`, 400, 'bad_run_id');
    let loc = this.locations.find((l) => l.key === key);
    if (!loc) {
      await this.refresh();
      loc = this.locations.find((l) => l.key === key);
    }
    if (!loc) throw new ViewError(`no run ${key} under ${this.inputs.join(', ')}`, 404, 'no_such_run');
    const run = await loadRun(loc, this.runs.get(key));
    this.runs.set(key, run);
    return run;
  }

  /** The run's report: its report.json when that is newer than its records, else computed (and cached). */
  async report(key: string): Promise<Report | null> {
    const run = await this.run(key);
    if (run.records.length === 0) return null;
    const cached = this.reports.get(key);
    if (cached && cached.stamp === run.stamp) return cached.value;
    // A run in progress changes with every record: recompute its report at most every few
    // seconds (and never more than a fifth of the time), serving the last one meanwhile.
    if (cached && Date.now() - cached.at < Math.max(REPORT_MIN_INTERVAL_MS, 5 * cached.computeMs)) return cached.value;
    const started = Date.now();
    const paths = runPaths(run.loc.dir);
    const [reportInfo, recordsInfo] = await Promise.all([stat(path.join(run.loc.dir, 'report.json')).catch(() => null), stat(paths.records).catch(() => null)]);
    let report: Report | null = null;
    if (reportInfo && recordsInfo && reportInfo.mtimeMs >= recordsInfo.mtimeMs) {
      const fromFile = await readJsonFile<Report>(path.join(run.loc.dir, 'report.json'));
      if (fromFile && Array.isArray(fromFile.headlines) && Array.isArray(fromFile.cells) && fromFile.records?.total === run.records.length) report = fromFile;
    }
    if (!report) {
      const job = `${key}|${run.stamp}`;
      let pending = this.computing.get(job);
      if (!pending) {
        pending = runJob({ kind: 'report', recordsFile: paths.records });
        this.computing.set(job, pending);
        pending.finally(() => this.computing.delete(job)).catch(() => undefined);
      }
      report = await pending;
    }
    this.reports.set(key, { stamp: run.stamp, value: report, at: Date.now(), computeMs: Date.now() - started });
    return report;
  }

  async overview(key: string): Promise<{ run: RunSummary; report: OverviewReport | null }> {
    const run = await this.run(key);
    const report = await this.report(key);
    void this.spendIndex(key); // warm the index so the first cell page is quick
    return { run: run.summary, report: report ? overviewOf(report) : null };
  }

  /** The report's plots and the waterfalls of the slowest cell of each group, drawn in a worker. */
  async plotsOf(key: string): Promise<Plots> {
    const run = await this.run(key);
    const cached = this.plots.get(key);
    if (cached && cached.stamp === run.stamp) return cached.value;
    const value = this.report(key).then((report): Promise<Plots> | Plots => (report ? runJob({ kind: 'plots', report, recordsFile: runPaths(run.loc.dir).records }) : { plots: [], waterfalls: [], waterfallsLeft: 0 }));
    this.plots.set(key, { stamp: run.stamp, value });
    value.catch(() => this.plots.delete(key));
    return value;
  }

  async cells(key: string, filter: CellFilter, offset = 0, limit = 200): Promise<{ total: number; matched: number; rows: CellRow[]; facets: Record<string, string[]> }> {
    const run = await this.run(key);
    const matched = run.records.filter((r) => matchesFilter(r, filter));
    matched.sort((a, b) => (a.order ?? 0) - (b.order ?? 0) || (a.cell < b.cell ? -1 : 1));
    const facet = (f: (r: RunRecord) => string): string[] => [...new Set(run.records.map(f))].sort();
    return {
      total: run.records.length,
      matched: matched.length,
      rows: matched.slice(offset, offset + limit).map(rowOf),
      facets: { runner: facet((r) => r.runner), condition: facet((r) => r.condition), task: facet((r) => r.task), outcome: facet((r) => r.outcome) },
    };
  }

  private async spendIndex(key: string): Promise<SpendIndex> {
    const run = await this.run(key);
    const file = runPaths(run.loc.dir).spend;
    const stamp = await fileStamp(file);
    const cached = this.spend.get(key);
    if (cached && cached.stamp === stamp) return cached.value;
    const value = buildSpendIndex(file);
    this.spend.set(key, { stamp, value });
    return value;
  }

  /** A file of a cell directory, resolved and checked to be inside the run directory. */
  async cellFile(key: string, cell: string, name: string): Promise<string | null> {
    const run = await this.run(key);
    if (!SAFE_ID.test(cell)) throw new ViewError(`not a cell id: ${JSON.stringify(cell.slice(0, 80))}`, 400, 'bad_cell_id');
    if (!(CELL_FILES as readonly string[]).includes(name)) throw new ViewError(`not a cell file: ${JSON.stringify(name.slice(0, 80))} (files: ${CELL_FILES.join(', ')})`, 400, 'bad_file');
    const runReal = await realpath(run.loc.dir);
    const file = path.join(runReal, 'cells', cell, name);
    const real = await realpath(file).catch(() => null);
    if (!real) return null;
    if (!real.startsWith(runReal + path.sep)) throw new ViewError('refused: the file resolves outside the run directory', 403, 'outside_run');
    return real;
  }

  async cell(key: string, cellId: string): Promise<CellDetail> {
    const run = await this.run(key);
    if (!SAFE_ID.test(cellId)) throw new ViewError(`not a cell id: ${JSON.stringify(cellId.slice(0, 80))}`, 400, 'bad_cell_id');
    const record = run.byCell.get(cellId);
    if (!record) throw new ViewError(`run ${key} has no record of cell ${cellId}`, 404, 'no_such_cell');
    const text = async (name: string, limit: number): Promise<Payload | null> => {
      const file = await this.cellFile(key, cellId, name);
      if (!file) return null;
      return payload(await readFile(file, 'utf8'), limit);
    };
    const transcriptFile = await this.cellFile(key, cellId, 'transcript.jsonl');
    const transcriptText = transcriptFile ? await readFile(transcriptFile, 'utf8') : '';
    const runnerKind = typeof (record.runnerReported as { kind?: unknown }).kind === 'string' ? ((record.runnerReported as { kind: string }).kind) : record.runner;
    const index = await this.spendIndex(key);
    const t0 = Date.parse(record.startedAt);
    const spend = await readCellCalls(runPaths(run.loc.dir).spend, index, cellId);
    const transcript = readTranscript(transcriptText, runnerKind);
    let timeline: ReturnType<typeof buildCellTimeline> | null = null;
    try {
      timeline = buildCellTimeline({ record, spend, transcript: transcriptText, runnerKind, toolCalls: transcript.toolCalls });
    } catch {
      timeline = null; // a record too old or too odd for spans: the page shows calls and phases
    }
    const calls = spend.map((c): CallRow => ({
      id: c.id,
      ts: c.ts,
      startMs: Date.parse(c.ts) - t0,
      ttftMs: c.ttftMs,
      durationMs: c.durationMs,
      status: c.status,
      error: c.error ? `${c.error.kind ?? ''} ${c.error.message}`.trim() : null,
      attempts: c.attempts,
      alias: c.alias,
      backend: c.backend,
      model: c.upstreamModel,
      stream: c.stream,
      usage: c.usage,
      costUsd: (c as { costUsd: number | null }).costUsd,
      overheadMs: c.overheadMs,
    }));
    const files: { name: string; bytes: number }[] = [];
    const dir = path.join(run.loc.dir, 'cells', cellId);
    for (const name of (await readdir(dir).catch(() => [])).sort()) {
      if (!(CELL_FILES as readonly string[]).includes(name)) continue;
      const info = await stat(path.join(dir, name)).catch(() => null);
      if (info?.isFile()) files.push({ name, bytes: info.size });
    }
    return {
      run: run.summary,
      record,
      transcript: transcript.entries,
      calls,
      logs: { check: await text('check.log', LOG_PREVIEW), setup: await text('setup.log', LOG_PREVIEW), stderr: await text('stderr.log', LOG_PREVIEW) },
      diff: await text('workspace.diff', DIFF_PREVIEW),
      files,
      t0,
      spans: (timeline?.spans ?? [])
        .filter((sp) => sp.kind === 'phase' || sp.kind === 'model' || sp.kind === 'tool')
        .map((sp) => ({ kind: sp.kind, name: sp.name, startMs: sp.startMs - t0, endMs: sp.endMs - t0, status: sp.status, timing: sp.timing })),
      decomposition: timeline?.decomposition ?? null,
      decompositionText: timeline ? decompositionLine(timeline) : null,
    };
  }

  /** The cell's debug bundle (src/trace/bundle), built into a temp dir; the caller removes `dir`. */
  async bundle(key: string, cellId: string): Promise<{ archive: string; dir: string }> {
    const run = await this.run(key);
    if (!SAFE_ID.test(cellId) || !run.byCell.has(cellId)) throw new ViewError(`run ${key} has no record of cell ${cellId.slice(0, 80)}`, 404, 'no_such_cell');
    const { buildBundle } = await import('../trace/bundle/index.ts');
    const { knownSecrets } = await import('../trace/bundle/secrets.ts');
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(path.join(tmpdir(), 'agentab-view-bundle-'));
    const bundle = await buildBundle(path.join(run.loc.dir, 'cells', cellId), { outDir: dir, secrets: await knownSecrets(run.loc.dir, process.env) });
    return { archive: bundle.archive, dir };
  }

  /** Two runs side by side, condition by condition: each headline's ratio and verdict in both. */
  async compare(a: string, b: string): Promise<{ a: RunSummary; b: RunSummary; rows: CompareRow[]; notes: string[]; metricInfo: Record<string, MetricInfo> }> {
    const [runA, runB] = [await this.run(a), await this.run(b)];
    const notes: string[] = [];
    if (runA.summary.experiment !== runB.summary.experiment) notes.push(`the runs belong to different experiments (${runA.summary.experiment}, ${runB.summary.experiment}): compared by runner, condition and metric name`);
    const [reportA, reportB] = [await this.report(a), await this.report(b)];
    const rows: CompareRow[] = [];
    const key = (h: Pick<Headline, 'runner' | 'condition' | 'metric'>): string => `${h.runner}\u0000${h.condition}\u0000${h.metric}`;
    const headsB = new Map((reportB?.headlines ?? []).map((h) => [key(h), h]));
    const seen = new Set<string>();
    const medianOf = (report: Report | null, runner: string, condition: string, metric: string): number | null => {
      const cells = (report?.cells ?? []).filter((c) => c.runner === runner && c.condition === condition);
      const meds = cells.map((c) => c.metrics[metric]?.median).filter((m): m is number => typeof m === 'number');
      if (meds.length === 0 || meds.length !== cells.length) return null;
      if (meds.some((m) => m <= 0)) return meds.reduce((s, m) => s + m, 0) / meds.length;
      return Math.exp(meds.reduce((s, m) => s + Math.log(m), 0) / meds.length);
    };
    const push = (runner: string, condition: string, metric: string, ha: Headline | undefined, hb: Headline | undefined): void => {
      const ma = medianOf(reportA, runner, condition, metric);
      const mb = medianOf(reportB, runner, condition, metric);
      rows.push({
        runner, condition, metric,
        a: ha ? { ratio: ha.ratio, lo: ha.lo, hi: ha.hi, verdict: ha.verdict, baseline: ha.baseline } : null,
        b: hb ? { ratio: hb.ratio, lo: hb.lo, hi: hb.hi, verdict: hb.verdict, baseline: hb.baseline } : null,
        medianA: ma, medianB: mb,
        bOverA: ma !== null && mb !== null && ma > 0 ? mb / ma : null,
      });
    };
    for (const ha of reportA?.headlines ?? []) {
      seen.add(key(ha));
      push(ha.runner, ha.condition, ha.metric, ha, headsB.get(key(ha)));
    }
    for (const hb of reportB?.headlines ?? []) if (!seen.has(key(hb))) push(hb.runner, hb.condition, hb.metric, undefined, hb);
    // the baseline has no headline of its own: compare its medians too
    for (const report of [reportA, reportB]) {
      if (!report) continue;
      for (const runner of report.runners) for (const metric of report.options.metrics) {
        const k = `${runner}\u0000${report.options.baseline}\u0000${metric}`;
        if (seen.has(k)) continue;
        seen.add(k);
        push(runner, report.options.baseline, metric, undefined, undefined);
      }
    }
    return { a: runA.summary, b: runB.summary, rows, notes, metricInfo: METRIC_INFO };
  }
}

export interface CompareRow {
  runner: string;
  condition: string;
  metric: string;
  /** Run A's headline (its baseline: the cells behind it are the runner's in both arms). */
  a: { ratio: number | null; lo: number | null; hi: number | null; verdict: string; baseline: string } | null;
  b: { ratio: number | null; lo: number | null; hi: number | null; verdict: string; baseline: string } | null;
  /** Geometric mean over tasks of the condition's per-task medians, in each run. */
  medianA: number | null;
  medianB: number | null;
  bOverA: number | null;
}
