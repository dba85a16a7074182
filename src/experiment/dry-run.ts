/**
 * `--dry-run` / `agentab plan`: resolves the runners (a missing binary fails here), builds
 * the plan and its estimate, and writes nothing but the plan: plan.json and a `planned`
 * manifest in a new run directory, which `--resume <dir>` can then execute as is.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { cellBaseEnv } from '../config/experiment-env.ts';
import type { Env } from '../config/env.ts';
import type { ExperimentSpec, SpecOverrides } from '../config/experiment-types.ts';
import type { ProxyConfig } from '../config/types.ts';
import { costOf } from '../proxy/spend/prices.ts';
import type { Cell } from './cell.ts';
import { planPower, type PlanPower } from './dry-run-power.ts';
import { estimatePlan, loadHistory, type CellEstimate, type PlanEstimate } from './estimate.ts';
import { newManifest, writeManifest } from './manifest.ts';
import { buildPlan, planToJson, type Plan, type ResolvedRunner } from './plan.ts';
import { buildRunProxyConfig } from './proxy-config.ts';
import { writeFileAtomic } from './records-store.ts';
import { checkLauncherOptions, remoteSecretNames } from './launchers/registry.ts';
import { checkRunId, experimentDir, newRunId, runPaths } from './run-dir.ts';
import { probeRunners } from './runners/probe.ts';

export interface DryRunOptions {
  spec: ExperimentSpec;
  outRoot: string;
  env: Env;
  overrides?: SpecOverrides;
  cwd?: string;
  /** Write plan.json + manifest (default true). */
  write?: boolean;
  runners?: Record<string, ResolvedRunner>;
  runId?: string;
  /** Plan only these cells (a shard, `--shard i/N`); such a plan is shown, never written. */
  only?: ReadonlySet<string>;
}

export interface DryRunResult {
  plan: Plan;
  estimate: PlanEstimate & { perCell: CellEstimate[] };
  /** What change the planned reps can detect, from earlier runs' spread. */
  power: PlanPower;
  /** What the proxy config's loading warned about (LiteLLM keys ignored, settings not implemented). */
  warnings: string[];
  runDir?: string;
}

/** Prices an expected size with the deployment the cell's alias routes to first. */
function pricer(config: ProxyConfig) {
  return (cell: Cell, input: number, output: number): number => {
    const d = config.deployments.find((x) => x.alias === cell.model);
    if (!d) return 0;
    return costOf({ input, output, cacheRead: 0, cacheWrite: 0, reasoning: 0 }, d.model, d, d.provider);
  };
}

export async function dryRun(o: DryRunOptions): Promise<DryRunResult> {
  const runners = o.runners ?? (await probeRunners(o.spec.runners, cellBaseEnv(o.env)));
  // What the run would refuse, the plan refuses, naming the spec file.
  await checkLauncherOptions(o.spec.launcher).catch((e: unknown) => {
    throw new Error(`${o.spec.file ?? o.spec.name}: ${(e as Error).message}`, { cause: e });
  });
  const whole = buildPlan(o.spec, runners);
  const plan = o.only ? { ...whole, cells: whole.cells.filter((c) => o.only!.has(c.id)) } : whole;
  if (o.runId !== undefined) checkRunId(o.runId);
  // a remote launcher's machines read their own keys (GCE: Secret Manager): a stand-in is enough to check the config here
  const standIns = Object.fromEntries((await remoteSecretNames(o.spec.launcher)).map((n) => [n, `<secret ${n}>`]));
  const proxy = await buildRunProxyConfig(o.spec, { ...o.env, ...standIns });
  const expDir = experimentDir(path.resolve(o.outRoot), o.spec.name);
  const history = await loadHistory(expDir);
  const estimate = estimatePlan(plan.cells, o.spec.concurrency, history, pricer(proxy));
  const power = planPower({
    reps: o.spec.reps,
    tasks: o.spec.tasks.map((t) => t.id),
    runners: o.spec.runners.map((r) => r.name),
    paired: o.spec.order !== 'random', // blocks of conditions run back to back (order.ts)
    conditions: o.spec.conditions.length,
    history,
  });
  const warnings = proxy.warnings ?? [];
  // A shard's plan is not a run of its own: `--resume` of a written plan runs every cell.
  if (o.write === false || o.only) return { plan, estimate, power, warnings };
  const runId = o.runId ?? newRunId();
  const runDir = path.join(expDir, runId);
  await mkdir(runDir, { recursive: true });
  await writeFileAtomic(runPaths(runDir).plan, JSON.stringify({ ...planToJson(plan), estimate: { ...estimate, perCell: undefined } }, null, 2) + '\n');
  await writeManifest(runDir, newManifest(plan, runId, { cwd: o.cwd ?? process.cwd(), overrides: o.overrides ?? {}, proxy, status: 'planned' }));
  return { plan, estimate, power, warnings, runDir };
}
