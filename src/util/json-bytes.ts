/**
 * JSON to UTF-8 bytes, for upstream request bodies (often 100 kB and more: a coding agent
 * resends its whole conversation on every call).
 *
 * Why by hand: a body with any character above U+00FF (a dash, ✓, an emoji) is a two-byte
 * string in V8, and Buffer.from() encodes such strings to UTF-8 at about half the speed of
 * TextEncoder.encodeInto (simdutf); measured on a 126 kB Claude Code request.
 *
 * Values reused from call to call (a coding agent's ≈60 kB of tool definitions, translated once
 * and cached: see canonical/repeats.ts) can be kept as bytes with `keepJsonBytes`: where such a
 * value is a top-level property of a body, its bytes are copied in instead of serialised again.
 * JSON.stringify has no way to take pre-serialised JSON (JSON.rawJSON is Node ≥ 21), so the body
 * is serialised with a placeholder string in its place, and the bytes are spliced in there.
 */
import { randomUUID } from 'node:crypto';
import { deepFreeze } from './json-values.ts';

const encoder = new TextEncoder();
let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * `JSON.stringify` to UTF-8 bytes. TextEncoder.encodeInto (simdutf) into a reused buffer, then
 * one copy of the exact length: about twice as fast as Buffer.from(string) on large bodies.
 * Throws what JSON.stringify throws (a cycle, a BigInt, a RangeError for deep nesting).
 */
export function stringifyJsonBytes(value: unknown): Buffer {
  const kept = typeof value === 'object' && value !== null && !Array.isArray(value) ? keptProperties(value as Record<string, unknown>) : undefined;
  if (kept) return withKeptBytes(value as Record<string, unknown>, kept);
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('stringifyJsonBytes: the value has no JSON form');
  return utf8Bytes(text);
}

/** The serialised bytes of values registered with keepJsonBytes (held as long as the value is). */
const keptBytes = new WeakMap<object, Buffer>();

/**
 * Serialises `value` once and keeps its bytes: stringifyJsonBytes copies them wherever `value`
 * is a top-level property of what it serialises. `value` is frozen (deeply): its bytes must
 * stay what it serialises to. Returns `value`.
 */
export function keepJsonBytes<T extends object>(value: T): T {
  if (!keptBytes.has(value)) {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError('keepJsonBytes: the value has no JSON form');
    keptBytes.set(deepFreeze(value), Buffer.from(text));
  }
  return value;
}

/** Keys of `body` whose values have kept bytes, or undefined when none has (the common case: one WeakMap probe per key). */
function keptProperties(body: Record<string, unknown>): string[] | undefined {
  let keys: string[] | undefined;
  for (const key in body) {
    const v = body[key];
    if (typeof v === 'object' && v !== null && keptBytes.has(v)) (keys ??= []).push(key);
  }
  return keys;
}

/**
 * Placeholders are strings no client can send: a random id of this process. JSON.stringify
 * writes one as `"<placeholder>"` where the kept value would have been, and nothing else in
 * the body can serialise to those bytes (a quote inside a string is always escaped).
 */
const PLACEHOLDER = `agentab-kept-json:${randomUUID()}:`;

function withKeptBytes(body: Record<string, unknown>, keys: readonly string[]): Buffer {
  const stand: Record<string, unknown> = { ...body };
  for (let i = 0; i < keys.length; i++) stand[keys[i]!] = `${PLACEHOLDER}${i}`;
  const text = JSON.stringify(stand);
  // The placeholders appear in key order, each once; the text between them is encoded and the kept bytes copied.
  const pieces: Array<string | Buffer> = [];
  let from = 0;
  for (let i = 0; i < keys.length; i++) {
    const mark = `"${PLACEHOLDER}${i}"`;
    const at = text.indexOf(mark, from);
    if (at < 0) return utf8Bytes(JSON.stringify(body)); // a key JSON.stringify skipped (cannot happen for objects)
    pieces.push(text.slice(from, at), keptBytes.get(body[keys[i]!] as object)!);
    from = at + mark.length;
  }
  pieces.push(text.slice(from));
  let size = 0;
  for (const p of pieces) size += typeof p === 'string' ? p.length * 3 : p.length;
  if (scratch.length < size) scratch = Buffer.allocUnsafe(size);
  let written = 0;
  for (const p of pieces) {
    if (typeof p === 'string') written += encoder.encodeInto(p, written === 0 ? scratch : scratch.subarray(written)).written;
    else written += p.copy(scratch, written);
  }
  const out = Buffer.allocUnsafe(written);
  scratch.copy(out, 0, 0, written);
  if (scratch.length > 4 * 1024 * 1024) scratch = Buffer.allocUnsafe(64 * 1024);
  return out;
}

/** A string's UTF-8 bytes (see stringifyJsonBytes). */
function utf8Bytes(text: string): Buffer {
  if (text.length < 1024) return Buffer.from(text);
  if (scratch.length < text.length * 3) scratch = Buffer.allocUnsafe(text.length * 3);
  const { written } = encoder.encodeInto(text, scratch);
  const out = Buffer.allocUnsafe(written);
  scratch.copy(out, 0, 0, written);
  // Drop a scratch buffer grown for a rare huge body rather than hold it for good.
  if (scratch.length > 4 * 1024 * 1024) scratch = Buffer.allocUnsafe(64 * 1024);
  return out;
}
