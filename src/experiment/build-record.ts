/**
 * Builds a cell's RunRecord by joining its spend lines (matched on the cell id, so exact
 * under any concurrency) with the launcher's result and the runner's own transcript.
 */
import { isModelCall } from '../proxy/spend/record.ts';
import type { ProxyConfig, SimCacheRules } from '../config/types.ts';
import { costOrZero, type SpendRecord } from '../proxy/spend/record.ts';
import type { Cell } from './cell.ts';
import type { CellResult } from './launchers/types.ts';
import { RUN_RECORD_VERSION, type Outcome, type RunRecord, type RunUsage } from './run-record.ts';


function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function outcomeOf(cell: Cell, r: CellResult, calls: number): Outcome {
  if (r.canceled) return 'canceled';
  if (r.timedOut) return 'timeout';
  if (r.infraError !== undefined) return 'infra';
  const runner = r.runner;
  if (!runner) return 'infra';
  const failed = runner.exitCode !== 0 || r.report?.isError === true;
  // an agent that failed without a single call reaching the proxy never talked to a model:
  // the proxy was unreachable or the runner could not start, not a result of the condition
  if (failed && calls === 0 && cell.runner.kind !== 'command') return 'infra';
  if (failed) return 'error';
  if (r.check && r.check.exitCode !== 0) return 'fail';
  return 'pass';
}

/**
 * Why a cell did not pass, in words: every outcome but pass carries one (a record that says
 * `error` with no reason leaves its reader nothing to act on). Null for a pass.
 */
export function outcomeReason(cell: Cell, r: CellResult, calls: number, outcome: Outcome): string | null {
  const runner = r.runner;
  const exit = runner ? (runner.signal ? `was killed by ${runner.signal}` : runner.spawnError ? `could not start: ${runner.spawnError}` : `exited with code ${runner.exitCode}`) : 'never started';
  const who = `the ${cell.runner.kind} runner "${cell.runner.name}"`;
  switch (outcome) {
    case 'pass':
      return null;
    case 'canceled':
      return `canceled (interrupted or out of budget) during ${r.failedPhase ?? 'the runner'}`;
    case 'timeout':
      return `timed out after ${cell.timeoutMs} ms during ${r.failedPhase ?? 'the runner'}`;
    case 'infra':
      if (r.infraError !== undefined) return r.infraError;
      if (!runner) return `${who} never started`;
      return `${who} ${exit} before any model call reached the proxy (proxy unreachable, or the runner could not start): see the cell's stderr.log`;
    case 'error':
      return r.report?.errorMessage ?? (runner && runner.exitCode !== 0 ? `${who} ${exit}: see the cell's stderr.log` : `${who} reported an error in its transcript`);
    case 'fail':
      return `the task's check failed (exit code ${r.check?.exitCode ?? 'none'}): see the cell's check.log`;
  }
}

export interface BuildRecordInput {
  cell: Cell;
  runId: string;
  launcher: string;
  result: CellResult;
  /** Every spend line seen for this cell id during this attempt. */
  spend: readonly SpendRecord[];
  runnerVersion: string | null;
  proxyVersion?: string;
  /** 2, 3, … for a cell re-run by --retry (absent: the first attempt). */
  attempt?: number;
  /** How the simulator cached prompts for this cell, when its alias is served by the simulator. */
  simCache?: SimCacheRecord;
}

/** The prompt-cache setting of a simulated cell, kept in the record's env. */
export interface SimCacheRecord {
  rules: SimCacheRules;
  /** True when cells shared one cache (an experiment choice), false when each had its own. */
  shared: boolean;
}

/** The simulator's cache setting for cells asking for `alias` (its first sim deployment). */
export function simCacheOf(config: Pick<ProxyConfig, 'deployments'>, alias: string): SimCacheRecord | undefined {
  const sim = config.deployments.find((d) => d.alias === alias && d.provider === 'sim' && d.sim)?.sim;
  return sim ? { rules: sim.cache.rules, shared: sim.cache.shared } : undefined;
}

export function buildRunRecord(i: BuildRecordInput): RunRecord {
  const { cell, result: r } = i;
  const mine = i.spend.filter((s) => s.cell === cell.id);
  const calls = mine.filter(isModelCall);
  const usage: RunUsage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 };
  let costUsd = 0;
  let modelMs = 0;
  for (const c of calls) {
    usage.input += c.usage.input;
    usage.output += c.usage.output;
    usage.cacheRead += c.usage.cacheRead;
    usage.cacheWrite += c.usage.cacheWrite;
    usage.reasoning += c.usage.reasoning;
    costUsd += costOrZero(c);
    modelMs += c.durationMs;
  }
  const unpriced = [...new Set(calls.filter((c) => c.priced === false).map((c) => c.upstreamModel ?? c.alias))].sort();
  const ttfts = calls.map((c) => c.ttftMs).filter((t): t is number => t !== null);
  const failedCalls = calls.filter((c) => c.status >= 400).length;
  const upstreams = [...new Set(calls.filter((c) => c.backend !== null).map((c) => `${c.backend}/${c.upstreamModel ?? c.alias}`))].sort();
  const report = r.report;
  const outcome = outcomeOf(cell, r, calls.length);
  return {
    v: RUN_RECORD_VERSION as 1,
    experiment: cell.experiment,
    runId: i.runId,
    cell: cell.id,
    runner: cell.runner.name,
    runnerVersion: i.runnerVersion,
    condition: cell.condition.name,
    task: cell.task.id,
    rep: cell.rep,
    launcher: i.launcher,
    host: r.host,
    startedAt: r.startedAt,
    wallMs: r.wallMs,
    exitCode: r.runner?.exitCode ?? null,
    outcome,
    calls: calls.length,
    usage,
    costUsd,
    ...(unpriced.length ? { unpricedModels: unpriced } : {}),
    modelMs,
    ttftMs: median(ttfts),
    overheadMs: mine.reduce((a, c) => a + c.overheadMs, 0),
    runnerReported: {
      ...(report ?? {}),
      kind: cell.runner.kind,
      model: cell.model,
      maxTurns: cell.maxTurns,
      launchMs: r.launchMs,
      phaseMs: r.phaseMs,
      failedPhase: r.failedPhase ?? null,
      error: outcomeReason(cell, r, calls.length, outcome),
      signal: r.runner?.signal ?? null,
      checkExitCode: r.check?.exitCode ?? null,
      failedCalls,
      otherRequests: mine.length - calls.length,
    },
    env: { ...r.env, runnerVersion: i.runnerVersion ?? undefined, proxyVersion: i.proxyVersion, ...(i.simCache ? { simCache: i.simCache } : {}), ...(upstreams.length ? { upstreams } : {}) },
    order: cell.index,
    block: cell.block,
    ...(i.attempt !== undefined && i.attempt > 1 ? { attempt: i.attempt } : {}),
    callLatenciesMs: calls.map((c) => c.durationMs),
    ...(r.phaseSpans ? { phases: r.phaseSpans.map((p) => ({ name: p.phase, startMs: p.startMs, durationMs: p.durationMs })) } : {}),
  };
}
