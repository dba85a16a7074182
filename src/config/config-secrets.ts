/** The secrets a config holds: what no record, log, bundle or cell output may contain. */
import { secretValues } from './env.ts';
import type { ExperimentSpec } from './experiment-types.ts';
import type { ProxyConfig } from './types.ts';

/** A proxy config's master key and deployments' API keys. */
export function proxyConfigSecrets(config: ProxyConfig): string[] {
  return [config.masterKey, ...config.deployments.map((d) => d.apiKey)].filter((s): s is string => typeof s === 'string' && s.length > 0);
}

/** Values of the secret-named variables an experiment's runners and conditions set. */
export function experimentSecrets(spec: Pick<ExperimentSpec, 'runners' | 'conditions'>): string[] {
  return [...spec.runners.flatMap((r) => secretValues(r.env)), ...spec.conditions.flatMap((c) => secretValues(c.env))];
}
