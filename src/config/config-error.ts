/**
 * The one error class of configuration loading. Its message always says where the problem is
 * (`file:line:col: key: …`) and, when the value comes from a closed set, what is allowed.
 * Messages name keys and environment variable names, never a secret's value.
 */

export type ConfigErrorCode =
  | 'config_invalid' // a value or key the schema does not allow
  | 'config_not_found' // the config file does not exist
  | 'config_unreadable' // the config file exists but cannot be read
  | 'config_yaml_syntax' // the YAML itself does not parse
  | 'config_missing_env'; // `os.environ/NAME` with NAME unset

export interface ConfigErrorOptions {
  code: ConfigErrorCode;
  /** The config file, as given by the caller; absent for problems in the environment. */
  file?: string;
  /** 1-based line and column of the offending node. */
  line?: number;
  column?: number;
  /** Dotted path of the offending key, e.g. `model_list[1].litellm_params.model`, or an env variable name. */
  key?: string;
  /** The allowed values when the value comes from a closed set. */
  validValues?: readonly string[];
  /** What the valid values are, for the message: `valid providers: …` (default `values`). */
  validLabel?: string;
  /** The environment variable involved, when any (its name only). */
  envVar?: string;
  cause?: unknown;
}

export interface SourcePosition {
  file?: string;
  line?: number;
  column?: number;
  key?: string;
}

/** `proxy.yaml:7:14: model_list[0].litellm_params.model: ` (parts that are unknown are left out). */
export function formatWhere(p: SourcePosition): string {
  let where = p.file ?? '';
  if (p.file !== undefined && p.line !== undefined) {
    where += `:${p.line}`;
    if (p.column !== undefined) where += `:${p.column}`;
  }
  const parts = [where, p.key].filter((s): s is string => s !== undefined && s !== '');
  return parts.length ? parts.join(': ') + ': ' : '';
}

export class ConfigError extends Error {
  readonly code: ConfigErrorCode;
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly key: string | undefined;
  readonly validValues: string[] | undefined;
  readonly envVar: string | undefined;
  /** The problem alone, without the location prefix. */
  readonly detail: string;
  /** Configuration errors are never fixed by trying again. */
  readonly retryable = false;

  constructor(detail: string, o: ConfigErrorOptions) {
    const valid = o.validValues?.length ? `; valid ${o.validLabel ?? 'values'}: ${o.validValues.join(', ')}` : '';
    super(formatWhere(o) + detail + valid, o.cause === undefined ? undefined : { cause: o.cause });
    this.name = 'ConfigError';
    this.code = o.code;
    this.file = o.file;
    this.line = o.line;
    this.column = o.column;
    this.key = o.key;
    this.validValues = o.validValues ? [...o.validValues] : undefined;
    this.envVar = o.envVar;
    this.detail = detail;
  }

  static is(e: unknown): e is ConfigError {
    return e instanceof ConfigError;
  }
}
