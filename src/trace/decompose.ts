/**
 * Decomposes a cell's wall time from its spans. Every instant of [start, start + wall] gets
 * exactly one label, by precedence: a model call in flight (the agent is waiting on the
 * model) > a tool running > the runner phase (harness: the agent's own start-up and work) >
 * another launcher phase (orchestration) > nothing (unattributed). Model and tool time that
 * falls outside the window is reported as `outsideMs` (clocks that disagree).
 *
 * The tolerance is stated, not tuned: max(250 ms, 2 % of wall time). Gaps below it are the
 * launcher's own untimed steps (creating the log directory, writing the runner's config).
 */
import type { Decomposition } from '../experiment/run-record.ts';
import type { Span } from './span.ts';

export const TOLERANCE = { minMs: 250, share: 0.02 } as const;

export const toleranceFor = (wallMs: number): number => Math.max(TOLERANCE.minMs, TOLERANCE.share * wallMs);

type Label = 'model' | 'tool' | 'harness' | 'orchestration';
const PRECEDENCE: Label[] = ['model', 'tool', 'harness', 'orchestration'];

function labelOf(s: Span): Label | undefined {
  if (s.kind === 'model' || s.kind === 'request') return 'model';
  if (s.kind === 'tool') return 'tool';
  if (s.kind === 'phase' && s.name === 'runner') return 'harness';
  if (s.kind === 'phase' && s.name !== 'runner start') return 'orchestration';
  return undefined;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
const share = (x: number, wall: number): number => (wall > 0 ? Math.min(1, Math.max(0, Math.round((x / wall) * 10000) / 10000)) : 0);

export interface DecomposeOptions {
  startMs: number;
  wallMs: number;
  phaseTiming: Decomposition['phaseTiming'];
}

export function decompose(spans: readonly Span[], o: DecomposeOptions): Decomposition {
  const winStart = o.startMs;
  const winEnd = o.startMs + o.wallMs;
  const labelled: { label: Label; start: number; end: number }[] = [];
  let outsideMs = 0;
  for (const s of spans) {
    const label = labelOf(s);
    if (!label) continue;
    if (label === 'model' || label === 'tool') outsideMs += Math.max(0, Math.min(s.endMs, winStart) - s.startMs) + Math.max(0, s.endMs - Math.max(s.startMs, winEnd));
    const start = Math.max(s.startMs, winStart);
    const end = Math.min(s.endMs, winEnd);
    if (end > start) labelled.push({ label, start, end });
  }
  const cuts = [...new Set([winStart, winEnd, ...labelled.flatMap((l) => [l.start, l.end])])].sort((a, b) => a - b);
  const totals: Record<Label | 'unattributed', number> = { model: 0, tool: 0, harness: 0, orchestration: 0, unattributed: 0 };
  for (let i = 0; i + 1 < cuts.length; i++) {
    const a = cuts[i]!;
    const b = cuts[i + 1]!;
    if (b <= a) continue;
    const mid = (a + b) / 2;
    let best: Label | undefined;
    for (const l of labelled) {
      if (l.start <= mid && mid < l.end && (best === undefined || PRECEDENCE.indexOf(l.label) < PRECEDENCE.indexOf(best))) best = l.label;
    }
    totals[best ?? 'unattributed'] += b - a;
  }
  const runner = spans.find((s) => s.kind === 'phase' && s.name === 'runner start');
  const reached = runner?.attrs.reachedModel === true;
  const tools = spans.filter((s) => s.kind === 'tool');
  const toolTiming: Decomposition['toolTiming'] = tools.length === 0 ? 'none' : tools.some((t) => t.timing === 'inferred') ? 'inferred' : 'measured';
  const wall = o.wallMs;
  const toleranceMs = round1(toleranceFor(wall));
  return {
    wallMs: wall,
    modelMs: round1(totals.model),
    toolMs: round1(totals.tool),
    harnessMs: round1(totals.harness),
    orchestrationMs: round1(totals.orchestration),
    unattributedMs: round1(totals.unattributed),
    startupMs: runner && reached ? round1(runner.endMs - runner.startMs) : null,
    outsideMs: round1(outsideMs),
    shares: {
      model: share(totals.model, wall),
      tool: share(totals.tool, wall),
      harness: share(totals.harness, wall),
      orchestration: share(totals.orchestration, wall),
      unattributed: share(totals.unattributed, wall),
    },
    toleranceMs,
    withinTolerance: totals.unattributed + outsideMs <= toleranceMs,
    modelCalls: spans.filter((s) => s.kind === 'model').length,
    toolCalls: tools.length,
    toolTiming,
    phaseTiming: o.phaseTiming,
  };
}
