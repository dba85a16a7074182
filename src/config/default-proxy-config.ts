/**
 * The proxy's config when no file is given: the simulator under `shared-model`, then the
 * AGENTAB_* overrides. Kept apart from proxy-config.ts so `agentab proxy` without --config
 * starts without loading the YAML parser and the config file's schema.
 */
import { buildDeployment } from './build-deployment.ts';
import { envLookup, processEnv, readProxyEnv, type Env } from './env.ts';
import { applyModelOverrides } from './model-overrides.ts';
import { DEFAULT_ALIAS, DEFAULT_SIM_MODEL, defaultRouterSettings, defaultServerLimits } from './proxy-defaults.ts';
import type { ProxyConfig } from './types.ts';

/** The config with no file: the simulator under `shared-model`, then AGENTAB_* overrides. */
export function defaultProxyConfig(env: Env = processEnv()): ProxyConfig {
  const e = readProxyEnv(env);
  const router = defaultRouterSettings();
  const lookup = envLookup(env);
  const sim = buildDeployment(
    { model: `sim/${DEFAULT_SIM_MODEL}` },
    { alias: DEFAULT_ALIAS, index: 0, lookup, router, fail: unreachable, warn: () => {} },
  );
  const warnings: string[] = [];
  return {
    deployments: applyModelOverrides([sim], e.modelOverrides, lookup, router, (w) => warnings.push(w)),
    router,
    masterKey: e.masterKey,
    ...defaultServerLimits(),
    warnings,
  };
}

function unreachable(_key: string, detail: string): never {
  throw new Error(`default config is invalid: ${detail}`);
}
