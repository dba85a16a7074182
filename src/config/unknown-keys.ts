/**
 * Finds the keys of a parsed YAML document that a lenient (non-strict) zod object schema does
 * not declare, so the loader can warn about each one at its line instead of stopping.
 * Strict objects are skipped: zod already reports their unknown keys as errors.
 */
import { z } from 'zod';

/** Key paths, e.g. `['model_list', 2, 'litellm_params', 'organization']`. */
export type KeyPath = PropertyKey[];

function unwrap(schema: unknown): unknown {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault) s = s.unwrap();
  return s;
}

function isStrict(schema: z.ZodObject): boolean {
  return schema._zod.def.catchall instanceof z.ZodNever;
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function findUnknownKeys(schema: z.ZodType, value: unknown, path: KeyPath = []): KeyPath[] {
  const s = unwrap(schema);
  const out: KeyPath[] = [];
  if (s instanceof z.ZodObject && isMap(value)) {
    if (isStrict(s)) return out;
    const shape = s.shape as Record<string, z.ZodType>;
    for (const [key, v] of Object.entries(value)) {
      const field = shape[key];
      if (field === undefined) out.push([...path, key]);
      else out.push(...findUnknownKeys(field, v, [...path, key]));
    }
  } else if (s instanceof z.ZodArray && Array.isArray(value)) {
    value.forEach((v, i) => out.push(...findUnknownKeys(s.element as z.ZodType, v, [...path, i])));
  }
  return out;
}
