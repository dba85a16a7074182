/**
 * The proxy's configuration: a compatible subset of LiteLLM's config.yaml (model_list with
 * model_info prices, wildcard names and rpm/tpm limits, credential_list, include,
 * router_settings, litellm_settings, general_settings), `os.environ/NAME` secrets, and
 * AGENTAB_* environment overrides. See proxy-schema.ts for the keys agentab reads.
 *
 * Files are loaded as users paste them: a key agentab does not use is a warning with its
 * file:line (once per key, with the other lines it appears on), a deployment of a provider
 * agentab cannot route is skipped with a warning, and only a malformed value of a key agentab
 * uses is an error: a ConfigError that names the file, line and key.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { buildDeployment } from './build-deployment.ts';
import { defaultProxyConfig } from './default-proxy-config.ts';
import { ConfigError, formatWhere, type ConfigErrorOptions } from './config-error.ts';
import { envLookup, envRefName, processEnv, readProxyEnv, resolveEnvRefs, type Env, type EnvLookup } from './env.ts';
import { applyModelOverrides } from './model-overrides.ts';
import { parseModelTarget } from './model-target.ts';
import { defaultServerLimits } from './proxy-defaults.ts';
import {
  DESCRIPTIVE_MODEL_INFO_KEY,
  IGNORED_GENERAL_KEYS,
  IGNORED_LITELLM_SETTINGS_KEYS,
  IGNORED_ROUTER_KEYS,
  RawIncludedConfigSchema,
  RawLitellmParamsSchema,
  RawProxyConfigSchema,
  type RawCredential,
  type RawLitellmParams,
  type RawModelEntry,
  type RawProxyConfig,
} from './proxy-schema.ts';
import { buildRouterSettings, type FallbackRef } from './router-settings.ts';
import type { Deployment, ProxyConfig, RouterSettings } from './types.ts';
import { findUnknownKeys } from './unknown-keys.ts';
import { formatPath, YamlSource, type ConfigPath } from './yaml-source.ts';
import { zodErrorToConfigError } from './zod-issues.ts';

export { ConfigError } from './config-error.ts';
export { DEFAULT_ALIAS, DEFAULT_SIM_OPTIONS } from './proxy-defaults.ts';
export { defaultProxyConfig } from './default-proxy-config.ts';

export interface ParseOptions {
  /** The file name shown in errors and kept as `config.source`; `include` paths are relative to it. */
  source?: string;
  env?: Env;
  /** Reads an included file (default: from disk). */
  readInclude?: (path: string) => string;
}

export interface LoadOptions {
  /** The YAML file; default AGENTAB_CONFIG; neither → defaultProxyConfig. */
  path?: string;
  env?: Env;
}

const TOP_LEVEL_KEYS = Object.keys(RawProxyConfigSchema.shape);

export async function loadProxyConfig(opts: LoadOptions = {}): Promise<ProxyConfig> {
  const env = opts.env ?? processEnv();
  const path = opts.path ?? readProxyEnv(env).configPath;
  if (path === undefined) return defaultProxyConfig(env);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw fileError(path, e);
  }
  return parseProxyConfig(text, { source: path, env });
}

function fileError(path: string, e: unknown, o: Partial<ConfigErrorOptions> = {}): ConfigError {
  const notFound = (e as NodeJS.ErrnoException).code === 'ENOENT';
  return new ConfigError(notFound ? 'config file not found' : `cannot read config file: ${(e as Error).message}`, {
    code: notFound ? 'config_not_found' : 'config_unreadable',
    file: path,
    cause: e,
    ...o,
  });
}

export function parseProxyConfig(text: string, opts: ParseOptions = {}): ProxyConfig {
  return parseProxyConfigSource(YamlSource.parse(text, opts.source ?? '<config>'), opts);
}

