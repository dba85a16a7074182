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
import { cellEndpoint } from './runners/types.ts';
import { shellJoin, shellQuote } from '../util/shell-quote.ts';
import { scrubSecrets } from '../util/scrub.ts';
import { cellEnvVars } from './launchers/cell-common.ts';
import { renderTable } from './summary-table.ts';

const PLACEHOLDER_URL = 'http://127.0.0.1:<port>';

/** Variables whose value differs per cell: the runner-wide line shows a placeholder, each task × condition its value. */
const PER_CELL_VARS: Record<string, string> = {
  AGENTAB_TASK: '<task>',
  AGENTAB_CONDITION: '<condition>',
  AGENTAB_REP: '<rep>',
  AGENTAB_PROMPT: '<prompt>',
  AGENTAB_TASK_DIR: '<task dir>',
};
/** Shown only per task × condition (the prompt is the task's). */
const SHOWN_PER_CELL = ['AGENTAB_TASK', 'AGENTAB_CONDITION', 'AGENTAB_TASK_DIR', 'AGENTAB_SPEC_DIR'];
/** A variable whose name says it holds a credential is never printed, whatever the spec put in it. */
const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL/i;

export interface CellCommands {
  setup: string[];
  /** The runner's command line, each word shell-quoted as it is passed. */
  runner: string;
  /** NAME=value of the runner's environment, secrets as `<secret>`, per-cell values as placeholders. */
  env: string[];
  /** NAME=value of the per-cell variables this cell's runner gets (AGENTAB_TASK_DIR, …). */
  cellEnv: string[];
  check?: string;
}

/** The commands one cell would run, with placeholders for the proxy port, token and paths. */
export function cellCommands(plan: Plan, cell: Cell): CellCommands {
  const adapter = runnerAdapter(cell.runner.kind);
  const bin = plan.runners[cell.runner.name]?.bin ?? cell.runner.kind;
  let runner: string;
  let env: string[] = [];
  let cellEnv: string[] = [];
  try {
    const workspace = '<workspace>';
    const inv = adapter.command({ cell, endpoint: cellEndpoint(PLACEHOLDER_URL, cell.id, '<cell-token>'), workspace, home: '<home>', bin, cellVars: cellEnvVars(cell, { plan }, {}, workspace) });
    runner = shellJoin(inv.argv);
    const shown = (k: string, v: string) => `${k}=${inv.secretEnv.includes(k) || SECRET_NAME.test(k) ? '<secret>' : shellQuote(scrubSecrets(v))}`;
    // the condition's own variables are listed per condition
    const all = { ...cell.runner.env, ...inv.env };
    env = Object.entries(all).map(([k, v]) => (k in PER_CELL_VARS ? `${k}=${PER_CELL_VARS[k]}` : shown(k, v)));
    cellEnv = SHOWN_PER_CELL.filter((k) => k in inv.env).map((k) => shown(k, inv.env[k]!));
    for (const f of Object.keys(inv.files)) env.push(`(writes ${f})`);
  } catch (e) {
    runner = `<cannot build: ${(e as Error).message}>`;
  }
  return { setup: [...cell.task.setup, ...cell.condition.setup], runner, env, cellEnv, check: cell.task.check };
}

/** The commands of each runner × condition × task (every rep runs the same), in run order. */
export function planCommands(plan: Plan): { cell: Cell; commands: CellCommands }[] {
  const seen = new Set<string>();
  const out: { cell: Cell; commands: CellCommands }[] = [];
  for (const c of plan.cells) {
    const k = JSON.stringify([c.runner.name, c.condition.name, c.task.id]);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ cell: c, commands: cellCommands(plan, c) });
  }
  return out;
}

export function renderPlan(plan: Plan, estimate?: PlanEstimate, o: { commands?: boolean } = {}): string {
  const s = plan.spec;
  const out: string[] = [];
  out.push(`experiment ${s.name}${s.file ? ` (${s.file})` : ''}`);
  out.push(`  runners     ${s.runners.map((r) => `${r.name}${plan.runners[r.name] ? ` ${plan.runners[r.name]!.version}` : ''}`).join(', ')}`);
  out.push(`  conditions  ${s.conditions.map((c) => c.name).join(', ')}`);
  out.push(`  tasks       ${s.tasks.map((t) => t.id).join(', ')}`);
  out.push(`  reps ${s.reps} · ${plan.cells.length} cells · order ${s.order}${s.order === 'sequential' ? '' : ` (seed ${s.seed})`} · concurrency ${s.concurrency} · launcher ${s.launcher.kind} · timeout ${formatDuration(s.timeoutMs)} · model ${s.model}`);
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
    for (const { cell: c, commands: cmd } of planCommands(plan)) {
      out.push(`  ${c.runner.name} / ${c.condition.name} / ${c.task.id}`);
      for (const x of cmd.setup) out.push(`    setup:  ${x}`);
      const condEnv = Object.entries(c.condition.env).map(([k2, v]) => `${k2}=${SECRET_NAME.test(k2) ? '<secret>' : shellQuote(scrubSecrets(v))}`);
      if (condEnv.length) out.push(`    env:    ${condEnv.join(' ')}`);
      if (cmd.cellEnv.length) out.push(`    vars:   ${cmd.cellEnv.join(' ')}`);
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
