/**
 * JSON Schema → the OpenAPI-3.0 subset Gemini's function declarations accept.
 *
 * Gemini rejects keywords it does not know ($schema, additionalProperties, exclusiveMinimum,
 * const, oneOf, propertyNames …) with a 400, so this keeps a whitelist and rewrites what it can:
 * `$ref` to local definitions is inlined, `allOf` merged, `oneOf` read as `anyOf`, a `null`
 * member of `anyOf`/`type: [...]` becomes `nullable`, `const` becomes a one-value enum, and
 * non-string enums (Gemini only takes string enums) move into the description.
 * Hand-written because no maintained package targets this exact subset.
 */
import { withProps } from '../../../util/objects.ts';

type Schema = Record<string, unknown>;

const KEEP_AS_IS = ['description', 'title', 'pattern', 'nullable'] as const;
const KEEP_NUMBERS = ['minimum', 'maximum', 'minItems', 'maxItems', 'minLength', 'maxLength', 'minProperties', 'maxProperties'] as const;
const FORMATS: Record<string, ReadonlySet<string>> = {
  string: new Set(['enum', 'date-time']),
  number: new Set(['float', 'double']),
  integer: new Set(['int32', 'int64']),
};
const MAX_REF_DEPTH = 12;

/** The cleaned `parameters` of a function, or undefined when it takes no arguments (Gemini rejects empty objects). */
export function cleanToolParameters(schema: Record<string, unknown>): Schema | undefined {
  const cleaned = cleanSchemaForGemini(schema);
  const props = cleaned.properties as Schema | undefined;
  if (cleaned.type === 'object' && (!props || !Object.keys(props).length)) return undefined;
  return cleaned;
}

export function cleanSchemaForGemini(schema: unknown): Schema {
  return clean(schema, isObject(schema) ? schema : {}, 0);
}

function clean(node: unknown, root: Schema, depth: number): Schema {
  if (!isObject(node)) return {};
  if (depth > MAX_REF_DEPTH) return { type: 'object' };
  let n = node;
  if (typeof n.$ref === 'string') {
    const { $ref, ...siblings } = n;
    n = { ...resolveRef(root, $ref), ...siblings };
    depth++;
  }
  if (Array.isArray(n.allOf)) {
    const { allOf, ...rest } = n;
    n = mergeAll([rest, ...(allOf as unknown[]).filter(isObject)]);
  }
  const union = (n.anyOf ?? n.oneOf) as unknown;
  if (Array.isArray(union)) return cleanUnion(n, union, root, depth);
  if (Array.isArray(n.type)) return cleanTypeArray(n, n.type as unknown[], root, depth);
  return cleanSingle(n, root, depth);
}

function cleanUnion(n: Schema, members: unknown[], root: Schema, depth: number): Schema {
  const isNull = (m: unknown) => isObject(m) && m.type === 'null';
  const nullable = members.some(isNull);
  const rest = members.filter((m) => !isNull(m)).map((m) => clean(m, root, depth + 1));
  const outer = pickAnnotations(n);
  if (rest.length === 0) return withProps(outer, { type: 'string', nullable: true });
  if (rest.length === 1) return { ...rest[0], ...outer, ...(nullable ? { nullable: true } : {}) };
  return withProps(outer, nullable ? { anyOf: rest, nullable: true } : { anyOf: rest });
}

function cleanTypeArray(n: Schema, types: unknown[], root: Schema, depth: number): Schema {
  const named = types.filter((t): t is string => typeof t === 'string');
  const nullable = named.includes('null');
  const rest = named.filter((t) => t !== 'null');
  if (rest.length <= 1) {
    const single = cleanSingle(withProps(n, { type: rest[0] ?? 'string' }), root, depth);
    return nullable ? withProps(single, { nullable: true }) : single;
  }
  // Several types: one anyOf member per type, each with the keywords that apply to it.
  const members = rest.map((t) => cleanSingle(withProps(n, { type: t, description: undefined }), root, depth));
  return withProps(pickAnnotations(n), nullable ? { anyOf: members, nullable: true } : { anyOf: members });
}

function cleanSingle(n: Schema, root: Schema, depth: number): Schema {
  const out: Schema = {};
  let type = typeof n.type === 'string' ? n.type : undefined;
  if (!type && isObject(n.properties)) type = 'object';
  if (!type && n.items !== undefined) type = 'array';
  if (type === 'null') return { type: 'string', nullable: true };
  for (const key of KEEP_AS_IS) if (n[key] !== undefined) out[key] = n[key];
  for (const key of KEEP_NUMBERS) if (typeof n[key] === 'number') out[key] = n[key];

  let values: unknown[] | undefined = Array.isArray(n.enum) ? (n.enum as unknown[]) : undefined;
  if (n.const !== undefined) values = [n.const];
  if (values) {
    if (values.includes(null)) out.nullable = true;
    const present = values.filter((v) => v !== null);
    if (present.every((v) => typeof v === 'string') && (!type || type === 'string')) {
      type = 'string';
      out.enum = present;
    } else {
      const list = present.map((v) => JSON.stringify(v)).join(', ');
      out.description = `${typeof out.description === 'string' ? out.description + ' ' : ''}(one of: ${list})`;
    }
  }
  if (type) out.type = type;
  if (typeof n.format === 'string' && type && FORMATS[type]?.has(n.format)) out.format = n.format;

  if (type === 'object' && isObject(n.properties)) {
    const props: Schema = {};
    for (const [k, v] of Object.entries(n.properties)) props[k] = clean(v, root, depth + 1);
    if (Object.keys(props).length) {
      out.properties = props;
      const required = Array.isArray(n.required) ? (n.required as unknown[]).filter((r) => typeof r === 'string' && r in props) : [];
      if (required.length) out.required = required;
    }
  }
  if (type === 'array') {
    const items = Array.isArray(n.items) ? n.items[0] : n.items; // tuple schemas: first item type
    out.items = isObject(items) ? clean(items, root, depth + 1) : { type: 'string' };
  }
  return out;
}

function pickAnnotations(n: Schema): Schema {
  const out: Schema = {};
  if (typeof n.description === 'string') out.description = n.description;
  if (typeof n.title === 'string') out.title = n.title;
  return out;
}

function mergeAll(parts: Schema[]): Schema {
  const out: Schema = {};
  const props: Schema = {};
  const required = new Set<string>();
  for (const p of parts) {
    for (const [k, v] of Object.entries(p)) {
      if (k === 'properties' && isObject(v)) Object.assign(props, v);
      else if (k === 'required' && Array.isArray(v)) v.forEach((r) => typeof r === 'string' && required.add(r));
      else if (!(k in out)) out[k] = v;
    }
  }
  if (Object.keys(props).length) out.properties = props;
  if (required.size) out.required = [...required];
  return out;
}

/** `#/definitions/X`, `#/$defs/X` or any local JSON pointer; anything else resolves to a free object. */
function resolveRef(root: Schema, ref: string): Schema {
  if (!ref.startsWith('#')) return { type: 'object' };
  let at: unknown = root;
  for (const raw of ref.slice(1).split('/').filter(Boolean)) {
    const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    at = isObject(at) ? at[key] : undefined;
  }
  return isObject(at) ? at : { type: 'object' };
}

function isObject(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
