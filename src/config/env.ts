/**
 * The one place the proxy reads the process environment. Everything else receives an
 * `env` object (tests pass their own) and asks it through these helpers. (The CLI's flags
 * read their own defaults from AGENTAB_PROXY_HOST, AGENTAB_PROXY_PORT and AGENTAB_LOG_LEVEL,
 * through commander: src/cli/commands.)
 */
import { SECRET_KEY } from '../util/log.ts';

export type Env = NodeJS.ProcessEnv;

/** The real process environment; the default of every `env` option. */
export function processEnv(): Env {
  return process.env;
}

export const MODEL_OVERRIDE_PREFIX = 'AGENTAB_MODEL_';

/** `AGENTAB_MODEL_<alias with every non-alphanumeric as _>=<provider>/<model>` */
export interface ModelOverride {
  variable: string;
  /** The part after the prefix, to be matched against aliases via `envSuffixOf`. */
  suffix: string;
  target: string;
}

export interface ProxyEnv {
  /** AGENTAB_MASTER_KEY: overrides general_settings.master_key. */
  masterKey?: string;
  /** AGENTAB_CONFIG: the proxy's YAML config file, when no path is given. */
  configPath?: string;
  /** AGENTAB_MODEL_* variables, sorted by name. */
  modelOverrides: ModelOverride[];
}

/** An unset or empty variable both read as undefined (`export X=` is how shells unset by accident). */
function get(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

export function envSuffixOf(alias: string): string {
  return alias.replace(/[^A-Za-z0-9]/g, '_');
}

export function modelOverrideVariable(alias: string): string {
  return MODEL_OVERRIDE_PREFIX + envSuffixOf(alias);
}

export function readProxyEnv(env: Env = processEnv()): ProxyEnv {
  const modelOverrides = Object.keys(env)
    .filter((k) => k.startsWith(MODEL_OVERRIDE_PREFIX) && k.length > MODEL_OVERRIDE_PREFIX.length && get(env, k))
    .sort()
    .map((variable) => ({ variable, suffix: variable.slice(MODEL_OVERRIDE_PREFIX.length), target: get(env, variable)!.trim() }));
  return {
    masterKey: get(env, 'AGENTAB_MASTER_KEY'),
    configPath: get(env, 'AGENTAB_CONFIG'),
    modelOverrides,
  };
}

/** Looks a variable up in the environment, then in the config's `environment_variables`. */
export type EnvLookup = (name: string) => string | undefined;

export function envLookup(env: Env, fileVariables: Readonly<Record<string, string>> = {}): EnvLookup {
  return (name) => get(env, name) ?? (fileVariables[name] === '' ? undefined : fileVariables[name]);
}

/** LiteLLM's way to write a secret in config.yaml: `api_key: os.environ/OPENAI_API_KEY`. */
export const ENV_REF_PREFIX = 'os.environ/';

export function envRefName(value: unknown): string | undefined {
  return typeof value === 'string' && value.startsWith(ENV_REF_PREFIX) ? value.slice(ENV_REF_PREFIX.length) : undefined;
}

/**
 * Replaces every `os.environ/NAME` string inside `value` (objects and arrays walked) by the
 * variable's value. `onMissing` is called with the variable name and the key path of an unset one.
 */
export function resolveEnvRefs<T>(
  value: T,
  path: PropertyKey[],
  lookup: EnvLookup,
  onMissing: (name: string, path: PropertyKey[]) => never,
): T {
  const name = envRefName(value);
  if (name !== undefined) return (lookup(name) ?? onMissing(name, path)) as T;
  if (Array.isArray(value)) return value.map((v, i) => resolveEnvRefs(v, [...path, i], lookup, onMissing)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolveEnvRefs(v, [...path, k], lookup, onMissing);
    return out as T;
  }
  return value;
}

/** Values of the variables whose names say they are secrets (for redaction; 8+ characters, so short flags stay). */
export function secretValues(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(env)
    .filter(([name, value]) => SECRET_KEY.test(name) && typeof value === 'string' && value.length >= 8)
    .map(([, value]) => value as string);
}
