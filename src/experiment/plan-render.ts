/**
 * Human output of a plan (`--dry-run`, `agentab plan`): the matrix, the run order, the
 * commands each kind of cell runs (secrets shown as placeholders) and the estimate.
 */
import { formatDuration } from '../config/experiment-duration.ts';
import type { Cell } from './cell.ts';
import type { PlanEstimate } from './estimate.ts';
import type { Plan } from './plan.ts';
import { fmtInt, fmtUsd } from './progress.ts';
import { runnerAdapter } from './runners/adapters.ts';
import { shellJoin, shellQuote } from './shell-quote.ts';
import { renderTable } from './summary-table.ts';

const PLACEHOLDER_URL = 'http://127.0.0.1:<port>';

/** The commands one cell would run, with placeholders for the proxy port, token and paths. */
export function cellCommands(plan: Plan, cell: Cell): { setup: string[]; runner: string; env: string[]; check?: string } {
  const adapter = runnerAdapter(cell.runner.kind);
  const bin = plan.runners[cell.runner.name]?.bin ?? cell.runner.kind;
  const base = `${PLACEHOLDER_URL}/cell/${cell.id}`;
  let runner: string;
  let env: string[] = [];
  try {
    const inv = adapter.command({ cell, endpoint: { proxyUrl: PLACEHOLDER_URL, anthropicBaseUrl: base, openaiBaseUrl: `${base}/v1`, token: '<cell-token>' }, workspace: '<workspace>', home: '<home>', bin });
    runner = shellJoin(inv.argv);
    const all = { ...cell.runner.env, ...cell.condition.env, ...inv.env };
    env = Object.entries(all).map(([k, v]) => `${k}=${inv.secretEnv.includes(k) ? '<secret>' : shellQuote(v)}`);
    for (const f of Object.keys(inv.files)) env.push(`(writes ${f})`);
  } catch (e) {
    runner = `<cannot build: ${(e as Error).message}>`;
  }
  return { setup: [...cell.task.setup, ...cell.condition.setup], runner, env, check: cell.task.check };
}

export function renderPlan(plan: Plan, estimate?: PlanEstimate, o: { commands?: boolean } = {}): string {
  const s = plan.spec;
  const out: string[] = [];
  out.push(`experiment ${s.name}${s.file ? ` (${s.file})` : ''}`);
  out.push(`  runners     ${s.runners.map((r) => `${r.name}${plan.runners[r.name] ? ` ${plan.runners[r.name]!.version}` : ''}`).join(', ')}`);
  out.push(`  conditions  ${s.conditions.map((c) => c.name).join(', ')}`);
  out.push(`  tasks       ${s.tasks.map((t) => t.id).join(', ')}`);
  out.push(`  reps ${s.reps} · ${plan.cells.length} cells · order ${s.order} (seed ${s.seed}) · concurrency ${s.concurrency} · launcher ${s.launcher.kind} · timeout ${formatDuration(s.timeoutMs)} · model ${s.model}`);
  if (s.budget.usd !== undefined || s.budget.tokens !== undefined) {
    out.push(`  budget      ${[s.budget.usd !== undefined ? fmtUsd(s.budget.usd) : '', s.budget.tokens !== undefined ? `${fmtInt(s.budget.tokens)} tokens` : ''].filter(Boolean).join(', ')}`);
  }
  out.push('', 'run order:');
  out.push(renderTable(['#', 'block', 'cell', 'runner', 'condition', 'task', 'rep'], plan.cells.map((c) => [String(c.index + 1), String(c.block), c.id, c.runner.name, c.condition.name, c.task.id, String(c.rep)]), (i) => i <= 1 || i === 6));
  if (o.commands !== false) {
    out.push('', 'runner environment (cell ids shown as <cell>; each cell has its own token, home and workspace):');
    for (const r of s.runners) {
      const c = plan.cells.find((x) => x.runner.name === r.name);
      if (c) out.push(`  ${r.name}: ${cellCommands(plan, c).env.join(' ').replaceAll(c.id, '<cell>')}`);
    }
    out.push('', 'commands (per runner × condition × task, run in <workspace>; every rep runs the same):');
    const seen = new Set<string>();
    for (const c of plan.cells) {
      const k = JSON.stringify([c.runner.name, c.condition.name, c.task.id]);
      if (seen.has(k)) continue;
      seen.add(k);
      const cmd = cellCommands(plan, c);
      out.push(`  ${c.runner.name} / ${c.condition.name} / ${c.task.id}`);
      for (const x of cmd.setup) out.push(`    setup:  ${x}`);
      const condEnv = Object.entries(c.condition.env).map(([k2, v]) => `${k2}=${shellQuote(v)}`);
      if (condEnv.length) out.push(`    env:    ${condEnv.join(' ')}`);
      out.push(`    run:    ${cmd.runner}`);
      if (cmd.check) out.push(`    check:  ${cmd.check}`);
    }
  }
  if (estimate) {
    out.push('', `estimate: ${formatDuration(estimate.wallMs)} wall · ${fmtInt(estimate.input)} input + ${fmtInt(estimate.output)} output tokens · ${fmtUsd(estimate.costUsd)}`);
    const src = estimate.sources;
    out.push(`  from ${[src.history ? `earlier records (${src.history} cells, ${estimate.historyRecords} records)` : '', src.expected ? `task expected sizes (${src.expected} cells)` : '', src.default ? `a default of ${formatDuration(60_000)} per cell (${src.default} cells)` : ''].filter(Boolean).join(', ')}`);
  }
  return out.join('\n');
}
