/** Human lines about a cell's time (CLI output, debug context). */
import type { Decomposition } from '../experiment/run-record.ts';
import type { CellTimeline } from './cell-spans.ts';
import { cellLabel } from './phase-spans.ts';

export const seconds = (ms: number): string => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
export const pct = (x: number): string => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;

/** "model 2.3 s (23%) · tool 1.0 s (10%) · harness … · orchestration … · unattributed …". */
export function decompositionParts(d: Decomposition): string {
  const parts = [
    `model ${seconds(d.modelMs)} (${pct(d.shares.model)})`,
    `tool ${seconds(d.toolMs)} (${pct(d.shares.tool)})`,
    `harness ${seconds(d.harnessMs)} (${pct(d.shares.harness)})`,
    `orchestration ${seconds(d.orchestrationMs)} (${pct(d.shares.orchestration)})`,
  ];
  if (d.unattributedMs > 0) parts.push(`unattributed ${seconds(d.unattributedMs)}`);
  return parts.join(' · ');
}

export function decompositionLine(t: CellTimeline): string {
  const d = t.decomposition;
  const r = t.record;
  const warn = d.withinTolerance ? '' : ` [does not tile: ${seconds(d.unattributedMs + d.outsideMs)} unexplained > tolerance ${seconds(d.toleranceMs)}]`;
  return `${r.cell} ${cellLabel(r)} ${r.outcome} ${seconds(r.wallMs)}: ${decompositionParts(d)}; ${d.modelCalls} model calls, ${d.toolCalls} tool calls${d.startupMs !== null ? `, start-up ${seconds(d.startupMs)}` : ''}${warn}`;
}
