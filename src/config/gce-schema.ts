/**
 * Options of `launcher: {kind: gce, …}` (Google Cloud Batch). Keys are snake_case like the
 * rest of a spec; the camelCase spellings (`machineType`, `cellsPerVm`, `serviceAccount`,
 * `maxRetries`, `bootDiskGb`, `pollInterval`) are accepted too. Every key has a CLI flag
 * (`--gce-<key with dashes>`), see src/cli/commands/gce-flags.ts.
 */
import { z } from 'zod';
import { DurationSchema } from './experiment-schema.ts';

/** Label keys and values as GCE takes them: lower-case letters, digits, `_` and `-`, at most 63. */
export const GCE_LABEL = /^[a-z0-9_-]{0,63}$/;
const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
/** `projects/P/secrets/S/versions/V`, or a bare secret name `S` (version `latest` of the run's project). */
const SECRET_REF = /^(projects\/[^/]+\/secrets\/[A-Za-z0-9_-]+\/versions\/[A-Za-z0-9_-]+|[A-Za-z0-9_-]{1,255})$/;

const CAMEL_KEYS: Record<string, string> = {
  machineType: 'machine_type',
  cellsPerVm: 'cells_per_vm',
  serviceAccount: 'service_account',
  maxRetries: 'max_retries',
  bootDiskGb: 'boot_disk_gb',
  pollInterval: 'poll_interval',
};

export const GceLauncherOptionsSchema = z.preprocess(
  (v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [CAMEL_KEYS[k] ?? k, x])) : v),
  z
    .object({
      /** GCP project id; default GOOGLE_CLOUD_PROJECT / CLOUDSDK_CORE_PROJECT. */
      project: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'a GCP project id (6-30 lower-case letters, digits, "-")').optional(),
      /** Batch location and where the VMs run; default us-central1. */
      region: z.string().regex(/^[a-z]+-[a-z]+\d+$/, 'a GCP region such as us-central1').optional(),
      /** Every VM has this machine type (the same hardware for every cell); default e2-standard-4. */
      machine_type: z.string().regex(/^[a-z0-9]+-[a-z0-9-]+$/, 'a GCE machine type such as e2-standard-4').optional(),
      /** VMs (Batch tasks, one shard each); default 3, never more than the plan has blocks. */
      vms: z.number().int().positive().max(1000).optional(),
      /** Cells running at once on one VM; default 1 (cells do not disturb each other's latency). */
      cells_per_vm: z.number().int().positive().max(64).optional(),
      /** Runner image in Artifact Registry; default <region>-docker.pkg.dev/<project>/agentab/runner:latest. */
      image: z.string().min(1).optional(),
      /** GCS bucket for the input bundle and the results; default <project>-agentab. */
      bucket: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/, 'a GCS bucket name').optional(),
      /** The VMs' service account; default agentab-runner@<project>.iam.gserviceaccount.com. */
      service_account: z.string().email().optional(),
      /** Spot VMs (cheaper, may be preempted: Batch retries the task); default true. */
      spot: z.boolean().optional(),
      /** Extra labels of the job and its VMs. */
      labels: z.record(z.string().regex(LABEL_KEY, 'a GCE label key (lower-case letter first, then a-z 0-9 _ -, at most 63)'), z.string().regex(GCE_LABEL, 'a GCE label value (a-z 0-9 _ -, at most 63)')).optional(),
      /** Environment variable → Secret Manager secret (name, or projects/P/secrets/S/versions/V). */
      secrets: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), z.string().regex(SECRET_REF, 'a secret name or projects/P/secrets/S/versions/V')).optional(),
      /** Batch retries of a failed task (maxRetryCount, 0-10); default 2. */
      max_retries: z.number().int().min(0).max(10).optional(),
      /** Boot disk of each VM, GB; default 50. */
      boot_disk_gb: z.number().int().min(10).max(65536).optional(),
      /** How often the launcher looks at the job and the bucket; default 10s. */
      poll_interval: DurationSchema.optional(),
    })
    .strict(),
);
export type GceLauncherOptionsYaml = z.infer<typeof GceLauncherOptionsSchema>;
