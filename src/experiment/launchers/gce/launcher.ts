/**
 * The GCE launcher: one Google Cloud Batch job per run. prepare() shards the cells, uploads
 * the input bundle and submits the job (or, on --resume, re-attaches to the run's job if it
 * is still running); each VM runs `agentab run-matrix --shard i/N` with its own proxy and
 * mirrors its shard to GCS. A watcher polls the bucket and the job: run(cell) resolves when
 * the cell's record object appears (pooled into the local run directory), with an `infra`
 * result when the cell's task failed after Batch's retries. dispose() deletes a job that is
 * still running (Ctrl-C, a crash), so no VM outlives the run.
 */
import os from 'node:os';
import path from 'node:path';
import type { Cell } from '../../cell.ts';
import { estimateCell, loadHistory } from '../../estimate.ts';
import { cellLabel } from '../../progress.ts';
import type { CellEvents, CellLauncher, CellResult, LaunchContext } from '../types.ts';
import type { BatchApi, JobState, TaskInfo } from './batch-api.ts';
import { LIVE_JOB_STATES } from './batch-api.ts';
import { buildBundle } from './bundle.ts';
import { GceError } from './errors.ts';
import type { GceOptions } from './options.ts';
import { planGceJob } from './plan-job.ts';
import { findRecords, loadSpendIds, poolCell, type FoundRecord } from './pool.ts';
import { readGceState, writeGceState, type RunJob } from './run-state.ts';
import type { StorageApi } from './storage-api.ts';
import { parseGsUri } from '../../../cloud/gs-uri.ts';
import type { SpecOverrides } from '../../../config/experiment-types.ts';

export interface GceLauncherDeps {
  batch: BatchApi;
  storage: StorageApi;
  /** The run's overrides (what the VMs must apply to re-plan the same matrix). */
  overrides?: SpecOverrides;
  host?: string;
  pid?: number;
  /** Give up after this many polls in a row fail (default 30). */
  maxPollFailures?: number;
  /** How long dispose() waits for a deleted job to disappear (default 60 s). */
  deleteWaitMs?: number;
}

interface Waiter {
  cell: Cell;
  resolve(r: CellResult): void;
  events?: CellEvents;
  started: boolean;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

export class GceLauncher implements CellLauncher {
  readonly kind = 'gce';
  readonly remote = true;
  readonly remoteSecrets: readonly string[];
  private ctx?: LaunchContext;
  private job?: RunJob;
  private readonly shardOf = new Map<string, number>();
  /** Cells this session waits for, by id (resolved ones are removed). */
  private readonly pending = new Map<string, Cell>();
  private readonly waiters = new Map<string, Waiter>();
  /** Results that arrived before run() was called for the cell. */
  private readonly early = new Map<string, CellResult>();
  private readonly startedEarly = new Set<string>();
  private spendIds = new Set<string>();
  private runPrefix = '';
  private readonly stop = new AbortController();
  private loop?: Promise<void>;
  private aborting?: Promise<void>;
  private lastJobState?: JobState;
  private readonly taskStates = new Map<number, string>();
  /** Tasks/job seen in a final state by an earlier poll (acted on after one more listing). */
  private readonly finalSeen = new Set<string>();
  /** Record objects of cells a VM canceled: not results, not looked at again. */
  private readonly canceledRemote = new Set<string>();

  constructor(
    private readonly options: GceOptions,
    private readonly deps: GceLauncherDeps,
  ) {
    this.remoteSecrets = Object.keys(options.secrets);
  }

  private get bucket(): string {
    return this.options.bucket;
  }

