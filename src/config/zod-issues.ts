/**
 * Turns zod issues about the raw YAML into one located ConfigError: the issue that comes
 * first in the file, with the key path, what was expected and, for closed sets, the valid values.
 */
import { z } from 'zod';
import { ConfigError } from './config-error.ts';
import { formatPath, type ConfigPath, type YamlSource } from './yaml-source.ts';

type Issue = z.core.$ZodIssue;

interface FlatIssue {
  issue: Issue;
  path: PropertyKey[];
}

/**
 * A union reports one issue list per branch. Prefer the branch that matched the value's type
 * and failed deeper inside (its issue is the useful one); if every branch failed on the type
 * itself, keep the union issue and say which types were allowed.
 */
function flatten(issue: Issue, base: PropertyKey[]): FlatIssue {
  const path = [...base, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length) {
    const deeper = issue.errors.find((b) => !(b.length === 1 && b[0]!.code === 'invalid_type' && b[0]!.path.length === 0));
    if (deeper?.[0]) return flatten(deeper[0], path);
  }
  return { issue, path };
}

/** The keys a strict object at `path` allows, found by walking the schema. */
export function allowedKeysAt(schema: z.ZodType, path: ConfigPath): string[] | undefined {
  let s: unknown = schema;
  for (let i = 0; i <= path.length; i++) {
    // Unwrap modifiers that do not change the shape; of a union (`- claude` or `- {name: claude, …}`), its map branch.
    for (;;) {
      if (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault) s = s.unwrap();
      else if (s instanceof z.ZodUnion && (s.options as unknown[]).some((o) => o instanceof z.ZodObject)) s = (s.options as unknown[]).find((o) => o instanceof z.ZodObject);
      else break;
    }
    if (i === path.length) break;
    const seg = path[i];
    if (s instanceof z.ZodObject && typeof seg === 'string') s = s.shape[seg];
    else if (s instanceof z.ZodArray && typeof seg === 'number') s = s.element;
    else if (s instanceof z.ZodRecord) s = s.valueType;
    else return undefined;
  }
  return s instanceof z.ZodObject ? Object.keys(s.shape) : undefined;
}

/** YAML users know maps and lists, not zod's records, objects and arrays. */
const yamlWords = (s: string): string => s.replace(/\b(record|object)\b/g, 'map').replace(/\barray\b/g, 'list');

/** The raw value at `path`, to name it in the message (zod issues do not carry it). */
function valueAt(raw: unknown, path: ConfigPath): unknown {
  let v = raw;
  for (const seg of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[seg] : undefined;
  return v;
}

function describe(issue: Issue, value: unknown): { detail: string; validValues?: string[]; validLabel?: string } {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.message.endsWith('received undefined')) return { detail: yamlWords(`required key is missing (expected ${issue.expected})`) };
      return { detail: yamlWords(issue.message.replace(/^Invalid input: /, '')) };
    case 'invalid_value':
      return {
        detail: `invalid value ${JSON.stringify(value)}`,
        validValues: issue.values.map((v) => String(v)),
      };
    case 'invalid_union': {
      const expected = issue.errors
        .map((b) => (b[0]?.code === 'invalid_type' ? b[0].expected : undefined))
        .filter((e): e is NonNullable<typeof e> => e !== undefined);
      return { detail: expected.length ? yamlWords(`expected ${expected.join(' or ')}`) : issue.message };
    }
    default:
      return { detail: issue.message };
  }
}

export function zodErrorToConfigError(error: z.ZodError, schema: z.ZodType, src: YamlSource, raw: unknown): ConfigError {
  const located = error.issues.map((i) => {
    const flat = flatten(i, []);
    const unknownKey = flat.issue.code === 'unrecognized_keys' ? flat.issue.keys[0] : undefined;
    const keyPath = unknownKey === undefined ? flat.path : [...flat.path, unknownKey];
    const pos = src.locate(keyPath, unknownKey === undefined ? 'value' : 'key');
    return { flat, unknownKey, keyPath, pos };
  });
  located.sort((a, b) => a.pos.line - b.pos.line || a.pos.column - b.pos.column);
  const first = located[0]!;
  const more = located.length > 1 ? ` (and ${located.length - 1} more problem${located.length > 2 ? 's' : ''})` : '';

  const base = { code: 'config_invalid' as const, file: src.file, line: first.pos.line, column: first.pos.column, key: formatPath(first.keyPath) };
  if (first.unknownKey !== undefined) {
    const valid = allowedKeysAt(schema, first.flat.path);
    return new ConfigError(`unknown key "${first.unknownKey}"${more}`, { ...base, validValues: valid, validLabel: 'keys' });
  }
  const d = describe(first.flat.issue, valueAt(raw, first.flat.path));
  return new ConfigError(d.detail + more, { ...base, validValues: d.validValues, validLabel: d.validLabel });
}

/**
 * Zod issues about a block of options that is not a YAML file of its own (a launcher's
 * options), as one line per issue under `prefix`: the key, what was expected, and the valid
 * keys of an unknown one.
 */
export function describeOptionIssues(error: z.ZodError, schema: z.ZodType, value: unknown, prefix: string): string {
  return error.issues
    .map((raw) => {
      const { issue, path } = flatten(raw, []);
      if (issue.code === 'unrecognized_keys') {
        const valid = allowedKeysAt(schema, path);
        return issue.keys.map((k) => `${prefix}.${formatPath([...path, k])}: unknown key${valid ? ` (valid keys: ${valid.join(', ')})` : ''}`).join('; ');
      }
      const d = describe(issue, valueAt(value, path));
      return `${prefix}${path.length ? `.${formatPath(path)}` : ''}: ${d.detail}${d.validValues ? ` (valid: ${d.validValues.join(', ')})` : ''}`;
    })
    .join('; ');
}
