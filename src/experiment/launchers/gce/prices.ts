/**
 * On-demand list prices of common GCE machine types in us-central1 (USD per VM-hour, vCPU +
 * memory, from Google's VM pricing page, 2025). Other regions cost up to ~30% more. Spot VMs
 * are billed at the current spot price, which changes up to once a month and is typically
 * 60-91% below these; the estimate uses these on-demand prices, an upper bound. A machine
 * type not listed here gets no VM cost (the estimate says so). Disks (50 GB pd-balanced,
 * $0.10/GB-month: under a cent per VM-hour) and network egress are left out.
 */
export const MACHINE_PRICES_USD_PER_HOUR: Readonly<Record<string, number>> = {
  'e2-standard-2': 0.067006,
  'e2-standard-4': 0.134012,
  'e2-standard-8': 0.268024,
  'e2-standard-16': 0.536048,
  'e2-highcpu-4': 0.09894,
  'e2-highcpu-8': 0.19788,
  'n2-standard-2': 0.097118,
  'n2-standard-4': 0.194236,
  'n2-standard-8': 0.388472,
  'n2-standard-16': 0.776944,
  'n2d-standard-2': 0.084492,
  'n2d-standard-4': 0.168984,
  'n2d-standard-8': 0.337968,
  'n1-standard-2': 0.0949995,
  'n1-standard-4': 0.189999,
  'n1-standard-8': 0.379998,
  't2d-standard-4': 0.168984,
};

/** Time from job submission to a VM running its first cell (VM boot, image pull, proxy start), assumed. */
export const VM_STARTUP_MS = 3 * 60_000;

export function machinePrice(machineType: string): number | undefined {
  return MACHINE_PRICES_USD_PER_HOUR[machineType];
}
