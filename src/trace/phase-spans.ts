/**
 * The cell's own spans from its RunRecord: the whole cell, each launcher phase as it ran
 * (workspace, setup, runner, check, teardown), and the runner's start-up (from its spawn to
 * its first model call). Records written before phases were timed get their phases laid out
 * from their durations, marked `inferred`.
 */
import type { RunRecord } from '../experiment/run-record.ts';
import type { Span } from './span.ts';

export const cellLabel = (r: Pick<RunRecord, 'runner' | 'condition' | 'task' | 'rep'>): string => `${r.runner}/${r.condition}/${r.task}#${r.rep}`;

interface PhaseStretch {
  name: string;
  startMs: number;
  durationMs: number;
}

/** Phases of a record written before phases were timed: laid out in order from their durations. */
function inferredPhases(r: RunRecord): PhaseStretch[] {
  const rr = r.runnerReported as { phaseMs?: Record<string, number>; launchMs?: number | null };
  const ms = rr.phaseMs ?? {};
  const out: PhaseStretch[] = [];
  let at = 0;
  for (const name of ['workspace', 'setup'] as const) {
    if (ms[name] === undefined) continue;
    out.push({ name, startMs: at, durationMs: ms[name] });
    at += ms[name];
  }
  if (ms.runner !== undefined) {
    // launchMs is measured: the launcher's start to the runner's spawn
    const start = typeof rr.launchMs === 'number' ? rr.launchMs : at;
    out.push({ name: 'runner', startMs: start, durationMs: ms.runner });
    at = start + ms.runner;
  }
  if (ms.check !== undefined) out.push({ name: 'check', startMs: at, durationMs: ms.check });
  return out;
}

export interface PhaseSpansResult {
  spans: Span[];
  timing: 'measured' | 'inferred';
}

export function phaseSpans(r: RunRecord, models: readonly Span[] = []): PhaseSpansResult {
  const t0 = Date.parse(r.startedAt);
  const cellId = `cell-${r.cell}`;
  const spans: Span[] = [
    {
      id: cellId,
      cell: r.cell,
      kind: 'cell',
      name: cellLabel(r),
      startMs: t0,
      endMs: t0 + r.wallMs,
      status: r.outcome === 'pass' ? 'ok' : 'error',
      timing: 'measured',
      attrs: { outcome: r.outcome, exitCode: r.exitCode, runner: r.runner, condition: r.condition, task: r.task, rep: r.rep, launcher: r.launcher, host: r.host },
    },
  ];
  const timing = r.phases ? 'measured' : 'inferred';
  const stretches = r.phases ?? inferredPhases(r);
  const seen = new Map<string, number>();
  const failedPhase = (r.runnerReported as { failedPhase?: string | null }).failedPhase ?? null;
  for (const p of stretches) {
    const n = (seen.get(p.name) ?? 0) + 1;
    seen.set(p.name, n);
    const id = `phase-${p.name}${n > 1 ? `-${n}` : ''}`;
    spans.push({ id, cell: r.cell, kind: 'phase', name: p.name, startMs: t0 + p.startMs, endMs: t0 + p.startMs + p.durationMs, parent: cellId, status: failedPhase === p.name ? 'error' : 'ok', timing, attrs: { durationMs: p.durationMs } });
  }
  const runner = spans.find((s) => s.kind === 'phase' && s.name === 'runner');
  if (runner) {
    const first = models.filter((m) => m.kind === 'model' && m.startMs >= runner.startMs).reduce<number | null>((a, m) => (a === null || m.startMs < a ? m.startMs : a), null);
    const end = Math.min(first ?? runner.endMs, runner.endMs);
    spans.push({ id: 'phase-runner-start', cell: r.cell, kind: 'phase', name: 'runner start', startMs: runner.startMs, endMs: end, parent: runner.id, status: 'ok', timing: runner.timing, attrs: { durationMs: end - runner.startMs, reachedModel: first !== null } });
  }
  return { spans, timing };
}
