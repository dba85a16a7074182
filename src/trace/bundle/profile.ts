/**
 * The facts of a bundle: summary.json (what the cell was, how it ended, its metrics and
 * decomposition, how it compares with its peers in the run) and profile_summary.json (span
 * counts, time by component, per-tool totals, the slowest spans).
 */
import type { RunRecord } from '../../experiment/run-record.ts';
import type { CellTimeline } from '../cell-spans.ts';
import { cellLabel } from '../phase-spans.ts';
import type { Span, SpanAttr } from '../span.ts';

export interface SlowSpan {
  id: string;
  kind: Span['kind'];
  name: string;
  durationMs: number;
  /** From the cell's start. */
  atMs: number;
  status: Span['status'];
  timing: Span['timing'];
  attrs: Record<string, SpanAttr>;
}

export interface PeerGroup {
  condition: string;
  cells: number;
  /** Cells of the group that passed. */
  passed: number;
  medianWallMs: number;
  medianModelMs: number | null;
  medianToolMs: number | null;
  medianHarnessMs: number | null;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function slowestSpans(t: CellTimeline, n = 10): SlowSpan[] {
  const t0 = Date.parse(t.record.startedAt);
  return t.spans
    .filter((s) => s.kind === 'model' || s.kind === 'tool' || s.kind === 'request' || (s.kind === 'phase' && s.name !== 'runner'))
    .map((s) => ({ id: s.id, kind: s.kind, name: s.name, durationMs: round1(s.endMs - s.startMs), atMs: round1(s.startMs - t0), status: s.status, timing: s.timing, attrs: s.attrs }))
    .sort((a, b) => b.durationMs - a.durationMs)
    .slice(0, n);
}

export function profileSummary(t: CellTimeline) {
  const byKind: Record<string, number> = {};
  for (const s of t.spans) byKind[s.kind] = (byKind[s.kind] ?? 0) + 1;
  const tools = new Map<string, { calls: number; totalMs: number; errors: number }>();
  for (const s of t.spans.filter((x) => x.kind === 'tool')) {
    const e = tools.get(s.name) ?? { calls: 0, totalMs: 0, errors: 0 };
    e.calls++;
    e.totalMs = round1(e.totalMs + s.endMs - s.startMs);
    if (s.status === 'error') e.errors++;
    tools.set(s.name, e);
  }
  const models = t.spans.filter((s) => s.kind === 'model');
  const ttfts = models.map((m) => m.attrs.ttftMs).filter((x): x is number => typeof x === 'number');
  const d = t.decomposition;
  return {
    cell: t.record.cell,
    spanCount: t.spans.length,
    spansByKind: byKind,
    timeByComponent: { modelMs: d.modelMs, toolMs: d.toolMs, harnessMs: d.harnessMs, orchestrationMs: d.orchestrationMs, unattributedMs: d.unattributedMs, startupMs: d.startupMs },
    shares: d.shares,
    modelCalls: {
      count: models.length,
      failed: models.filter((m) => m.status === 'error').length,
      retries: models.reduce((a, m) => a + Number(m.attrs.retries ?? 0), 0),
      medianTtftMs: median(ttfts),
      medianDurationMs: median(models.map((m) => m.endMs - m.startMs)),
    },
    tools: Object.fromEntries([...tools.entries()].sort((a, b) => b[1].totalMs - a[1].totalMs)),
    slowestSpans: slowestSpans(t),
  };
}
export type ProfileSummary = ReturnType<typeof profileSummary>;

/** Other cells of the same runner and task in the run, by condition. */
export function peerGroups(r: RunRecord, all: readonly RunRecord[]): PeerGroup[] {
  const mine = all.filter((x) => x.runner === r.runner && x.task === r.task && x.outcome !== 'infra' && x.outcome !== 'canceled');
  const conditions = [...new Set(mine.map((x) => x.condition))].sort();
  return conditions.map((condition) => {
    const g = mine.filter((x) => x.condition === condition);
    const part = (k: 'modelMs' | 'toolMs' | 'harnessMs') => median(g.flatMap((x) => (x.decomposition ? [x.decomposition[k]] : [])));
    return { condition, cells: g.length, passed: g.filter((x) => x.outcome === 'pass').length, medianWallMs: median(g.map((x) => x.wallMs)) ?? 0, medianModelMs: part('modelMs'), medianToolMs: part('toolMs'), medianHarnessMs: part('harnessMs') };
  });
}

export function cellSummary(t: CellTimeline, peers: PeerGroup[]) {
  const r = t.record;
  const rr = r.runnerReported as Record<string, unknown>;
  return {
    cell: r.cell,
    label: cellLabel(r),
    experiment: r.experiment,
    runId: r.runId,
    runner: r.runner,
    runnerVersion: r.runnerVersion,
    condition: r.condition,
    task: r.task,
    rep: r.rep,
    launcher: r.launcher,
    host: r.host,
    startedAt: r.startedAt,
    outcome: r.outcome,
    exitCode: r.exitCode,
    failedPhase: rr.failedPhase ?? null,
    error: rr.error ?? null,
    signal: rr.signal ?? null,
    checkExitCode: rr.checkExitCode ?? null,
    metrics: {
      wallMs: r.wallMs,
      calls: r.calls,
      failedCalls: rr.failedCalls ?? null,
      toolCalls: rr.toolCalls ?? null,
      turns: rr.turns ?? null,
      usage: r.usage,
      costUsd: r.costUsd,
      modelMs: r.modelMs,
      medianTtftMs: r.ttftMs,
      overheadMs: r.overheadMs,
    },
    decomposition: t.decomposition,
    peers,
  };
}
export type CellSummary = ReturnType<typeof cellSummary>;
