/**
 * The Batch v1 Job of a run: one task group of `taskCount` tasks, one task per VM
 * (`taskCountPerNode: 1`), every VM of the same machine type, spot or standard. Each task
 * runs the runner image's entry script (the task contract: /work/GCE-CONTRACT.md, and
 * vm/task-entry.sh), which runs `agentab run-matrix --shard $BATCH_TASK_INDEX/$BATCH_TASK_COUNT`.
 * Written in the Batch API's JSON form (camelCase, enums by name), which is also what
 * `--dry-run` prints. Secrets appear only as Secret Manager version names.
 */
import { GCE_LABEL } from '../../../config/gce-schema.ts';
import type { GceOptions } from './options.ts';

/** Where the runner image keeps the entry script (vm/task-entry.sh). */
export const TASK_ENTRYPOINT = '/opt/agentab/vm/task-entry.sh';
export const TASK_GROUP = 'group0';

export const LABEL = {
  managedBy: 'managed-by',
  run: 'agentab-run',
  experiment: 'agentab-experiment',
  host: 'agentab-host',
  pid: 'agentab-pid',
} as const;
export const MANAGED_BY = 'agentab';

/** A GCE label value from any text: lower-case, other characters as `-`, at most 63. */
export function labelValue(text: string): string {
  const v = text.toLowerCase().replace(/[^a-z0-9_-]/g, '-').slice(0, 63);
  if (!GCE_LABEL.test(v)) throw new Error(`labelValue: ${JSON.stringify(v)}`);
  return v;
}

/** Batch job ids: a lower-case letter first, then letters, digits and `-`, at most 63, not ending in `-`. */
export function jobIdFor(runId: string, attempt: number): string {
  const base = `agentab-${runId.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 56).replace(/-+$/, '');
  return attempt <= 1 ? base : `${base}-r${attempt}`;
}

export interface JobInput {
  options: GceOptions;
  runId: string;
  experiment: string;
  /** gs://<bucket>/agentab/<experiment>/<runId>[/resume-<k>] */
  runUri: string;
  taskCount: number;
  /** Longest a task may run (its shard's cells' timeouts plus slack), seconds. */
  maxRunSeconds: number;
  owner: { host: string; pid: number };
}

export type BatchJob = Record<string, unknown>;

export function jobLabels(i: Pick<JobInput, 'options' | 'runId' | 'experiment' | 'owner'>): Record<string, string> {
  return {
    ...i.options.labels,
    [LABEL.managedBy]: MANAGED_BY,
    [LABEL.run]: labelValue(i.runId),
    [LABEL.experiment]: labelValue(i.experiment),
    [LABEL.host]: labelValue(i.owner.host),
    [LABEL.pid]: String(i.owner.pid),
  };
}

export function buildBatchJob(i: JobInput): BatchJob {
  const o = i.options;
  const variables: Record<string, string> = { AGENTAB_RUN_URI: i.runUri };
  if (o.gcsEndpoint) variables.AGENTAB_GCS_ENDPOINT = o.gcsEndpoint;
  if (o.metadataHost) variables.GCE_METADATA_HOST = o.metadataHost;
  const environment: Record<string, unknown> = { variables };
  if (Object.keys(o.secrets).length) environment.secretVariables = { ...o.secrets };
  const labels = jobLabels(i);
  return {
    taskGroups: [
      {
        taskCount: String(i.taskCount),
        taskCountPerNode: '1',
        parallelism: String(i.taskCount),
        taskSpec: {
          runnables: [{ container: { imageUri: o.image, entrypoint: TASK_ENTRYPOINT, commands: [] }, displayName: 'agentab-shard' }],
          maxRetryCount: o.maxRetries,
          maxRunDuration: `${Math.ceil(i.maxRunSeconds)}s`,
          environment,
        },
      },
    ],
    allocationPolicy: {
      location: { allowedLocations: [`regions/${o.region}`] },
      instances: [{ policy: { machineType: o.machineType, provisioningModel: o.spot ? 'SPOT' : 'STANDARD', bootDisk: { sizeGb: String(o.bootDiskGb) } } }],
      serviceAccount: { email: o.serviceAccount },
      labels,
    },
    labels,
    logsPolicy: { destination: 'CLOUD_LOGGING' },
  };
}

/** `projects/<p>/locations/<region>`: where the run's jobs live. */
export const jobParent = (o: Pick<GceOptions, 'project' | 'region'>): string => `projects/${o.project}/locations/${o.region}`;
