/**
 * The proxy's configuration: a compatible subset of LiteLLM's config.yaml (model_list,
 * router_settings, general_settings; litellm_settings and model_info accepted unread),
 * `os.environ/NAME` secrets, and AGENTAB_* environment overrides. See proxy-schema.ts for
 * the accepted keys. Every error is a ConfigError that names the file, line and key.
 */
import { readFile } from 'node:fs/promises';
import { buildDeployment } from './build-deployment.ts';
import { ConfigError, formatWhere, type ConfigErrorOptions } from './config-error.ts';
import { envLookup, envRefName, processEnv, readProxyEnv, resolveEnvRefs, type Env, type EnvLookup } from './env.ts';
import { applyModelOverrides } from './model-overrides.ts';
import { DEFAULT_ALIAS, DEFAULT_MAX_BODY_BYTES, DEFAULT_SIM_MODEL, defaultRouterSettings } from './proxy-defaults.ts';
import {
  IGNORED_GENERAL_KEYS,
  RawLitellmParamsSchema,
  RawProxyConfigSchema,
  type RawLitellmParams,
  type RawProxyConfig,
} from './proxy-schema.ts';
import { buildRouterSettings, type FallbackRef } from './router-settings.ts';
import type { Deployment, ProxyConfig, RouterSettings } from './types.ts';
import { formatPath, YamlSource, type ConfigPath } from './yaml-source.ts';
import { zodErrorToConfigError } from './zod-issues.ts';

export { ConfigError } from './config-error.ts';
export { DEFAULT_ALIAS, DEFAULT_SIM_OPTIONS } from './proxy-defaults.ts';

export interface ParseOptions {
  /** The file name shown in errors and kept as `config.source`. */
  source?: string;
  env?: Env;
}

export interface LoadOptions {
  /** The YAML file; default AGENTAB_CONFIG; neither → defaultProxyConfig. */
  path?: string;
  env?: Env;
}

const LITELLM_PARAM_KEYS = new Set(Object.keys(RawLitellmParamsSchema.shape));

/** The config with no file: the simulator under `shared-model`, then AGENTAB_* overrides. */
export function defaultProxyConfig(env: Env = processEnv()): ProxyConfig {
  const e = readProxyEnv(env);
  const router = defaultRouterSettings();
  const lookup = envLookup(env);
  const sim = buildDeployment(
    { model: `sim/${DEFAULT_SIM_MODEL}` },
    { alias: DEFAULT_ALIAS, index: 0, lookup, router, fail: unreachable, warn: () => {} },
  );
  return {
    deployments: applyModelOverrides([sim], e.modelOverrides, lookup, router),
    router,
    masterKey: e.masterKey,
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    warnings: [],
  };
}

function unreachable(_key: string, detail: string): never {
  throw new Error(`default config is invalid: ${detail}`);
}

export async function loadProxyConfig(opts: LoadOptions = {}): Promise<ProxyConfig> {
  const env = opts.env ?? processEnv();
  const path = opts.path ?? readProxyEnv(env).configPath;
  if (path === undefined) return defaultProxyConfig(env);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const notFound = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ConfigError(notFound ? 'config file not found' : `cannot read config file: ${(e as Error).message}`, {
      code: notFound ? 'config_not_found' : 'config_unreadable',
      file: path,
      cause: e,
    });
  }
  return parseProxyConfig(text, { source: path, env });
}

export function parseProxyConfig(text: string, opts: ParseOptions = {}): ProxyConfig {
  const src = YamlSource.parse(text, opts.source ?? '<config>');
  const raw = src.toJS();
  const parsed = RawProxyConfigSchema.safeParse(raw);
  if (!parsed.success) throw zodErrorToConfigError(parsed.error, RawProxyConfigSchema, src, raw);
  return assemble(parsed.data, raw as Record<string, unknown>, src, opts.env ?? processEnv());
}

/** Located errors and warnings about one YAML file. */
class Reporter {
  private readonly notes: Array<{ line: number; column: number; text: string }> = [];
  constructor(readonly src: YamlSource) {}

  /** Warnings in file order. */
  get warnings(): string[] {
    return [...this.notes].sort((a, b) => a.line - b.line || a.column - b.column).map((n) => n.text);
  }

  error(path: ConfigPath, detail: string, o: Partial<ConfigErrorOptions> = {}, at: 'key' | 'value' = 'value'): ConfigError {
    const pos = this.src.locate(path, at);
    return new ConfigError(detail, { code: 'config_invalid', file: this.src.file, line: pos.line, column: pos.column, key: formatPath(path), ...o });
  }

  warn(path: ConfigPath, message: string, at: 'key' | 'value' = 'value'): void {
    const pos = this.src.locate(path, at);
    const text = `${formatWhere({ file: this.src.file, line: pos.line, column: pos.column, key: formatPath(path) })}${message}`;
    this.notes.push({ ...pos, text });
  }

  /** `resolveEnvRefs` with a located config_missing_env error. */
  resolve<T>(value: T, path: PropertyKey[], lookup: EnvLookup): T {
    return resolveEnvRefs(value, path, lookup, (name, p) => {
      throw this.error(p, `environment variable ${name} is not set (written as os.environ/${name})`, {
        code: 'config_missing_env',
        envVar: name,
      });
    });
  }
}

