/**
 * What the GCE launcher reads from the process environment: the default project, and the
 * endpoints of Google's APIs (tests point them at local fakes; unset means Google's own).
 */
import { processEnv, type Env } from './env.ts';

export interface GceEnv {
  /** GOOGLE_CLOUD_PROJECT, else CLOUDSDK_CORE_PROJECT (gcloud's). */
  project?: string;
  /** AGENTAB_BATCH_ENDPOINT, e.g. http://127.0.0.1:8089: the Batch API (REST transport). */
  batchEndpoint?: string;
  /** AGENTAB_GCS_ENDPOINT, e.g. http://127.0.0.1:4443: the Cloud Storage JSON API; also passed to the VMs. */
  gcsEndpoint?: string;
  /** GCE_METADATA_HOST: a metadata server other than the VM's own (tests); passed to the VMs. */
  metadataHost?: string;
}

const get = (env: Env, name: string): string | undefined => (env[name] === undefined || env[name] === '' ? undefined : env[name]);

export function readGceEnv(env: Env = processEnv()): GceEnv {
  return {
    project: get(env, 'GOOGLE_CLOUD_PROJECT') ?? get(env, 'CLOUDSDK_CORE_PROJECT'),
    batchEndpoint: get(env, 'AGENTAB_BATCH_ENDPOINT'),
    gcsEndpoint: get(env, 'AGENTAB_GCS_ENDPOINT'),
    metadataHost: get(env, 'GCE_METADATA_HOST'),
  };
}
