/**
 * `--gce-*` flags: every key of `launcher: {kind: gce, …}` (src/config/gce-schema.ts) as a
 * flag of run-matrix and plan. They become the `gce` spec override, validated with the spec's
 * own schema when the launcher is created.
 */
import type { Command } from 'commander';

export interface GceFlags {
  gceProject?: string;
  gceRegion?: string;
  gceMachineType?: string;
  gceVms?: string;
  gceCellsPerVm?: string;
  gceImage?: string;
  gceBucket?: string;
  gceServiceAccount?: string;
  gceSpot?: boolean;
  gceLabel?: string[];
  gceSecret?: string[];
  gceMaxRetries?: string;
  gceBootDiskGb?: string;
  gcePollInterval?: string;
}

const collect = (v: string, acc: string[] = []) => [...acc, v];

export function addGceOptions(cmd: Command): Command {
  return cmd
    .option('--gce-project <id>', 'gce: GCP project (default: GOOGLE_CLOUD_PROJECT)')
    .option('--gce-region <region>', 'gce: Batch region (default us-central1)')
    .option('--gce-machine-type <type>', 'gce: machine type of every VM (default e2-standard-4)')
    .option('--gce-vms <n>', 'gce: VMs, one shard each (default 3)')
    .option('--gce-cells-per-vm <n>', 'gce: cells running at once on a VM (default 1)')
    .option('--gce-image <uri>', 'gce: runner image (default <region>-docker.pkg.dev/<project>/agentab/runner:latest)')
    .option('--gce-bucket <name>', 'gce: results bucket (default <project>-agentab)')
    .option('--gce-service-account <email>', 'gce: VM service account (default agentab-runner@<project>.iam.gserviceaccount.com)')
    .option('--gce-spot', 'gce: spot VMs (the default)')
    .option('--no-gce-spot', 'gce: standard (non-spot) VMs')
    .option('--gce-label <key=value>', 'gce: extra job label (repeatable)', collect)
    .option('--gce-secret <ENV=secret>', 'gce: env variable from Secret Manager, a secret name or projects/P/secrets/S/versions/V (repeatable)', collect)
    .option('--gce-max-retries <n>', 'gce: Batch retries of a failed task (default 2)')
    .option('--gce-boot-disk-gb <n>', 'gce: boot disk per VM in GB (default 50)')
    .option('--gce-poll-interval <duration>', 'gce: how often to look at the job and the bucket (default 10s)');
}

function pairs(list: string[] | undefined, flag: string): Record<string, string> | undefined {
  if (!list) return undefined;
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new Error(`${flag}: expected KEY=VALUE, got "${item}"`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

function int(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`${flag}: expected an integer, got "${v}"`);
  return n;
}

/** The flags given, as gce launcher options (YAML keys); undefined when none was given. */
export function gceOverridesFromFlags(f: GceFlags): Record<string, unknown> | undefined {
  const o: Record<string, unknown> = {
    project: f.gceProject,
    region: f.gceRegion,
    machine_type: f.gceMachineType,
    vms: int(f.gceVms, '--gce-vms'),
    cells_per_vm: int(f.gceCellsPerVm, '--gce-cells-per-vm'),
    image: f.gceImage,
    bucket: f.gceBucket,
    service_account: f.gceServiceAccount,
    spot: f.gceSpot,
    labels: pairs(f.gceLabel, '--gce-label'),
    secrets: pairs(f.gceSecret, '--gce-secret'),
    max_retries: int(f.gceMaxRetries, '--gce-max-retries'),
    boot_disk_gb: int(f.gceBootDiskGb, '--gce-boot-disk-gb'),
    poll_interval: f.gcePollInterval,
  };
  const given = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return Object.keys(given).length ? given : undefined;
}
