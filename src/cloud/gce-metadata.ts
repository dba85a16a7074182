/**
 * Facts about the GCE VM this process runs on, from the metadata server (through
 * google-auth-library's gcp-metadata, which honours GCE_METADATA_HOST): the instance name,
 * zone and machine type that every record of a shard carries in `env`, so results can be
 * grouped or filtered by the hardware they ran on.
 */
import { gcpMetadata } from 'google-auth-library';

export interface VmFacts {
  /** Instance name, e.g. agentab-20261127-…-group0-0. */
  vm: string;
  /** e.g. us-central1-a */
  zone: string;
  /** e.g. e2-standard-4 */
  machineType: string;
}

const lastSegment = (v: unknown): string => String(v).split('/').pop() ?? '';

/**
 * Reads the VM's facts; throws when there is no metadata server. Only call this where one is
 * expected (on a VM, or with GCE_METADATA_HOST set): elsewhere the client probes
 * 169.254.169.254 until its timeout.
 */
export async function readVmFacts(): Promise<VmFacts> {
  const [vm, zone, machineType] = await Promise.all([gcpMetadata.instance('name'), gcpMetadata.instance('zone'), gcpMetadata.instance('machine-type')]);
  return { vm: String(vm), zone: lastSegment(zone), machineType: lastSegment(machineType) };
}