function assemble(cfg: RawProxyConfig, raw: Record<string, unknown>, src: YamlSource, env: Env): ProxyConfig {
  const rep = new Reporter(src);
  const fileVars = Object.fromEntries(Object.entries(cfg.environment_variables ?? {}).map(([k, v]) => [k, String(v)]));
  const lookup = envLookup(env, fileVars);
  const proxyEnv = readProxyEnv(env);

  const { settings: router, fallbackRefs } = buildRouterSettings(cfg.router_settings, (p, m, at) => rep.warn(p, m, at));

  // Only master_key is resolved: ignored LiteLLM keys (database_url: os.environ/…) need not be set.
  const general = cfg.general_settings ?? {};
  const fileMasterKey = rep.resolve(general.master_key, ['general_settings', 'master_key'], lookup);
  for (const k of IGNORED_GENERAL_KEYS) {
    if (general[k] !== undefined) rep.warn(['general_settings', k], 'LiteLLM setting not implemented by agentab; ignored', 'key');
  }

  const fromFile = buildFileDeployments(cfg, raw, rep, lookup, router);
  const deployments = applyModelOverrides(fromFile, proxyEnv.modelOverrides, lookup, router);
  if (deployments.length === 0) {
    throw rep.error(['model_list'], 'no models: model_list is empty and no AGENTAB_MODEL_<alias> variable is set');
  }
  checkFallbacks(fallbackRefs, deployments, rep);

  const mb = general.max_request_size_mb;
  const otlpEndpoint = rep.resolve(general.otlp_endpoint, ['general_settings', 'otlp_endpoint'], lookup);
  const otlpHeaders = rep.resolve(general.otlp_headers, ['general_settings', 'otlp_headers'], lookup);
  if (otlpEndpoint !== undefined && !/^https?:\/\/[^/]/.test(otlpEndpoint)) {
    throw rep.error(['general_settings', 'otlp_endpoint'], `expected an http(s) URL such as http://127.0.0.1:4318, got "${otlpEndpoint}"`);
  }
  return {
    ...(otlpEndpoint ? { otlp: { endpoint: otlpEndpoint, headers: otlpHeaders ?? {} } } : {}),
    source: src.file,
    deployments,
    router,
    masterKey: proxyEnv.masterKey ?? fileMasterKey,
    maxBodyBytes: mb !== undefined ? Math.round(mb * 1024 * 1024) : DEFAULT_MAX_BODY_BYTES,
    warnings: [...src.yamlWarnings(), ...rep.warnings],
  };
}

function buildFileDeployments(
  cfg: RawProxyConfig,
  raw: Record<string, unknown>,
  rep: Reporter,
  lookup: EnvLookup,
  router: RouterSettings,
): Deployment[] {
  const rawList = Array.isArray(raw.model_list) ? (raw.model_list as Record<string, unknown>[]) : [];
  const perAlias = new Map<string, number>();
  return (cfg.model_list ?? []).map((entry, i) => {
    const base: PropertyKey[] = ['model_list', i];
    if (entry.litellm_params && entry.params) {
      throw rep.error([...base, 'params'], 'give either litellm_params or params, not both', {}, 'key');
    }
    const key = entry.litellm_params ? 'litellm_params' : 'params';
    const params = entry.litellm_params ?? entry.params;
    if (!params) throw rep.error([...base, 'litellm_params'], 'required key is missing (the deployment: model, api_base, …)');
    const paramsPath = [...base, key];

    // Unknown litellm_params keys: LiteLLM forwards them upstream; we do not.
    const rawParams = (rawList[i]?.[key] ?? {}) as Record<string, unknown>;
    for (const k of Object.keys(rawParams)) {
      if (!LITELLM_PARAM_KEYS.has(k)) rep.warn([...paramsPath, k], 'not used by agentab; ignored', 'key');
    }
    const fromEnv = new Set(Object.keys(rawParams).filter((k) => envRefName(rawParams[k]) !== undefined));
    const resolved: RawLitellmParams = rep.resolve(params, paramsPath, lookup);

    const index = perAlias.get(entry.model_name) ?? 0;
    perAlias.set(entry.model_name, index + 1);
    return buildDeployment(resolved, {
      alias: entry.model_name,
      index,
      lookup,
      router,
      fromEnv,
      fail: (k, detail, o) => {
        throw rep.error([...paramsPath, k], detail, o ?? {}, k === 'vertex_project' && !params.vertex_project ? 'key' : 'value');
      },
      warn: (k, message) => rep.warn([...paramsPath, k], message, 'key'),
    });
  });
}

/** Every alias named in router_settings.fallbacks must exist (in the file or via an override). */
function checkFallbacks(refs: FallbackRef[], deployments: Deployment[], rep: Reporter): void {
  const aliases = [...new Set(deployments.map((d) => d.alias))];
  for (const ref of refs) {
    if (!aliases.includes(ref.alias)) {
      throw rep.error(ref.path, `unknown alias "${ref.alias}" in fallbacks`, { validValues: aliases, validLabel: 'aliases' }, ref.at);
    }
  }
}
