/**
 * `run-matrix --results-uri gs://<bucket>/<prefix>`: what a shard on a GCE VM runs with.
 * Mirrors the run dir to Cloud Storage as cells finish (src/experiment/results-sink.ts) and
 * stamps every record's env with the VM's name, zone and machine type from the metadata
 * server. AGENTAB_GCS_ENDPOINT points the storage client elsewhere (tests).
 */
import type { Env } from '../config/env.ts';
import type { ResultsSink } from '../experiment/results-sink.ts';
import type { Logger } from '../util/log.ts';

export interface RunOutputs {
  results?: ResultsSink;
  recordEnv?: Record<string, string | number>;
}

/** The sink and the VM's facts for `--results-uri`; nothing without it. */
export async function resultsFromFlags(flags: { resultsUri?: string }, env: Env, log: Logger): Promise<RunOutputs> {
  if (!flags.resultsUri) return {};
  // loaded only here: Google's clients are heavy, and a local run needs none of them
  const [{ createStorage, GcsPrefix }, { readVmFacts }, { GcsResultsSink }] = await Promise.all([import('../cloud/gcs.ts'), import('../cloud/gce-metadata.ts'), import('../experiment/results-sink.ts')]);
  const prefix = new GcsPrefix(createStorage({ endpoint: env.AGENTAB_GCS_ENDPOINT || undefined }), flags.resultsUri);
  let recordEnv: Record<string, string | number> | undefined;
  try {
    recordEnv = { ...(await readVmFacts()) };
  } catch (e) {
    log.warn('no GCE metadata server answered: records carry no VM name, zone or machine type', { error: (e as Error).message });
  }
  return { results: new GcsResultsSink({ prefix, log }), recordEnv };
}
