/**
 * `agentab clean --gce`: this tool's Batch jobs (label managed-by=agentab) that no live run
 * owns. A job's owner is the agentab process in its labels (agentab-host, agentab-pid); a job
 * of this host whose process is gone (killed, laptop closed) is deleted, finished or not; a
 * job owned by a live process is kept; a job of another host cannot be judged and is kept
 * unless `all` is set.
 */
import os from 'node:os';
import { processAlive } from '../../kill-tree.ts';
import { ownerLiveness, type Liveness } from '../liveness.ts';
import type { BatchApi } from './batch-api.ts';
import { LABEL, labelValue, MANAGED_BY } from './job.ts';

export interface GceCleanOptions {
  batch: BatchApi;
  /** projects/<p>/locations/<region> */
  parent: string;
  all?: boolean;
  dryRun?: boolean;
  host?: string;
  isAlive?: (pid: number) => boolean;
}

export interface CleanedJob {
  name: string;
  jobId: string;
  run: string;
  state: string;
  owner: string;
  liveness: Liveness;
}

export interface GceCleanReport {
  deleted: CleanedJob[];
  kept: CleanedJob[];
  errors: string[];
}

export async function cleanGceJobs(o: GceCleanOptions): Promise<GceCleanReport> {
  const host = labelValue(o.host ?? os.hostname());
  const isAlive = o.isAlive ?? processAlive;
  const report: GceCleanReport = { deleted: [], kept: [], errors: [] };
  for (const j of await o.batch.listJobs(o.parent)) {
    if (j.labels[LABEL.managedBy] !== MANAGED_BY) continue;
    const l = j.labels;
    const liveness = ownerLiveness(l[LABEL.pid], l[LABEL.host], { host, isAlive });
    const item: CleanedJob = { name: j.name, jobId: j.name.split('/').at(-1) ?? j.name, run: l[LABEL.run] ?? '?', state: j.state, owner: `${l[LABEL.host] ?? '?'}:${l[LABEL.pid] ?? '?'}`, liveness };
    if (liveness === 'alive' || (liveness === 'unknown' && !o.all)) {
      report.kept.push(item);
      continue;
    }
    if (!o.dryRun) {
      try {
        await o.batch.deleteJob(j.name);
      } catch (e) {
        report.errors.push(`${item.jobId}: ${(e as Error).message}`);
        continue;
      }
    }
    report.deleted.push(item);
  }
  return report;
}

export function renderGceClean(r: GceCleanReport, dryRun: boolean): string {
  const verb = dryRun ? 'would delete' : 'deleted';
  const lines = r.deleted.map((j) => `${verb} Batch job ${j.jobId} (run ${j.run}, ${j.state}, owner ${j.owner} ${j.liveness})`);
  for (const j of r.kept) lines.push(`kept Batch job ${j.jobId} (run ${j.run}, ${j.state}, owner ${j.owner} ${j.liveness === 'alive' ? 'alive' : 'on another host'})`);
  lines.push(`${verb} ${r.deleted.length} job(s); kept ${r.kept.length}${r.kept.some((j) => j.liveness === 'unknown') ? ' (--all deletes the other hosts\' too)' : ''}`);
  for (const e of r.errors) lines.push(`error: ${e}`);
  return lines.join('\n');
}
