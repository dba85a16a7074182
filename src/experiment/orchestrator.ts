/**
 * run-matrix: plans an experiment, starts one proxy for the run (spend log in the run dir),
 * runs the cells on a launcher with bounded concurrency in the planned order, and writes a
 * RunRecord per cell as it finishes. Resumable: cells already recorded are skipped.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cellBaseEnv } from '../config/experiment-env.ts';
import type { Env } from '../config/env.ts';
import type { ExperimentSpec, SpecOverrides } from '../config/experiment-types.ts';
import type { ProxyConfig } from '../config/types.ts';
import { startProxy } from '../proxy/index.ts';
import { costOrZero, type SpendRecord } from '../proxy/spend/record.ts';
import type { Logger } from '../util/log.ts';
import { VERSION } from '../version.ts';
import { Budget } from './budget.ts';
import { buildRunRecord, simCacheOf } from './build-record.ts';
import type { Cell } from './cell.ts';
import { createLauncher } from './launchers/registry.ts';
import type { CellLauncher, CellResult, LaunchContext } from './launchers/types.ts';
import { newManifest, readManifest, writeManifest, writeManifestSync, type Manifest } from './manifest.ts';
import { buildPlan, planToJson, type Plan, type ResolvedRunner } from './plan.ts';
import { silentProgress, type ProgressSink } from './progress.ts';
import { buildRunProxyConfig } from './proxy-config.ts';
import { readRecordsFile, RecordsLog, writeFileAtomic } from './records-store.ts';
import { markKilled, recordKilledAttempts } from './killed-attempts.ts';
import { spendText } from './uncounted-spend.ts';
import type { ResultsSink } from './results-sink.ts';
import { cellDir, checkRunId, experimentDir, newRunId, runPaths } from './run-dir.ts';
import { acquireRunLock } from './run-lock.ts';
import { CellProcessRegistry, reapCellProcesses, removeStagingDirs } from './cell-processes.ts';
import { diffSnapshots } from './spec-snapshot.ts';
import type { Outcome, RunRecord } from './run-record.ts';
import { probeRunners } from './runners/probe.ts';
import { cellEndpoint } from './runners/types.ts';
import { schedule } from './scheduler.ts';
import { withDecomposition } from '../trace/cell-spans.ts';
import { runScrubber, scrubCellOutputs } from './cell-outputs.ts';
import { proxyConfigSecrets } from '../config/config-secrets.ts';

export interface RunMatrixOptions {
  spec: ExperimentSpec;
  /** Results root; a new run goes to <outRoot>/<experiment>/<runId>. */
  outRoot: string;
  /** Continue this run directory: cells already recorded are skipped. */
  resumeDir?: string;
  /** Recorded in the manifest so a resume re-plans the same matrix. */
  overrides?: SpecOverrides;
  cwd?: string;
  env: Env;
  log: Logger;
  progress?: ProgressSink;
  /** Injected launcher (tests); default from the spec's launcher kind. */
  launcher?: CellLauncher;
  /** Aborting cancels running cells (recorded as canceled) and starts no new ones. */
  signal?: AbortSignal;
  keepWorkspaces?: boolean;
  /** Mirrors the run dir as cells finish (`--results-uri`); restores what it already holds first. */
  results?: ResultsSink;
  /** Added to every record's env: facts of the machine the run runs on (the GCE VM's name, zone, machine type). */
  recordEnv?: Record<string, string | number>;
  /** Pre-resolved runners (skips probing). */
  runners?: Record<string, ResolvedRunner>;
  proxyHost?: string;
  proxyPort?: number;
  runId?: string;
  /** Run only these cells of the plan (a shard, `--shard i/N`); the others are not this run's to run or count. */
  only?: ReadonlySet<string>;
  /** Resume although the spec changed since the run started (see spec-snapshot.ts). */
  force?: boolean;
  /** With resumeDir: also re-run cells whose latest record has one of these outcomes (a new attempt). */
  retry?: readonly Outcome[];
  /** Shown in run.lock (what command owns the run). */
  command?: string;
}

