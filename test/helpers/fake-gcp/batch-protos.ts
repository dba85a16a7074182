/**
 * The Batch v1 protos shipped inside @google-cloud/batch, and a strict check of proto3 JSON
 * against them: every field name must exist (JSON or proto name, as Google's JSON parser
 * accepts both) and every value must have the field's type. Google answers an unknown or
 * ill-typed field with 400 "Invalid JSON payload received" — so does the fake Batch, and a
 * test can check a job definition without a server (`checkProto3Json`).
 *
 * (proto3-json-serializer, which google-gax uses, silently drops unknown fields, so it
 * cannot serve as the check.)
 */
import { createRequire } from 'node:module';
import { protobuf, serializer } from 'google-gax';

const require = createRequire(import.meta.url);
export const batchRoot: protobuf.Root = protobuf.Root.fromJSON(require('@google-cloud/batch/build/protos/protos.json'));

export const BATCH_PACKAGE = 'google.cloud.batch.v1';
export const batchType = (name: string): protobuf.Type => batchRoot.lookupType(`${BATCH_PACKAGE}.${name}`);

const INT_TYPES = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32', 'int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const FLOAT_TYPES = new Set(['double', 'float']);
const DURATION = /^-?\d+(\.\d{1,9})?s$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function checkScalar(type: string, value: unknown, where: string, problems: string[]): void {
  const bad = (what: string) => problems.push(`Invalid value at '${where}' (${type}), ${what}`);
  if (INT_TYPES.has(type)) {
    const ok = (typeof value === 'number' && Number.isInteger(value)) || (typeof value === 'string' && /^-?\d+$/.test(value));
    if (!ok) bad(JSON.stringify(value));
    else if (type.startsWith('u') && Number(value) < 0) bad(`${JSON.stringify(value)} is negative`);
    return;
  }
  if (FLOAT_TYPES.has(type)) {
    if (typeof value !== 'number' && !(typeof value === 'string' && (value === 'NaN' || value === 'Infinity' || value === '-Infinity' || Number.isFinite(Number(value))))) bad(JSON.stringify(value));
    return;
  }
  if (type === 'bool') {
    if (typeof value !== 'boolean') bad(JSON.stringify(value));
    return;
  }
  if (type === 'string' || type === 'bytes') {
    if (typeof value !== 'string') bad(JSON.stringify(value));
    return;
  }
  bad(`unknown scalar type ${type}`);
}

function checkValue(field: protobuf.Field, value: unknown, where: string, problems: string[]): void {
  if (value === null) return; // proto3 JSON: null means the default
  field.resolve();
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Enum) {
    const ok = (typeof value === 'string' && value in rt.values) || (typeof value === 'number' && Object.values(rt.values).includes(value));
    if (!ok) problems.push(`Invalid value at '${where}' (type.googleapis.com/${rt.fullName.slice(1)}), ${JSON.stringify(value)} (valid: ${Object.keys(rt.values).join(', ')})`);
    return;
  }
  if (rt instanceof protobuf.Type) {
    const full = rt.fullName.slice(1);
    if (full === 'google.protobuf.Duration') {
      if (typeof value !== 'string' || !DURATION.test(value)) problems.push(`Invalid value at '${where}' (type.googleapis.com/google.protobuf.Duration), ${JSON.stringify(value)} (a duration is a string such as "3600s")`);
      return;
    }
    if (full === 'google.protobuf.Timestamp') {
      if (typeof value !== 'string' || !TIMESTAMP.test(value)) problems.push(`Invalid value at '${where}' (type.googleapis.com/google.protobuf.Timestamp), ${JSON.stringify(value)}`);
      return;
    }
    if (full.startsWith('google.protobuf.')) return; // Struct, Any, wrappers: not used by Batch jobs
    checkMessage(rt, value, where, problems);
    return;
  }
  checkScalar(field.type, value, where, problems);
}

function checkMessage(type: protobuf.Type, json: unknown, where: string, problems: string[]): void {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    problems.push(`Invalid value at '${where}' (type.googleapis.com/${type.fullName.slice(1)}), expected an object, got ${JSON.stringify(json)}`);
    return;
  }
  const oneofsSeen = new Map<string, string>();
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    const field = type.fields[key] ?? Object.values(type.fields).find((f) => f.name === key || snake(f.name) === key);
    if (!field) {
      problems.push(`Invalid JSON payload received. Unknown name "${key}" at '${where}': Cannot find field.`);
      continue;
    }
    const at = `${where}.${snake(field.name)}`;
    if (field.partOf && value !== null) {
      const other = oneofsSeen.get(field.partOf.name);
      if (other) problems.push(`Invalid value at '${where}': oneof field '${snake(field.partOf.name)}' is already set (${other}); cannot set ${snake(field.name)}`);
      oneofsSeen.set(field.partOf.name, snake(field.name));
    }
    if (field instanceof protobuf.MapField) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        problems.push(`Invalid value at '${at}' (map<${field.keyType}, ${field.type}>), expected an object`);
        continue;
      }
      for (const [k, v] of Object.entries(value)) checkValue(field, v, `${at}[${JSON.stringify(k)}]`, problems);
    } else if (field.repeated) {
      if (!Array.isArray(value)) {
        if (value !== null) problems.push(`Invalid value at '${at}' (repeated ${field.type}), expected an array`);
        continue;
      }
      value.forEach((v, i) => checkValue(field, v, `${at}[${i}]`, problems));
    } else {
      checkValue(field, value, at, problems);
    }
  }
}

/**
 * Problems of `json` as the proto3 JSON of message `typeName` (e.g. "Job"), in Google's
 * wording; empty when valid. `root` names the top of the paths ('job').
 */
export function checkProto3Json(typeName: string, json: unknown, root = snake(typeName).replace(/^_/, '')): string[] {
  const problems: string[] = [];
  checkMessage(batchType(typeName), json, root, problems);
  return problems;
}

/** Re-encodes a Batch message's JSON as the server would send it (string or numeric enums). */
export function encodeForWire(typeName: string, json: unknown, numericEnums: boolean): unknown {
  const type = batchType(typeName);
  const message = serializer.fromProto3JSON(type, json as never);
  if (!message) throw new Error(`cannot encode ${typeName}`);
  return serializer.toProto3JSON(message as never, { numericEnums });
}

/** Decodes a Batch message's JSON to proto3 JSON with enum names (what the fake keeps). */
export function normalize<T>(typeName: string, json: unknown): T {
  return encodeForWire(typeName, json, false) as T;
}
