/**
 * The exact secret values a bundle must not contain: secret-named variables of the
 * environment `agentab debug` runs in (API keys of the same machine) and of the experiment's
 * runners and conditions (read from the spec the run's manifest names, when it still exists).
 */
import path from 'node:path';
import { experimentSecrets } from '../../config/config-secrets.ts';
import { secretValues, type Env } from '../../config/env.ts';
import { loadExperiment } from '../../config/experiment-loader.ts';
import { readManifest } from '../../experiment/manifest.ts';

export async function knownSecrets(runDir: string, env: Env): Promise<string[]> {
  const out = secretValues(env);
  try {
    const manifest = await readManifest(runDir);
    const specFile = (manifest as { specFile?: unknown }).specFile;
    if (typeof specFile === 'string') {
      out.push(...experimentSecrets(await loadExperiment(path.resolve(specFile))));
    }
  } catch {
    // the spec moved or no longer loads: the credential shapes still apply
  }
  return [...new Set(out)];
}