/** `--resume` of a run whose spec changed since: the fields that differ. */
export class SpecChangedError extends Error {
  readonly code = 'spec_changed';
  readonly retryable = false;
  constructor(
    readonly runDir: string,
    readonly changes: string[],
  ) {
    super(
      `${runDir}: the spec changed since this run started, so its cells would not measure the same thing:\n` +
        changes.slice(0, 12).map((c) => `  ${c}`).join('\n') +
        (changes.length > 12 ? `\n  … and ${changes.length - 12} more` : '') +
        `\nresume with the original spec, start a new run, or pass --force to resume anyway`,
    );
    this.name = 'SpecChangedError';
  }
}

export interface RunMatrixResult {
  runId: string;
  runDir: string;
  plan: Plan;
  /** Every record of the run directory, in plan order. */
  records: RunRecord[];
  ran: number;
  skipped: number;
  notStarted: number;
  stoppedBy: 'done' | 'abort' | 'budget';
  budgetReached?: 'usd' | 'tokens';
}

/** A result for a cell whose launcher threw: an infra failure, never a crash of the run. */
function crashedResult(cell: Cell, e: unknown, startedAt: number): CellResult {
  return {
    cellId: cell.id,
    host: os.hostname(),
    startedAt: new Date(startedAt).toISOString(),
    wallMs: Date.now() - startedAt,
    launchMs: null,
    phaseMs: {},
    runner: null,
    check: null,
    infraError: `launcher error: ${(e as Error).message ?? String(e)}`,
    timedOut: false,
    canceled: false,
    report: null,
    env: {},
  };
}

