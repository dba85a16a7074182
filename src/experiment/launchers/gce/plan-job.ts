/**
 * What a GCE run will submit, computed the same way for `--dry-run` and for the run itself:
 * the shards (blocks of paired cells spread over at most `vms` VMs by estimated time), the
 * Batch Job (checked against the Batch v1 protos), and the estimate: VM-hours × the machine
 * type's list price, wall time with the VM count.
 */
import { makespan } from '../../estimate.ts';
import type { Cell } from '../../cell.ts';
import { blockCount, shardCells, type Shards } from '../../shard.ts';
import { GceError } from './errors.ts';
import { buildBatchJob, jobIdFor, jobParent, type BatchJob } from './job.ts';
import { protoProblems } from './job-proto.ts';
import type { GceOptions } from './options.ts';
import { machinePrice, VM_STARTUP_MS } from './prices.ts';

/** Slack on top of a shard's cell timeouts before Batch stops a task (boot, image pull, uploads). */
const TASK_SLACK_SECONDS = 30 * 60;

export interface GceJobPlan {
  shards: Shards;
  jobId: string;
  /** projects/<p>/locations/<region> */
  parent: string;
  /** parent/jobs/<jobId> */
  name: string;
  runUri: string;
  job: BatchJob;
}

export interface GceEstimate {
  vms: number;
  machineType: string;
  spot: boolean;
  /** Wall time of each VM (its shard's cells at cellsPerVm at once, plus start-up). */
  vmWallMs: number[];
  /** The run's wall time: the slowest VM. */
  wallMs: number;
  vmHours: number;
  /** On-demand list price; undefined for a machine type not in the table. */
  usdPerVmHour?: number;
  vmUsd?: number;
}

export interface PlanGceJobInput {
  options: GceOptions;
  /** The cells to run, in run order. */
  cells: readonly Cell[];
  estimateMs: (c: Cell) => number;
  runId: string;
  experiment: string;
  /** 1 for a run's first job; k > 1 for a job submitted by a resume. */
  attempt: number;
  owner: { host: string; pid: number };
}

export function runUriFor(o: Pick<GceOptions, 'bucket'>, experiment: string, runId: string, attempt: number): string {
  const base = `gs://${o.bucket}/agentab/${experiment}/${runId}`;
  return attempt <= 1 ? base : `${base}/resume-${attempt}`;
}

export function planGceJob(i: PlanGceJobInput): GceJobPlan {
  const o = i.options;
  const count = Math.max(1, Math.min(o.vms, blockCount(i.cells)));
  const shards = shardCells(i.cells, count, i.estimateMs);
  const byId = new Map(i.cells.map((c) => [c.id, c]));
  const shardTimeoutS = shards.cells.map((ids) => ids.reduce((a, id) => a + byId.get(id)!.timeoutMs, 0) / 1000 / o.cellsPerVm);
  const runUri = runUriFor(o, i.experiment, i.runId, i.attempt);
  const job = buildBatchJob({ options: o, runId: i.runId, experiment: i.experiment, runUri, taskCount: count, maxRunSeconds: Math.max(...shardTimeoutS) + TASK_SLACK_SECONDS, owner: i.owner });
  const problems = protoProblems('google.cloud.batch.v1.Job', job);
  if (problems.length) throw new GceError('gce_job_invalid', `the Batch job does not match the Batch v1 protos: ${problems.join('; ')}`);
  const jobId = jobIdFor(i.runId, i.attempt);
  const parent = jobParent(o);
  return { shards, jobId, parent, name: `${parent}/jobs/${jobId}`, runUri, job };
}

export function estimateGce(plan: GceJobPlan, cells: readonly Cell[], estimateMs: (c: Cell) => number, o: GceOptions): GceEstimate {
  const byId = new Map(cells.map((c) => [c.id, c]));
  const vmWallMs = plan.shards.cells.map((ids) => VM_STARTUP_MS + makespan(ids.map((id) => estimateMs(byId.get(id)!)), o.cellsPerVm));
  const vmHours = vmWallMs.reduce((a, b) => a + b, 0) / 3_600_000;
  const usdPerVmHour = machinePrice(o.machineType);
  return {
    vms: plan.shards.count,
    machineType: o.machineType,
    spot: o.spot,
    vmWallMs,
    wallMs: Math.max(...vmWallMs),
    vmHours,
    usdPerVmHour,
    vmUsd: usdPerVmHour === undefined ? undefined : vmHours * usdPerVmHour,
  };
}
