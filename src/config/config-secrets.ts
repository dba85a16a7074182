/** The secrets a proxy config holds (master key, deployments' API keys): what no record, log or cell output may contain. */
import type { ProxyConfig } from './types.ts';

export function proxyConfigSecrets(config: ProxyConfig): string[] {
  return [config.masterKey, ...config.deployments.map((d) => d.apiKey)].filter((s): s is string => typeof s === 'string' && s.length > 0);
}
