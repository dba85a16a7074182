/** The GCE launcher's public surface and the registry's factory for `launcher: gce`. */
import { readGceEnv } from '../../../config/gce-env.ts';
import type { LauncherDef, SpecOverrides } from '../../../config/experiment-types.ts';
import type { CellLauncher } from '../types.ts';
import { createBatchApi } from './batch-api.ts';
import { GceLauncher } from './launcher.ts';
import { parseGceOptions, secretNamesOf } from './options.ts';
import { createStorageApi } from './storage-api.ts';

export { GceLauncher, type GceLauncherDeps } from './launcher.ts';
export { parseGceOptions, GCE_DEFAULTS, type GceOptions } from './options.ts';
export { GceError } from './errors.ts';

/** `launcher: gce` with Google's clients (endpoints from AGENTAB_BATCH_ENDPOINT / AGENTAB_GCS_ENDPOINT when set). */
export function createLauncher(def: LauncherDef, o: { overrides?: SpecOverrides } = {}): CellLauncher {
  const env = readGceEnv();
  const options = parseGceOptions(def.options, { env });
  return new GceLauncher(options, {
    batch: createBatchApi({ endpoint: options.batchEndpoint }),
    storage: createStorageApi({ endpoint: options.gcsEndpoint, project: options.project }),
    overrides: o.overrides,
  });
}

export function checkOptions(def: LauncherDef): void {
  parseGceOptions(def.options, { env: readGceEnv() });
}

/** Keys come from Secret Manager on the VMs: planning here needs only their names. */
export function remoteSecretNames(def: LauncherDef): string[] {
  return secretNamesOf(def.options);
}