  async prepare(ctx: LaunchContext): Promise<void> {
    this.ctx = ctx;
    const experiment = ctx.plan.spec.name;
    this.runPrefix = `agentab/${experiment}/${ctx.runId}`;
    for (const c of ctx.cells) this.pending.set(c.id, c);
    this.spendIds = await loadSpendIds(ctx.runDir);
    const state = await readGceState(ctx.runDir);

    if (state.jobs.length) {
      // a resumed run: cells its jobs finished while no launcher watched are pooled first
      await this.pollRecords();
      const last = state.jobs.at(-1)!;
      const job = await this.deps.batch.getJob(last.name);
      if (job && LIVE_JOB_STATES.has(job.state)) {
        if (this.pending.size === 0) {
          // its VMs recorded every cell but it still runs (uploading, being torn down): dispose() deletes it
          this.attach(last);
          ctx.note(`every cell of Batch job ${last.jobId} is recorded; it still reads ${job.state}`);
          return;
        }
        const owned = new Set(last.shards.flat());
        if ([...this.pending.keys()].every((id) => owned.has(id))) {
          this.attach(last);
          ctx.note(`re-attached to Batch job ${last.jobId} (${job.state}); ${this.pending.size} cells still to come`);
          this.loop = this.watch();
          return;
        }
        ctx.note(`Batch job ${last.jobId} is still ${job.state} but does not cover this plan: deleting it`);
        await this.deps.batch.deleteJob(last.name);
      }
    }
    if (this.pending.size === 0) return;

    const history = await loadHistory(path.dirname(ctx.runDir), ctx.runDir);
    const cells = ctx.cells.filter((c) => this.pending.has(c.id));
    const attempt = state.jobs.length + 1;
    const plan = planGceJob({
      options: this.options,
      cells,
      estimateMs: (c) => estimateCell(c, history).wallMs,
      runId: ctx.runId,
      experiment,
      attempt,
      owner: { host: this.deps.host ?? os.hostname(), pid: this.deps.pid ?? process.pid },
    });
    const budget = ctx.plan.spec.budget;
    const bundle = await buildBundle({
      spec: ctx.plan.spec,
      overrides: this.deps.overrides ?? {},
      runId: ctx.runId,
      shards: plan.shards,
      cellsPerVm: this.options.cellsPerVm,
      shardBudget: { usd: budget.usd === undefined ? undefined : budget.usd / plan.shards.count, tokens: budget.tokens === undefined ? undefined : Math.ceil(budget.tokens / plan.shards.count) },
    });
    const uri = parseGsUri(plan.runUri);
    await this.deps.storage.upload(uri.bucket, `${uri.prefix}/input/bundle.tar.gz`, bundle.tarGz, 'application/gzip');
    const record: RunJob = { name: plan.name, jobId: plan.jobId, runUri: plan.runUri, submittedAt: new Date().toISOString(), shards: plan.shards.cells };
    // written before the job exists: a launcher killed right after submitting still finds it on --resume
    await writeGceState(ctx.runDir, { v: 1, jobs: [...state.jobs, record] });
    await this.deps.batch.createJob(plan.parent, plan.jobId, plan.job);
    this.attach(record);
    const o = this.options;
    ctx.note(
      `submitted Batch job ${plan.jobId}: ${plan.shards.count} × ${o.machineType}${o.spot ? ' (spot)' : ''}, ${cells.length} cells, ${o.cellsPerVm} at a time per VM; results under ${plan.runUri}/`,
    );
    this.loop = this.watch();
  }

  private attach(job: RunJob): void {
    this.job = job;
    job.shards.forEach((ids, shard) => ids.forEach((id) => this.shardOf.set(id, shard)));
  }

  run(cell: Cell, signal: AbortSignal, events?: CellEvents): Promise<CellResult> {
    const early = this.early.get(cell.id);
    if (early) {
      this.early.delete(cell.id);
      events?.started();
      return Promise.resolve(early);
    }
    if (!this.pending.has(cell.id)) return Promise.resolve(this.result(cell, { infraError: 'the gce launcher was not prepared for this cell' }));
    return new Promise<CellResult>((resolve) => {
      const w: Waiter = { cell, resolve, events, started: false };
      this.waiters.set(cell.id, w);
      if (this.startedEarly.delete(cell.id)) this.markStarted(cell.id);
      if (signal.aborted) void this.abort();
      else signal.addEventListener('abort', () => void this.abort(), { once: true });
    });
  }

  private markStarted(cellId: string): void {
    const w = this.waiters.get(cellId);
    if (!w) {
      this.startedEarly.add(cellId);
      return;
    }
    if (w.started) return;
    w.started = true;
    w.events?.started();
  }