/** The same from YAML already parsed: a block of a larger file (YamlSource.sub) is located in that file. */
export function parseProxyConfigSource(src: YamlSource, opts: ParseOptions = {}): ProxyConfig {
  const raw = src.toJS();
  const parsed = RawProxyConfigSchema.safeParse(raw);
  if (!parsed.success) throw zodErrorToConfigError(parsed.error, RawProxyConfigSchema, src, raw);
  const rep = new Reporter(src);
  for (const path of findUnknownKeys(RawProxyConfigSchema, raw)) rep.unknownKey(path);
  const readInclude = opts.readInclude ?? ((p: string) => readFileSync(p, 'utf8'));
  return assemble(parsed.data, raw as Record<string, unknown>, rep, opts.env ?? processEnv(), readInclude);
}

interface Note {
  line: number;
  column: number;
  where: string;
  message: string;
  /** The key path with list indices replaced by `[]`: one warning per key, however many entries hold it. */
  group: string;
  /** The model_list entry an unknown-key note is about (dropped if that entry is skipped). */
  entry?: number;
}

/** Located errors and warnings about one YAML file. */
class Reporter {
  private readonly notes: Note[] = [];
  /** model_list entries skipped as unroutable: the keys inside them are not worth a warning. */
  readonly skippedEntries = new Set<number>();
  constructor(readonly src: YamlSource) {}

  /** Warnings in file order, one per key and message; repeats name their other lines. */
  get warnings(): string[] {
    const sorted = this.notes
      .filter((n) => n.entry === undefined || !this.skippedEntries.has(n.entry))
      .sort((a, b) => a.line - b.line || a.column - b.column);
    const groups = new Map<string, Note[]>();
    for (const n of sorted) {
      const k = `${n.group}\u0000${n.message}`;
      groups.set(k, [...(groups.get(k) ?? []), n]);
    }
    return [...groups.values()].map(([first, ...rest]) => {
      const also = rest.length ? ` (also on line${rest.length > 1 ? 's' : ''} ${rest.map((n) => n.line).join(', ')})` : '';
      return `${first!.where}${first!.message}${also}`;
    });
  }

  error(path: ConfigPath, detail: string, o: Partial<ConfigErrorOptions> = {}, at: 'key' | 'value' = 'value'): ConfigError {
    const pos = this.src.locate(path, at);
    return new ConfigError(detail, { code: 'config_invalid', file: this.src.file, line: pos.line, column: pos.column, key: formatPath(path), ...o });
  }

  warn(path: ConfigPath, message: string, at: 'key' | 'value' = 'value', entry?: number): void {
    const pos = this.src.locate(path, at);
    const where = formatWhere({ file: this.src.file, line: pos.line, column: pos.column, key: formatPath(path) });
    const group = formatPath(path.map((seg) => (typeof seg === 'number' ? -1 : seg))).replaceAll('[-1]', '[]');
    this.notes.push({ ...pos, where, message, group, ...(entry === undefined ? {} : { entry }) });
  }

