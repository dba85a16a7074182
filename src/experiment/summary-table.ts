/**
 * The end-of-run table: one row per cell (the full statistics are `agentab report`'s job),
 * then totals per runner × condition.
 */
import { formatDuration } from '../config/experiment-duration.ts';
import { fmtInt, fmtUsd } from './progress.ts';
import type { RunRecord } from './run-record.ts';

export function renderTable(head: string[], rows: string[][], rightAlign: (col: number) => boolean = () => false): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) => r.map((c, i) => (rightAlign(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [fmt(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

const NUMERIC = new Set(['rep', 'wall', 'calls', 'input', 'output', 'cost', 'cells', 'pass', 'median wall', 'median input', 'mean input']);

export function cellTable(records: readonly RunRecord[]): string {
  const sorted = [...records].sort((a, b) => a.runner.localeCompare(b.runner) || a.task.localeCompare(b.task) || a.condition.localeCompare(b.condition) || a.rep - b.rep);
  const head = ['cell', 'runner', 'task', 'condition', 'rep', 'outcome', 'wall', 'calls', 'input', 'output', 'cost'];
  const rows = sorted.map((r) => [r.cell, r.runner, r.task, r.condition, String(r.rep), r.outcome, formatDuration(r.wallMs), String(r.calls), fmtInt(r.usage.input), fmtInt(r.usage.output), fmtUsd(r.costUsd)]);
  return renderTable(head, rows, (i) => NUMERIC.has(head[i]!));
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? 0 : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Per runner × task × condition: pass count, median wall and input tokens (infra/canceled left out). */
export function groupTable(records: readonly RunRecord[]): string {
  const groups = new Map<string, RunRecord[]>();
  for (const r of records) {
    const k = JSON.stringify([r.runner, r.task, r.condition]);
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const head = ['runner', 'task', 'condition', 'cells', 'pass', 'median wall', 'median input', 'cost'];
  const rows = [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, rs]) => {
      const [runner, task, condition] = JSON.parse(k) as string[];
      const ok = rs.filter((r) => r.outcome !== 'infra' && r.outcome !== 'canceled');
      return [runner!, task!, condition!, String(rs.length), String(rs.filter((r) => r.outcome === 'pass').length), ok.length ? formatDuration(median(ok.map((r) => r.wallMs))) : '-', ok.length ? fmtInt(median(ok.map((r) => r.usage.input))) : '-', fmtUsd(rs.reduce((a, r) => a + r.costUsd, 0))];
    });
  return renderTable(head, rows, (i) => NUMERIC.has(head[i]!));
}