  private settle(cellId: string, r: CellResult): void {
    if (!this.pending.delete(cellId)) return;
    const w = this.waiters.get(cellId);
    if (!w) {
      this.early.set(cellId, r);
      return;
    }
    this.waiters.delete(cellId);
    this.markStarted(cellId);
    w.resolve(r);
  }

  private result(cell: Cell, p: Partial<CellResult>): CellResult {
    return {
      cellId: cell.id,
      host: 'gce',
      startedAt: new Date().toISOString(),
      wallMs: 0,
      launchMs: null,
      phaseMs: {},
      runner: null,
      check: null,
      timedOut: false,
      canceled: false,
      report: null,
      env: { machineType: this.options.machineType, ...(this.job ? { job: this.job.jobId } : {}) },
      ...p,
    };
  }

  /** Lists the run's objects and pools every pending cell whose record is there. */
  private async pollRecords(): Promise<void> {
    const names = await this.deps.storage.list(this.bucket, this.runPrefix + '/');
    for (const [id, list] of findRecords(names)) {
      const cell = this.pending.get(id);
      for (const f of list) if (cell && this.pending.has(id) && !this.canceledRemote.has(f.cellPrefix)) await this.pool(cell, f, names);
    }
  }

  /** Pools one record object; a record of a cell the VM canceled (its job was deleted) does not count. */
  private async pool(cell: Cell, found: FoundRecord, names: readonly string[]): Promise<void> {
    const ctx = this.ctx!;
    const jobOfRecord = this.job && found.cellPrefix.startsWith(parseGsUri(this.job.runUri).prefix + '/shard-') ? this.job.jobId : undefined;
    const { record, spend } = await poolCell({
      storage: this.deps.storage,
      bucket: this.bucket,
      names,
      found,
      runDir: ctx.runDir,
      runId: ctx.runId,
      spendIds: this.spendIds,
      env: { shard: found.shard, ...(jobOfRecord ? { job: jobOfRecord } : {}) },
    });
    if (record.outcome === 'canceled') {
      this.canceledRemote.add(found.cellPrefix);
      return;
    }
    this.settle(cell.id, this.result(cell, { host: record.host, startedAt: record.startedAt, wallMs: record.wallMs, record, spend }));
  }

  /** One look at the bucket, the job and its tasks. */
  private async pollOnce(): Promise<void> {
    await this.pollRecords();
    const job = this.job;
    if (!job || this.pending.size === 0) return;
    const ctx = this.ctx!;
    const info = await this.deps.batch.getJob(job.name);
    if (!info) {
      this.failPending(job, () => `Batch job ${job.jobId} no longer exists (deleted outside this run)`);
      return;
    }
    if (info.state !== this.lastJobState) {
      ctx.note(`Batch job ${job.jobId}: ${info.state}${info.lastEvent && info.state === 'FAILED' ? ` (${info.lastEvent})` : ''}`);
      this.lastJobState = info.state;
    }
    const tasks = await this.deps.batch.listTasks(job.name);
    const byIndex = new Map<number, TaskInfo>(tasks.map((t) => [t.index, t]));
    for (const t of tasks) {
      const prev = this.taskStates.get(t.index);
      if (prev !== t.state) {
        this.taskStates.set(t.index, t.state);
        if (prev !== undefined || t.state === 'FAILED') ctx.note(`  task ${t.index} (shard ${t.index}/${job.shards.length}): ${prev ?? '-'} → ${t.state}${t.lastEvent && t.state !== 'RUNNING' ? ` — ${t.lastEvent}` : ''}`);
      }
      if (t.state === 'RUNNING') this.markRunningCells(job, t.index);
      if (t.state === 'FAILED') {
        // act on the next poll: its listing comes after the task ended, so no record is missed
        const key = `task:${t.index}`;
        if (this.finalSeen.has(key)) this.failShard(job, t.index, `Batch task ${t.index} of job ${job.jobId} failed after ${this.options.maxRetries} retries${t.lastEvent ? `: ${t.lastEvent}` : ''}`);
        else this.finalSeen.add(key);
      }
    }
    if (info.state === 'SUCCEEDED' || info.state === 'FAILED' || info.state === 'CANCELLED') {
      if (this.finalSeen.has('job')) {
        this.failPending(job, (shard) => {
          const t = byIndex.get(shard);
          return t?.state === 'FAILED'
            ? `Batch task ${shard} of job ${job.jobId} failed after ${this.options.maxRetries} retries${t.lastEvent ? `: ${t.lastEvent}` : ''}`
            : undefined;
        });
      } else this.finalSeen.add('job');
    }
  }

