/** The GCE launcher's options: the spec's `launcher:` block (and --gce-* flags), validated, with defaults. */
import type { GceEnv } from '../../../config/gce-env.ts';
import { GceLauncherOptionsSchema } from '../../../config/gce-schema.ts';
import { GceError } from './errors.ts';

export interface GceOptions {
  project: string;
  region: string;
  machineType: string;
  vms: number;
  cellsPerVm: number;
  image: string;
  bucket: string;
  serviceAccount: string;
  spot: boolean;
  /** Extra labels (the launcher adds its own, which win). */
  labels: Record<string, string>;
  /** Environment variable → full Secret Manager version name. */
  secrets: Record<string, string>;
  maxRetries: number;
  bootDiskGb: number;
  pollIntervalMs: number;
  /** Batch API endpoint (tests); undefined: Google's. */
  batchEndpoint?: string;
  /** Cloud Storage endpoint (tests); undefined: Google's. Passed to the VMs as AGENTAB_GCS_ENDPOINT. */
  gcsEndpoint?: string;
  /** Metadata server for the VMs (tests); passed as GCE_METADATA_HOST. */
  metadataHost?: string;
}

/** The documented defaults (README "GCE"). Project-derived defaults are computed in parseGceOptions. */
export const GCE_DEFAULTS = {
  region: 'us-central1',
  machineType: 'e2-standard-4',
  vms: 3,
  cellsPerVm: 1,
  spot: true,
  maxRetries: 2,
  bootDiskGb: 50,
  pollIntervalMs: 10_000,
} as const;

/** Placeholder project of a plan made without one (`plan --launcher gce` to see the cost first). */
export const PLAN_PROJECT_PLACEHOLDER = 'your-project';

export const defaultImage = (region: string, project: string): string => `${region}-docker.pkg.dev/${project}/agentab/runner:latest`;
export const defaultBucket = (project: string): string => `${project}-agentab`;
export const defaultServiceAccount = (project: string): string => `agentab-runner@${project}.iam.gserviceaccount.com`;

/** `NAME` → `projects/<project>/secrets/NAME/versions/latest`; a full version name stays. */
export function secretVersionName(ref: string, project: string): string {
  return ref.startsWith('projects/') ? ref : `projects/${project}/secrets/${ref}/versions/latest`;
}

export interface ParseGceOptions {
  env?: GceEnv;
  /** A plan may lack a project: a placeholder stands in. A run may not. */
  forPlan?: boolean;
}

export function parseGceOptions(raw: Record<string, unknown>, o: ParseGceOptions = {}): GceOptions & { projectIsPlaceholder: boolean } {
  const r = GceLauncherOptionsSchema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues
      .map((i) => (i.code === 'unrecognized_keys' ? `launcher: unknown key(s) ${i.keys.join(', ')} (valid: project, region, machine_type, vms, cells_per_vm, image, bucket, service_account, spot, labels, secrets, max_retries, boot_disk_gb, poll_interval)` : `launcher.${i.path.join('.') || '(options)'}: ${i.message}`))
      .join('; ');
    throw new GceError('gce_options_invalid', `invalid gce launcher options: ${issues}`);
  }
  const y = r.data;
  const env = o.env ?? {};
  let project = y.project ?? env.project;
  const projectIsPlaceholder = project === undefined;
  if (project === undefined) {
    if (!o.forPlan) throw new GceError('gce_options_invalid', 'launcher.project: no GCP project given (set launcher.project in the spec or --gce-project, or GOOGLE_CLOUD_PROJECT; agentab clean --gce takes --gce-project)');
    project = PLAN_PROJECT_PLACEHOLDER;
  }
  const region = y.region ?? GCE_DEFAULTS.region;
  return {
    project,
    projectIsPlaceholder,
    region,
    machineType: y.machine_type ?? GCE_DEFAULTS.machineType,
    vms: y.vms ?? GCE_DEFAULTS.vms,
    cellsPerVm: y.cells_per_vm ?? GCE_DEFAULTS.cellsPerVm,
    image: y.image ?? defaultImage(region, project),
    bucket: y.bucket ?? defaultBucket(project),
    serviceAccount: y.service_account ?? defaultServiceAccount(project),
    spot: y.spot ?? GCE_DEFAULTS.spot,
    labels: y.labels ?? {},
    secrets: Object.fromEntries(Object.entries(y.secrets ?? {}).map(([k, v]) => [k, secretVersionName(v, project)])),
    maxRetries: y.max_retries ?? GCE_DEFAULTS.maxRetries,
    bootDiskGb: y.boot_disk_gb ?? GCE_DEFAULTS.bootDiskGb,
    pollIntervalMs: y.poll_interval ?? GCE_DEFAULTS.pollIntervalMs,
    batchEndpoint: env.batchEndpoint,
    gcsEndpoint: env.gcsEndpoint,
    metadataHost: env.metadataHost,
  };
}

/** The environment variables a gce launcher block gets from Secret Manager (its `secrets` keys), unvalidated. */
export function secretNamesOf(options: Record<string, unknown>): string[] {
  const s = options.secrets;
  return s && typeof s === 'object' && !Array.isArray(s) ? Object.keys(s) : [];
}
