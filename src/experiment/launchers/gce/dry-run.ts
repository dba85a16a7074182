/**
 * `plan` / `--dry-run` with the gce launcher: the Batch job the run would submit (its JSON,
 * exactly) and what it costs — VM-hours × the machine type's list price plus the model spend —
 * and how long it takes with the chosen VM count.
 */
import os from 'node:os';
import { formatDuration } from '../../../config/experiment-duration.ts';
import type { GceEnv } from '../../../config/gce-env.ts';
import type { CellEstimate, PlanEstimate } from '../../estimate.ts';
import type { Plan } from '../../plan.ts';
import { fmtUsd } from '../../progress.ts';
import { parseGceOptions } from './options.ts';
import { estimateGce, planGceJob, type GceEstimate, type GceJobPlan } from './plan-job.ts';
import { VM_STARTUP_MS } from './prices.ts';

export interface GceDryRun {
  jobId: string;
  parent: string;
  job: GceJobPlan['job'];
  shards: GceJobPlan['shards'];
  estimate: GceEstimate & { modelUsd: number; totalUsd?: number };
  /** The plan had no project: a placeholder stands in. */
  projectIsPlaceholder: boolean;
}

export function gceDryRun(plan: Plan, estimate: PlanEstimate & { perCell: CellEstimate[] }, runId: string, env: GceEnv): GceDryRun {
  const options = parseGceOptions(plan.spec.launcher.options, { env, forPlan: true });
  const ms = new Map(plan.cells.map((c, i) => [c.id, estimate.perCell[i]!.wallMs]));
  const estimateMs = (c: { id: string }) => ms.get(c.id)!;
  const job = planGceJob({ options, cells: plan.cells, estimateMs, runId, experiment: plan.spec.name, attempt: 1, owner: { host: os.hostname(), pid: process.pid } });
  const gce = estimateGce(job, plan.cells, estimateMs, options);
  return {
    jobId: job.jobId,
    parent: job.parent,
    job: job.job,
    shards: job.shards,
    estimate: { ...gce, modelUsd: estimate.costUsd, totalUsd: gce.vmUsd === undefined ? undefined : gce.vmUsd + estimate.costUsd },
    projectIsPlaceholder: options.projectIsPlaceholder,
  };
}

export function renderGceDryRun(d: GceDryRun): string {
  const e = d.estimate;
  const out: string[] = [];
  out.push(`Batch job (POST https://batch.googleapis.com/v1/${d.parent}/jobs?jobId=${d.jobId}):`);
  out.push(JSON.stringify(d.job, null, 2));
  if (d.projectIsPlaceholder) out.push('(no GCP project given: "your-project" stands in; set launcher.project, --gce-project or GOOGLE_CLOUD_PROJECT)');
  out.push('');
  out.push(`GCE: ${e.vms} × ${e.machineType}${e.spot ? ' (spot)' : ''}, ${d.shards.cells.map((c) => c.length).join('/')} cells per VM (blocks of paired cells kept together)`);
  out.push(`  wall ≈ ${formatDuration(e.wallMs)} (slowest VM, including ~${formatDuration(VM_STARTUP_MS)} to boot and pull the image)`);
  const vm =
    e.usdPerVmHour === undefined
      ? `${e.vmHours.toFixed(2)} VM-hours × (no list price for ${e.machineType} in the table: VM cost not included)`
      : `${e.vmHours.toFixed(2)} VM-hours × ${fmtUsd(e.usdPerVmHour)}/h = ${fmtUsd(e.vmUsd!)} at the on-demand list price${e.spot ? ' (spot VMs are billed at the current spot price, typically 60-91% less)' : ''}`;
  out.push(`  VMs:    ${vm}`);
  out.push(`  models: ${fmtUsd(e.modelUsd)} (the estimate above)`);
  if (e.totalUsd !== undefined) out.push(`  total ≈ ${fmtUsd(e.totalUsd)}`);
  return out.join('\n');
}