  /** A key the schema does not declare: how it is reported depends on where it sits. */
  unknownKey(path: ConfigPath): void {
    const key = String(path.at(-1));
    const section = path.length === 2 ? String(path[0]) : undefined;
    const known = (list: readonly string[]) => list.includes(key);
    if (path.length === 1) {
      this.warn(path, `unknown top-level key; ignored (agentab reads ${TOP_LEVEL_KEYS.join(', ')})`, 'key');
    } else if (section === 'general_settings' || section === 'router_settings' || section === 'litellm_settings') {
      const litellm =
        section === 'general_settings' ? known(IGNORED_GENERAL_KEYS) : section === 'router_settings' ? known(IGNORED_ROUTER_KEYS) : known(IGNORED_LITELLM_SETTINGS_KEYS);
      this.warn(path, litellm ? 'LiteLLM setting not implemented by agentab; ignored' : 'unknown key; ignored', 'key');
    } else if (path[0] === 'model_list' && path[2] === 'model_info') {
      if (!DESCRIPTIVE_MODEL_INFO_KEY.test(key)) this.warn(path, 'not used by agentab; ignored', 'key', path[1] as number);
    } else if (path[0] === 'model_list' && path.length === 3) {
      this.warn(path, 'unknown key in a model entry; ignored', 'key', path[1] as number);
    } else if (path[0] === 'model_list') {
      // litellm_params keys LiteLLM would forward to the provider (temperature, api_version, …)
      this.warn(path, 'not used by agentab; ignored', 'key', path[1] as number);
    } else {
      this.warn(path, 'not used by agentab; ignored', 'key');
    }
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

/** One model_list entry and the file it was written in. */
interface SourcedEntry {
  entry: RawModelEntry;
  /** The entry as written (before zod dropped keys), to tell which params came from os.environ/. */
  raw: Record<string, unknown>;
  index: number;
  rep: Reporter;
}

/** A deployment agentab cannot route, skipped with a warning (its alias may still be named elsewhere). */
interface Skipped {
  alias: string;
  line: number;
}

function assemble(cfg: RawProxyConfig, raw: Record<string, unknown>, rep: Reporter, env: Env, readInclude: (p: string) => string): ProxyConfig {
  const fileVars = Object.fromEntries(Object.entries(cfg.environment_variables ?? {}).map(([k, v]) => [k, String(v)]));
  const lookup = envLookup(env, fileVars);
  const proxyEnv = readProxyEnv(env);

  const { settings: router, fallbackRefs } = buildRouterSettings(cfg.router_settings, cfg.litellm_settings, (p, m, at) => rep.warn(p, m, at));
  if (cfg.litellm_settings?.drop_params === false) {
    rep.warn(['litellm_settings', 'drop_params'], 'agentab always drops what the target API cannot take when it translates; drop_params: false is not honoured');
  }

  // Only master_key is resolved: ignored LiteLLM keys (database_url: os.environ/…) need not be set.
  const general = cfg.general_settings ?? {};
  const fileMasterKey = rep.resolve(general.master_key, ['general_settings', 'master_key'], lookup);

  const included = includedEntries(cfg, rep, readInclude);
  const entries: SourcedEntry[] = [...entriesOf(cfg.model_list, raw.model_list, rep), ...included.entries];
  const skipped: Skipped[] = [];
  const credentials = new CredentialStore(cfg.credential_list ?? [], rep, lookup);
  const vertexDefaults = {
    project: rep.resolve(cfg.litellm_settings?.vertex_project, ['litellm_settings', 'vertex_project'], lookup),
    location: rep.resolve(cfg.litellm_settings?.vertex_location, ['litellm_settings', 'vertex_location'], lookup),
  };
  const fromFile = buildFileDeployments(entries, { lookup, router, credentials, vertexDefaults, skipped });
  const overrideWarnings: string[] = [];
  const deployments = applyModelOverrides(fromFile, proxyEnv.modelOverrides, lookup, router, (w) => overrideWarnings.push(w));
  if (deployments.length === 0) {
    const why = skipped.length ? `every deployment was skipped (providers agentab cannot route)` : 'model_list is empty';
    throw rep.error(['model_list'], `no models: ${why} and no AGENTAB_MODEL_<alias> variable is set`);
  }
  checkFallbacks(fallbackRefs, deployments, skipped, rep, router);

  const limits = defaultServerLimits();
  const mb = general.max_request_size_mb;
  const otlpEndpoint = rep.resolve(general.otlp_endpoint, ['general_settings', 'otlp_endpoint'], lookup);
  const otlpHeaders = rep.resolve(general.otlp_headers, ['general_settings', 'otlp_headers'], lookup);
  if (otlpEndpoint !== undefined && !/^https?:\/\/[^/]/.test(otlpEndpoint)) {
    throw rep.error(['general_settings', 'otlp_endpoint'], `expected an http(s) URL such as http://127.0.0.1:4318, got "${otlpEndpoint}"`);
  }
  return {
    ...(otlpEndpoint ? { otlp: { endpoint: otlpEndpoint, headers: otlpHeaders ?? {} } } : {}),
    source: rep.src.file,
    deployments,
    router,
    masterKey: proxyEnv.masterKey ?? fileMasterKey,
    maxBodyBytes: mb !== undefined ? Math.round(mb * 1024 * 1024) : limits.maxBodyBytes,
    requestBodyTimeoutMs: general.request_body_timeout_ms ?? limits.requestBodyTimeoutMs,
    requestHeaderTimeoutMs: general.request_header_timeout_ms ?? limits.requestHeaderTimeoutMs,
    idleTimeoutMs: general.idle_timeout_ms ?? limits.idleTimeoutMs,
    maxConnections: general.max_connections ?? limits.maxConnections,
    warnings: [...[rep, ...included.reporters].flatMap((r) => [...r.src.yamlWarnings(), ...r.warnings]), ...overrideWarnings],
  };
}

function entriesOf(list: RawModelEntry[] | null | undefined, rawList: unknown, rep: Reporter): SourcedEntry[] {
  const raws = Array.isArray(rawList) ? (rawList as Record<string, unknown>[]) : [];
  return (list ?? []).map((entry, index) => ({ entry, raw: raws[index] ?? {}, index, rep }));
}

/** LiteLLM's `include: [file, …]`: each file's model_list is added (paths relative to the including file). */
function includedEntries(cfg: RawProxyConfig, rep: Reporter, readInclude: (p: string) => string): { entries: SourcedEntry[]; reporters: Reporter[] } {
  const reporters: Reporter[] = [];
  const out: SourcedEntry[] = [];
  (cfg.include ?? []).forEach((name, i) => {
    const path = rep.src.file.startsWith('<') || name.startsWith('/') ? name : join(dirname(rep.src.file), name);
    let text: string;
    try {
      text = readInclude(path);
    } catch (e) {
      const notFound = (e as NodeJS.ErrnoException).code === 'ENOENT';
      throw rep.error(['include', i], notFound ? `included file ${path} not found` : `cannot read included file ${path}: ${(e as Error).message}`, {
        code: notFound ? 'config_not_found' : 'config_unreadable',
        cause: e,
      });
    }
    const src = YamlSource.parse(text, path);
    const included = src.toJS();
    const parsed = RawIncludedConfigSchema.safeParse(included);
    if (!parsed.success) throw zodErrorToConfigError(parsed.error, RawIncludedConfigSchema, src, included);
    const child = new Reporter(src);
    reporters.push(child);
    for (const p of findUnknownKeys(RawIncludedConfigSchema, included)) {
      if (p.length === 1) child.warn(p, 'only model_list is read from an included file; ignored', 'key');
      else child.unknownKey(p);
    }
    out.push(...entriesOf(parsed.data.model_list, (included as Record<string, unknown>).model_list, child));
  });
  return { entries: out, reporters };
}

/** credential_list: named sets of litellm_params values, resolved once each, when a deployment names one. */
class CredentialStore {
  private readonly resolved = new Map<string, Record<string, unknown>>();
  constructor(
    private readonly list: RawCredential[],
    private readonly rep: Reporter,
    private readonly lookup: EnvLookup,
  ) {}

  names(): string[] {
    return this.list.map((c) => c.credential_name);
  }

  /** The credential's values agentab reads (other keys belong to providers it does not route), or undefined. */
  get(name: string): Record<string, unknown> | undefined {
    const hit = this.resolved.get(name);
    if (hit) return hit;
    const i = this.list.findIndex((c) => c.credential_name === name);
    if (i < 0) return undefined;
    const out = this.rep.resolve(this.list[i]!.credential_values, ['credential_list', i, 'credential_values'], this.lookup);
    this.resolved.set(name, out);
    return out;
  }
}

interface BuildContext {
  lookup: EnvLookup;
  router: RouterSettings;
  credentials: CredentialStore;
  vertexDefaults: { project?: string; location?: string };
  skipped: Skipped[];
}

function buildFileDeployments(entries: SourcedEntry[], ctx: BuildContext): Deployment[] {
  const perAlias = new Map<string, number>();
  const out: Deployment[] = [];
  for (const { entry, raw, index, rep } of entries) {
    const base: PropertyKey[] = ['model_list', index];
    if (entry.litellm_params && entry.params) {
      throw rep.error([...base, 'params'], 'give either litellm_params or params, not both', {}, 'key');
    }
    const key = entry.litellm_params ? 'litellm_params' : 'params';
    const params = entry.litellm_params ?? entry.params;
    if (!params) throw rep.error([...base, 'litellm_params'], 'required key is missing (the deployment: model, api_base, …)');
    const paramsPath = [...base, key];

    const target = parseModelTarget(params.model);
    if (!target.ok && target.unroutable !== undefined) {
      rep.warn(
        [...paramsPath, 'model'],
        `provider "${target.unroutable}" is not routable by agentab (it routes openai, vertex_ai, anthropic, sim); deployment of "${entry.model_name}" skipped`,
      );
      ctx.skipped.push({ alias: entry.model_name, line: rep.src.locate([...paramsPath, 'model']).line });
      rep.skippedEntries.add(index);
      continue;
    }

    const rawParams = (raw[key] ?? {}) as Record<string, unknown>;
    const fromEnv = new Set(Object.keys(rawParams).filter((k) => envRefName(rawParams[k]) !== undefined));
    let resolved: RawLitellmParams = rep.resolve(params, paramsPath, ctx.lookup);
    if (params.litellm_credential_name !== undefined) {
      const values = ctx.credentials.get(params.litellm_credential_name);
      if (!values) {
        throw rep.error([...paramsPath, 'litellm_credential_name'], `no credential named "${params.litellm_credential_name}" in credential_list`, {
          validValues: ctx.credentials.names(),
          validLabel: 'credentials',
        });
      }
      // The deployment's own values win over the credential's.
      resolved = { ...(values as Partial<RawLitellmParams>), ...resolved };
      for (const k of Object.keys(values)) if (rawParams[k] === undefined) fromEnv.add(k); // never echo a credential's value
    }
    // Prices may sit in model_info, as LiteLLM's cost tracking reads them; litellm_params wins.
    const info = entry.model_info ?? {};
    resolved = {
      ...resolved,
      input_cost_per_token: resolved.input_cost_per_token ?? info.input_cost_per_token,
      output_cost_per_token: resolved.output_cost_per_token ?? info.output_cost_per_token,
      cache_read_input_token_cost: resolved.cache_read_input_token_cost ?? info.cache_read_input_token_cost,
      cache_creation_input_token_cost: resolved.cache_creation_input_token_cost ?? info.cache_creation_input_token_cost,
      rpm: resolved.rpm ?? entry.rpm,
      tpm: resolved.tpm ?? entry.tpm,
    };

    const n = perAlias.get(entry.model_name) ?? 0;
    perAlias.set(entry.model_name, n + 1);
    const d = buildDeployment(resolved, {
      alias: entry.model_name,
      index: n,
      lookup: ctx.lookup,
      router: ctx.router,
      fromEnv,
      vertexDefaults: ctx.vertexDefaults,
      fail: (k, detail, o) => {
        throw rep.error([...paramsPath, k], detail, o ?? {}, k === 'vertex_project' && !params.vertex_project ? 'key' : 'value');
      },
      warn: (k, message) => rep.warn([...paramsPath, k], message, 'key'),
    });
    out.push(info.base_model ? { ...d, priceModel: info.base_model } : d);
  }
  return out;
}

/**
 * Every alias named in a fallbacks setting must exist (in the file or via an override). One
 * whose deployments were all skipped (unroutable providers) is dropped from the chains with a warning.
 */
function checkFallbacks(refs: FallbackRef[], deployments: Deployment[], skipped: Skipped[], rep: Reporter, router: RouterSettings): void {
  const aliases = [...new Set(deployments.map((d) => d.alias))];
  const gone = new Set<string>();
  for (const ref of refs) {
    if (aliases.includes(ref.alias)) continue;
    const skip = skipped.find((s) => s.alias === ref.alias);
    if (!skip) {
      throw rep.error(ref.path, `unknown alias "${ref.alias}" in fallbacks`, { validValues: aliases, validLabel: 'aliases' }, ref.at);
    }
    rep.warn(ref.path, `"${ref.alias}" has no routable deployment (skipped on line ${skip.line}); left out of the fallbacks`, ref.at);
    gone.add(ref.alias);
  }
  if (gone.size === 0) return;
  for (const [source, targets] of Object.entries(router.fallbacks)) {
    if (gone.has(source)) delete router.fallbacks[source];
    else router.fallbacks[source] = targets.filter((t) => !gone.has(t));
  }
}
