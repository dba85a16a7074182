/**
 * Checks a Batch Job (API JSON form) against the Batch v1 protos that ship inside
 * @google-cloud/batch, strictly: every field name must exist and every value must have the
 * field's type. The client's own JSON serializer silently drops unknown fields and bad enum
 * names, so a typo would reach Google as a missing setting; this check makes it an error.
 * Hand-written because protobufjs' `verify` and `fromObject` ignore unknown keys.
 */
import { createRequire } from 'node:module';
import protobuf from 'protobufjs';

let root: protobuf.Root | undefined;

/** The Batch protos' root (google.cloud.batch.v1.*), loaded once. */
export function batchProtoRoot(): protobuf.Root {
  if (!root) {
    const require = createRequire(import.meta.url);
    root = protobuf.Root.fromJSON(require('@google-cloud/batch/build/protos/protos.json') as protobuf.INamespace);
    root.resolveAll();
  }
  return root;
}

const INT32 = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const INT64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const FLOAT = new Set(['double', 'float']);

function checkScalar(type: string, v: unknown, at: string, out: string[]): void {
  const bad = (want: string) => out.push(`${at}: expected ${want} (${type}), got ${JSON.stringify(v)}`);
  if (type === 'string') {
    if (typeof v !== 'string') bad('a string');
  } else if (type === 'bool') {
    if (typeof v !== 'boolean') bad('a boolean');
  } else if (INT32.has(type)) {
    if (!(typeof v === 'number' && Number.isInteger(v)) || (type.startsWith('u') && v < 0)) bad('an integer');
  } else if (INT64.has(type)) {
    if (!((typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^-?\d+$/.test(v)))) bad('an integer or a decimal string');
  } else if (FLOAT.has(type)) {
    if (typeof v !== 'number') bad('a number');
  } else if (type === 'bytes') {
    if (typeof v !== 'string') bad('base64 text');
  } else out.push(`${at}: unknown scalar type ${type}`);
}

function checkValue(field: protobuf.Field, v: unknown, at: string, out: string[]): void {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Enum) {
    if (typeof v === 'string' ? !(v in rt.values) : !(typeof v === 'number' && Object.values(rt.values).includes(v))) {
      out.push(`${at}: ${JSON.stringify(v)} is not a ${rt.name} (valid: ${Object.keys(rt.values).join(', ')})`);
    }
  } else if (rt instanceof protobuf.Type) {
    checkMessage(rt, v, at, out);
  } else checkScalar(field.type, v, at, out);
}

/** Well-known types with a JSON form of their own. */
function checkWellKnown(type: protobuf.Type, v: unknown, at: string, out: string[]): boolean {
  const name = type.fullName.replace(/^\./, '');
  if (name === 'google.protobuf.Duration') {
    if (typeof v !== 'string' || !/^-?\d+(\.\d{1,9})?s$/.test(v)) out.push(`${at}: expected a duration such as "3600s", got ${JSON.stringify(v)}`);
    return true;
  }
  if (name === 'google.protobuf.Timestamp') {
    if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) out.push(`${at}: expected an RFC 3339 timestamp, got ${JSON.stringify(v)}`);
    return true;
  }
  return false;
}

function checkMessage(type: protobuf.Type, v: unknown, at: string, out: string[]): void {
  if (checkWellKnown(type, v, at, out)) return;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    out.push(`${at}: expected an object (${type.name}), got ${JSON.stringify(v)}`);
    return;
  }
  const oneofSeen = new Map<string, string>();
  for (const [key, value] of Object.entries(v)) {
    const here = at ? `${at}.${key}` : key;
    const field = type.fields[key];
    if (!field) {
      out.push(`${here}: no such field in ${type.fullName.replace(/^\./, '')} (fields: ${Object.keys(type.fields).join(', ')})`);
      continue;
    }
    if (field.partOf) {
      const prev = oneofSeen.get(field.partOf.name);
      if (prev) out.push(`${here}: oneof ${field.partOf.name} already set by ${prev}`);
      oneofSeen.set(field.partOf.name, key);
    }
    if (field instanceof protobuf.MapField) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        out.push(`${here}: expected a map (object), got ${JSON.stringify(value)}`);
        continue;
      }
      for (const [k, x] of Object.entries(value)) checkValue(field, x, `${here}[${JSON.stringify(k)}]`, out);
    } else if (field.repeated) {
      if (!Array.isArray(value)) {
        out.push(`${here}: expected a list, got ${JSON.stringify(value)}`);
        continue;
      }
      value.forEach((x, n) => checkValue(field, x, `${here}[${n}]`, out));
    } else checkValue(field, value, here, out);
  }
}

/** Problems of `value` as a message of `typeName` (e.g. google.cloud.batch.v1.Job); empty when valid. */
export function protoProblems(typeName: string, value: unknown): string[] {
  const out: string[] = [];
  checkMessage(batchProtoRoot().lookupType(typeName), value, '', out);
  return out;
}