  /** The first cellsPerVm unfinished cells of a running shard are running (it runs them in order). */
  private markRunningCells(job: RunJob, shard: number): void {
    let n = 0;
    for (const id of job.shards[shard] ?? []) {
      if (!this.pending.has(id)) continue;
      this.markStarted(id);
      if (++n >= this.options.cellsPerVm) break;
    }
  }

  private failShard(job: RunJob, shard: number, why: string): void {
    for (const id of job.shards[shard] ?? []) {
      const cell = this.pending.get(id);
      if (cell) this.settle(id, this.result(cell, { infraError: why, env: { machineType: this.options.machineType, job: job.jobId, shard } }));
    }
  }

  /**
   * Ends every pending cell of a job that is over: `infra` with the reason `why(shard)` gives,
   * else canceled (the shard ended without recording it, e.g. its budget share was spent), so
   * --resume runs it again.
   */
  private failPending(job: RunJob, why: (shard: number) => string | undefined): void {
    for (const [id, cell] of [...this.pending]) {
      const shard = this.shardOf.get(id) ?? -1;
      const reason = why(shard);
      this.settle(
        id,
        reason !== undefined
          ? this.result(cell, { infraError: reason, env: { machineType: this.options.machineType, job: job.jobId, shard } })
          : this.result(cell, { canceled: true, infraError: `shard ${shard} of job ${job.jobId} ended without recording ${cellLabel(cell)}` }),
      );
    }
  }

  private async watch(): Promise<void> {
    const ctx = this.ctx!;
    const maxFailures = this.deps.maxPollFailures ?? 30;
    let failures = 0;
    while (!this.stop.signal.aborted && this.pending.size > 0) {
      try {
        await this.pollOnce();
        if (failures) ctx.note(`GCE: reachable again after ${failures} failed look(s)`);
        failures = 0;
      } catch (e) {
        failures++;
        if (failures === 1) ctx.note(`GCE: could not check the job or the bucket (will retry): ${(e as Error).message}`);
        if (failures >= maxFailures && this.job) {
          const job = this.job;
          this.failPending(job, () => `lost contact with Batch/Cloud Storage after ${failures} tries: ${(e as Error).message} (the job may still be running: agentab run-matrix --resume re-attaches)`);
        }
      }
      if (this.pending.size > 0) await sleep(this.options.pollIntervalMs, this.stop.signal);
    }
  }

  /** Ctrl-C: pool what has finished, then end every other cell as canceled (resume runs them). */
  private abort(): Promise<void> {
    this.aborting ??= (async () => {
      this.stop.abort();
      await this.loop?.catch(() => undefined);
      try {
        await this.pollRecords();
      } catch (e) {
        this.ctx?.note(`GCE: could not collect the last records: ${(e as Error).message}`);
      }
      for (const [id, cell] of [...this.pending]) this.settle(id, this.result(cell, { canceled: true }));
    })();
    return this.aborting;
  }

  async dispose(): Promise<void> {
    this.stop.abort();
    await this.loop?.catch(() => undefined);
    await this.aborting;
    const job = this.job;
    if (!job) return;
    const info = await this.deps.batch.getJob(job.name);
    if (!info || !LIVE_JOB_STATES.has(info.state)) return;
    // the run is over here (done, canceled or crashed): no VM may keep running for it
    await this.deps.batch.deleteJob(job.name);
    const deadline = Date.now() + (this.deps.deleteWaitMs ?? 60_000);
    while (Date.now() < deadline) {
      if (!(await this.deps.batch.getJob(job.name))) {
        this.ctx?.note(`deleted Batch job ${job.jobId}`);
        return;
      }
      await sleep(Math.min(1000, this.options.pollIntervalMs));
    }
    this.ctx?.note(`asked Batch to delete job ${job.jobId}; it is still being deleted (agentab clean --gce lists what is left)`);
  }
}

export { GceError };
