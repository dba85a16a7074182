/**
 * JSON to UTF-8 bytes, for upstream request bodies (often 100 kB and more: a coding agent
 * resends its whole conversation on every call).
 *
 * Why by hand: a body with any character above U+00FF (a dash, ✓, an emoji) is a two-byte
 * string in V8, and Buffer.from() encodes such strings to UTF-8 at about half the speed of
 * TextEncoder.encodeInto (simdutf); measured on a 126 kB Claude Code request.
 */
const encoder = new TextEncoder();
let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * `JSON.stringify` to UTF-8 bytes. TextEncoder.encodeInto (simdutf) into a reused buffer, then
 * one copy of the exact length: about twice as fast as Buffer.from(string) on large bodies.
 * Throws what JSON.stringify throws (a cycle, a BigInt, a RangeError for deep nesting).
 */
export function stringifyJsonBytes(value: unknown): Buffer {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('stringifyJsonBytes: the value has no JSON form');
  return utf8Bytes(text);
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