export async function runMatrix(o: RunMatrixOptions): Promise<RunMatrixResult> {
  const { spec, log } = o;
  const progress = o.progress ?? silentProgress;
  const baseEnv = cellBaseEnv(o.env);
  const runners = o.runners ?? (await probeRunners(spec.runners, baseEnv));
  const plan = buildPlan(spec, runners);
  const launcher = o.launcher ?? (await createLauncher(spec.launcher, { overrides: o.overrides }));
  // a remote launcher's machines get these variables from a secret store: checking the config
  // here needs only a stand-in, never the value (which this machine may not have)
  const standIns = Object.fromEntries((launcher.remoteSecrets ?? []).map((name) => [name, `<secret ${name}>`]));
  const proxyConfig: ProxyConfig = await buildRunProxyConfig(spec, { ...o.env, ...standIns });
  const scrubOutputs = runScrubber(spec, o.env, proxyConfigSecrets(proxyConfig));
  // What `agentab proxy` warns about a pasted LiteLLM config (keys ignored, settings agentab does not implement), a run warns about too.
  for (const warning of proxyConfig.warnings ?? []) log.warn(warning);

  let runId: string;
  let runDir: string;
  let manifest: Manifest;
  if (!o.resumeDir && o.runId !== undefined) checkRunId(o.runId);
  const fresh = newManifest(plan, o.runId ?? newRunId(), { cwd: o.cwd ?? process.cwd(), overrides: o.overrides ?? {}, proxy: proxyConfig, status: 'running' });
  if (o.resumeDir) {
    runDir = path.resolve(o.resumeDir);
    manifest = await readManifest(runDir);
    if (manifest.experiment !== spec.name) throw new Error(`${runDir} is a run of experiment "${manifest.experiment}", not "${spec.name}"`);
    runId = manifest.runId;
  } else {
    runId = fresh.runId;
    runDir = path.join(experimentDir(path.resolve(o.outRoot), spec.name), runId);
    manifest = fresh;
  }
  await mkdir(runPaths(runDir).cells, { recursive: true });
  // One writer per run directory: a second process refuses here, before touching anything.
  const lock = await acquireRunLock(runDir, { command: o.command });
  try {
    return await runLocked();
  } finally {
    await lock.release();
  }

  async function runLocked(): Promise<RunMatrixResult> {
  if (o.resumeDir) {
    if (manifest.spec && manifest.specHash && manifest.specHash !== fresh.specHash) {
      const changes = diffSnapshots(manifest.spec, fresh.spec);
      if (!o.force) throw new SpecChangedError(runDir, changes.length ? changes : ['(spec hash differs)']);
      log.warn('resuming with a changed spec (--force)', { changes: changes.slice(0, 12).join('; ') });
      manifest = { ...manifest, spec: fresh.spec, specHash: fresh.specHash };
    }
    // A session still "running" whose process is gone was killed: stop what it left running;
    // below, its cut-off attempts get records and the manifest says so.
    const reaped = reapCellProcesses(runDir);
    if (reaped.killed.length) log.warn('killed process groups a previous session left running', { groups: reaped.killed.map((p) => `${p.pgid} (cell ${p.cell})`).join(', ') });
    // …and the workspaces it staged: this session stages its own (the run's lock is ours now).
    // A remote launcher staged nothing here: its cells run on machines of their own, under the same run id.
    const staged = launcher.remote ? [] : removeStagingDirs(runDir);
    if (staged.length) log.info('removed the staging dirs a previous session left', { dirs: staged.join(', ') });
  }
  await writeFileAtomic(runPaths(runDir).plan, JSON.stringify(planToJson(plan), null, 2) + '\n');

  const restored = o.results ? await o.results.open(runDir) : 0;
  if (restored) log.info(`restored ${restored} record(s) from ${o.results!.target}`);
  const records = await RecordsLog.open(runDir, { env: o.recordEnv });
  if (records.repaired) log.info('recovered records of cells finished before a crash', { count: records.repaired });
  if (o.resumeDir) {
    // only a killed attempt leaves model calls no record holds (a canceled one is recorded);
    // a remote launcher's cells run on (their VMs outlive this process) and are pooled later
    const last = manifest.sessions.at(-1);
    const killed = !launcher.remote && (last?.status === 'running' || last?.status === 'killed')
      ? await recordKilledAttempts({
          runDir,
          runId,
          launcher: launcher.kind,
          cells: plan.cells,
          records,
          history: [...(await readRecordsFile(runPaths(runDir).records)).superseded, ...records.recorded.values()],
          runnerVersion: (c) => runners[c.runner.name]?.version ?? null,
          proxyVersion: VERSION,
        })
      : undefined;
    const marked = markKilled(manifest, runDir, killed?.spend);
    if (marked && last) {
      manifest = marked;
      await writeManifest(runDir, manifest);
      if (last.status === 'running') log.warn('the previous session of this run was killed without finishing; its unfinished cells run again', { startedAt: last.startedAt });
    }
    if (killed?.written.length) {
      // the killed attempts' logs go to history/, as a retried attempt's do
      for (const r of killed.written) await archiveCellDir(runDir, r.cell, r.attempt ?? 1);
      log.warn(`kept the spend of ${killed.written.length} attempt(s) the kill cut off as history (left out of the statistics): ${spendText(killed.spend)}`);
    }
  }
  const retry = new Set<Outcome>(o.resumeDir ? (o.retry ?? []) : []);
  const isDone = (c: Cell) => {
    const r = records.recorded.get(c.id);
    return r !== undefined && r.outcome !== 'canceled' && !retry.has(r.outcome);
  };
  const scope = o.only ? plan.cells.filter((c) => o.only!.has(c.id)) : plan.cells;
  const todo = scope.filter((c) => !isDone(c));
  const skipped = scope.length - todo.length;
  // A retried cell is a new attempt: its earlier record stays in records.jsonl as history (the
  // latest line of a cell is the one every reader uses) and its logs move to history/.
  const attempts = new Map<string, number>();
  for (const c of todo) {
    const prev = records.recorded.get(c.id);
    if (!prev) continue;
    const attempt = (prev.attempt ?? 1) + 1;
    attempts.set(c.id, attempt);
    if (retry.has(prev.outcome)) await archiveCellDir(runDir, c.id, attempt - 1);
  }
  if (retry.size) log.info('retrying cells', { outcomes: [...retry].join(','), cells: attempts.size });

  const session = { startedAt: new Date().toISOString(), ran: 0, status: 'running' as string, finishedAt: undefined as string | undefined, pid: process.pid };
  manifest = { ...manifest, status: 'running', sessions: [...manifest.sessions, session] };
  await writeManifest(runDir, manifest);
  // A forced exit (a second Ctrl-C) skips the `finally` below: the manifest then says killed,
  // as `agentab clean` would mark it, instead of running for ever.
  const markKilledAtExit = () => {
    const killed = markKilled(manifest, runDir);
    if (killed) {
      try {
        writeManifestSync(runDir, killed);
      } catch {
        // exiting: `agentab clean` marks it later
      }
    }
  };
  process.on('exit', markKilledAtExit);

  const budget = new Budget(spec.budget);
  for (const r of records.recorded.values()) budget.add(r.costUsd, r.usage.input + r.usage.output);
  let sessionTokens = 0;
  let sessionCost = 0;

  // a remote launcher's machines run their own proxies: none here
  const proxy = launcher.remote
    ? undefined
    : await startProxy({ config: proxyConfig, host: o.proxyHost ?? '127.0.0.1', port: o.proxyPort ?? 0, spendLogPath: runPaths(runDir).spend, runId, log: log.child({ component: 'proxy' }) });
  const spendByCell = new Map<string, SpendRecord[]>();
  const countSpend = (costUsd: number, tokens: number) => {
    budget.add(costUsd, tokens);
    sessionTokens += tokens;
    sessionCost += costUsd;
    progress.spend(sessionTokens, sessionCost);
  };
  const offSpend = proxy
    ? proxy.onSpend((rec) => {
        if (rec.cell) spendByCell.get(rec.cell)?.push(rec);
        if (rec.endpoint === 'messages' || rec.endpoint === 'chat') countSpend(costOrZero(rec), rec.usage.input + rec.usage.output);
      })
    : () => undefined;
  const noProxy = (): never => {
    throw new Error(`the ${launcher.kind} launcher runs its own proxies`);
  };

  const ctx: LaunchContext = {
    plan,
    runId,
    runDir,
    proxyUrl: proxy?.url ?? '',
    endpoint: (id, url = proxy?.url) => (proxy && url ? cellEndpoint(url, id, proxy.cellToken(id)) : noProxy()),
    registerCell: (id, info) => (proxy ? proxy.registerCell(id, info) : noProxy()),
    baseEnv,
    runners,
    keepWorkspaces: o.keepWorkspaces ?? false,
    log,
    cells: todo,
    note: (line) => progress.note(line),
    processes: new CellProcessRegistry(runDir),
  };

  let outcome: Awaited<ReturnType<typeof schedule>> = { started: 0, notStarted: todo.length, stoppedBy: 'done' };
  let failure: unknown;
  try {
    await launcher.prepare(ctx);
    progress.start(scope.length, skipped, spec.concurrency);
    outcome = await schedule({
      items: todo,
      // a remote launcher gets every cell at once and runs them at its own pace
      concurrency: launcher.remote ? Math.max(1, todo.length) : spec.concurrency,
      signal: o.signal,
      canStart: () => budget.exhausted() === undefined,
      run: async (cell) => {
        const t0 = Date.now();
        spendByCell.set(cell.id, []);
        const events = { started: () => progress.cellStarted(cell) };
        if (!launcher.remote) events.started();
        const cellAbort = new AbortController();
        const onAbort = () => cellAbort.abort();
        if (o.signal?.aborted) cellAbort.abort();
        o.signal?.addEventListener('abort', onAbort, { once: true });
        let result: CellResult;
        try {
          result = await launcher.run(cell, cellAbort.signal, events);
        } catch (e) {
          result = crashedResult(cell, e, t0);
        } finally {
          o.signal?.removeEventListener('abort', onAbort);
        }
        await proxy?.flush();
        let rec: RunRecord;
        if (result.record) {
          // built where the cell ran (a VM shard), decomposition included
          rec = result.record;
          countSpend(rec.costUsd, rec.usage.input + rec.usage.output);
        } else {
          // Before anything reads the outputs: what the agent printed or wrote keeps no secret.
          const scrubbed = await scrubCellOutputs(cellDir(runDir, cell.id), scrubOutputs).catch((e: unknown) => {
            log.warn('could not scrub a cell\'s outputs', { cell: cell.id, error: (e as Error).message });
            return [];
          });
          if (scrubbed.length) log.info('secrets redacted from the cell\'s outputs', { cell: cell.id, files: scrubbed.join(', ') });
          const spend = spendByCell.get(cell.id) ?? [];
          const built = buildRunRecord({ cell, runId, launcher: launcher.kind, result, spend, runnerVersion: runners[cell.runner.name]?.version ?? null, proxyVersion: VERSION, attempt: attempts.get(cell.id), simCache: simCacheOf(proxyConfig, cell.model) });
          const transcript = await readFile(path.join(cellDir(runDir, cell.id), 'transcript.jsonl'), 'utf8').catch(() => '');
          rec = withDecomposition(built, spend, transcript);
        }
        spendByCell.delete(cell.id);
        const written = await records.write(rec);
        await o.results?.cellRecorded(written);
        session.ran++;
        await launcher.release?.(cell.id).catch((e: unknown) => log.warn('could not clean a cell workspace', { cell: cell.id, error: (e as Error).message }));
        progress.cellFinished(cell, rec);
      },
    });
  } catch (e) {
    failure = e;
    throw e;
  } finally {
    process.off('exit', markKilledAtExit);
    progress.stop();
    offSpend();
    await launcher.dispose().catch((e: unknown) => log.warn('launcher dispose failed', { error: (e as Error).message }));
    await proxy?.close(2000);
    session.finishedAt = new Date().toISOString();
    const allDone = scope.every(isDone);
    // Ctrl-C after every cell had started: the scheduler is done, but cells ended canceled
    if (o.signal?.aborted && outcome.stoppedBy === 'done' && !allDone) outcome = { ...outcome, stoppedBy: 'abort' };
    session.status = failure ? 'failed' : outcome.stoppedBy === 'abort' ? 'canceled' : outcome.stoppedBy === 'budget' ? 'budget' : 'complete';
    manifest = { ...manifest, status: failure ? 'failed' : allDone ? 'complete' : (session.status as Manifest['status']) };
    await writeManifest(runDir, manifest).catch((e: unknown) => log.warn('could not update the manifest', { error: (e as Error).message }));
    await o.results?.close().catch((e: unknown) => log.warn(`could not mirror the results to ${o.results?.target}`, { error: (e as Error).message }));
  }
  const order = new Map(plan.cells.map((c, i) => [c.id, i]));
  const all = [...records.recorded.values()].filter((r) => order.has(r.cell)).sort((a, b) => order.get(a.cell)! - order.get(b.cell)!);
  return {
    runId,
    runDir,
    plan,
    records: all,
    ran: session.ran,
    skipped,
    notStarted: outcome.notStarted,
    stoppedBy: outcome.stoppedBy,
    budgetReached: budget.exhausted(),
  };
  }
}

/** Moves a cell's logs of an earlier attempt to history/<cellId>/attempt-<n> (kept, out of the way). */
async function archiveCellDir(runDir: string, cellId: string, attempt: number): Promise<void> {
  const from = cellDir(runDir, cellId);
  if (!existsSync(from)) return;
  const to = path.join(runDir, 'history', cellId, `attempt-${attempt}`);
  await mkdir(path.dirname(to), { recursive: true });
  await rm(to, { recursive: true, force: true });
  await rename(from, to);
}
