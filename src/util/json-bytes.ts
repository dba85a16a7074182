/**
 * JSON to UTF-8 bytes, for upstream request bodies (often 100 kB and more: a coding agent
 * resends its whole conversation on every call).
 *
 * Why by hand: a body with any character above U+00FF (a dash, ✓, an emoji) is a two-byte
 * string in V8, and Buffer.from() encodes such strings to UTF-8 at about half the speed of
 * TextEncoder.encodeInto (simdutf); measured on a 126 kB Claude Code request.
 *
 * Values reused from call to call (a coding agent's ≈60 kB of tool definitions, translated once
 * and cached, and the conversation's earlier messages: see canonical/repeats.ts) can be kept as
 * bytes with `keepJsonBytes`: where such a value is a top-level property of a body, or an element
 * of a top-level array (`messages`, `contents`), its bytes are copied in instead of serialised again.
 * JSON.stringify has no way to take pre-serialised JSON (JSON.rawJSON is Node ≥ 21), so the body
 * is serialised with a placeholder string in its place, and the bytes are spliced in there.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { deepFreeze } from './json-values.ts';
import { SegmentCache } from './json-segments.ts';

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
 * is a top-level property of what it serialises, or an element of a top-level array. `value` is frozen (deeply): its bytes must
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

/**
 * Keys of `body` whose values have kept bytes, or are arrays with elements that have (a
 * conversation's messages), or undefined when none has (the common case: a WeakMap probe
 * per key and per element of a top-level array).
 */
function keptProperties(body: Record<string, unknown>): string[] | undefined {
  let keys: string[] | undefined;
  for (const key in body) {
    const v = body[key];
    if (typeof v === 'object' && v !== null && (keptBytes.has(v) || (Array.isArray(v) && hasKeptElement(v)))) (keys ??= []).push(key);
  }
  return keys;
}

function hasKeptElement(values: readonly unknown[]): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'object' && v !== null && keptBytes.has(v)) return true;
  }
  return false;
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
    pieces.push(text.slice(from, at));
    const value = body[keys[i]!] as object;
    const kept = keptBytes.get(value);
    if (kept) pieces.push(kept);
    else arrayPieces(value as readonly unknown[], pieces);
    from = at + mark.length;
  }
  pieces.push(text.slice(from));
  // Exact size first, so the pieces go straight into the body's own buffer: most of it is kept
  // bytes (one memcpy each), and a copy through a scratch buffer was a second pass over ≈137 kB.
  let size = 0;
  for (const p of pieces) size += typeof p === 'string' ? Buffer.byteLength(p, 'utf8') : p.length;
  const out = Buffer.allocUnsafe(size);
  let written = 0;
  for (const p of pieces) {
    if (typeof p === 'string') written += encoder.encodeInto(p, written === 0 ? out : out.subarray(written)).written;
    else written += p.copy(out, written);
  }
  return out;
}

/**
 * An array as JSON.stringify writes it, in pieces: kept elements as their bytes, the others
 * serialised (runs of them in one call). An element with no JSON form (undefined, a function)
 * is `null` inside an array, as JSON.stringify writes it.
 */
function arrayPieces(values: readonly unknown[], pieces: Array<string | Buffer>): void {
  let text = '[';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) text += ',';
    const v = values[i];
    const kept = typeof v === 'object' && v !== null ? keptBytes.get(v) : undefined;
    if (kept) {
      pieces.push(text, kept);
      text = '';
    } else text += JSON.stringify(v) ?? 'null';
  }
  pieces.push(`${text}]`);
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

/** Below this size a body is decoded and parsed the plain way (the escaping pays off on large bodies). */
const ESCAPE_MIN_BYTES = 4096;
/** Blocks checked for non-ASCII bytes at once (buffer.isAscii, simdutf): only blocks with some are read byte by byte. */
const ASCII_BLOCK = 1024;
const HEX = Buffer.from('0123456789abcdef');
const BACKSLASH = 0x5c;
let textScratch = Buffer.allocUnsafe(64 * 1024);

/**
 * `JSON.parse` of UTF-8 bytes: the same value, or the same error, as
 * `JSON.parse(bytes.toString('utf8'))`.
 *
 * Why by hand: a request body with a handful of non-ASCII characters (Claude Code's: 264 in
 * 126 kB, dashes and ✓) decodes to a two-byte string, and V8 decodes UTF-8 at ≈ 250 MB/s
 * (≈ 0.5 ms for that body) and parses two-byte text slower than one-byte text. Instead, valid
 * UTF-8 is turned into ASCII JSON text in which every non-ASCII character is a `\uXXXX` escape
 * (a valid JSON text holds non-ASCII characters only inside strings, where the escape means the
 * same character); a latin1 decode makes that a one-byte string at memcpy speed. Bytes that are
 * not valid UTF-8 (toString replaces them with U+FFFD), and a backslash right before a non-ASCII
 * character (an invalid escape the `\uXXXX` would turn valid), go the plain way.
 * test/util/json-bytes.test.ts compares both ways on generated and mutated bodies.
 *
 * A body of 16 kB or more that is an object is parsed by segments (json-segments.ts): its
 * top-level values and the elements of its top-level arrays that are byte for byte those of a
 * recent body come back as that body's values, deeply frozen and shared (`isReusedJson`); the
 * top-level object and arrays are always new. Callers must not change what they get inside.
 */
export function parseJsonBytes(bytes: Buffer): unknown {
  if (bytes.length < ESCAPE_MIN_BYTES) return JSON.parse(bytes.toString('utf8'));
  // Large bodies resend most of the previous one: its parts that are byte for byte the same come back parsed (json-segments.ts).
  if (bytes.length >= SEGMENTED_MIN_BYTES && isUtf8(bytes)) {
    const value = recentSegments.parse(bytes, parseJsonText);
    if (value !== undefined) return value;
  }
  return parseJsonText(bytes);
}

/** Bodies at least this large are parsed by segments, reusing recent bodies' (a Claude Code request is 80 kB from its first call). */
const SEGMENTED_MIN_BYTES = 16 * 1024;
/** The segments of recent request bodies (bounded: see SegmentCache). */
const recentSegments = new SegmentCache();

/** JSON.parse of UTF-8 bytes through a one-byte string where that is faster (see parseJsonBytes). */
function parseJsonText(bytes: Buffer): unknown {
  if (bytes.length < ESCAPE_MIN_BYTES || isAscii(bytes)) return JSON.parse(bytes.length < ESCAPE_MIN_BYTES ? bytes.toString('utf8') : bytes.toString('latin1'));
  const text = isUtf8(bytes) ? asciiJsonText(bytes) : undefined;
  if (text === undefined) return JSON.parse(bytes.toString('utf8'));
  try {
    return JSON.parse(text);
  } catch {
    // The same verdict, with the message (and positions) of the text the client sent.
    return JSON.parse(bytes.toString('utf8'));
  }
}

/** Valid UTF-8 JSON bytes as ASCII text with `\uXXXX` for every non-ASCII character; undefined where that would change the meaning. */
function asciiJsonText(bytes: Buffer): string | undefined {
  const n = bytes.length;
  // Worst case: every 2-byte sequence becomes a 6-byte escape.
  if (textScratch.length < n * 3) textScratch = Buffer.allocUnsafe(n * 3);
  const out = textScratch;
  let written = 0;
  let copiedTo = 0;
  for (let block = 0; block < n; block += ASCII_BLOCK) {
    const end = Math.min(n, block + ASCII_BLOCK);
    if (isAscii(bytes.subarray(block, end))) continue;
    let i = Math.max(block, copiedTo);
    while (i < end) {
      const lead = bytes[i]!;
      if (lead < 0x80) {
        i++;
        continue;
      }
      if (escapedByBackslash(bytes, i)) return undefined;
      written += bytes.copy(out, written, copiedTo, i);
      // isUtf8 vouched for the sequence: lead byte, then 1–3 continuation bytes.
      let codePoint: number;
      if (lead >= 0xf0) {
        codePoint = ((lead & 0x07) << 18) | ((bytes[i + 1]! & 0x3f) << 12) | ((bytes[i + 2]! & 0x3f) << 6) | (bytes[i + 3]! & 0x3f);
        i += 4;
      } else if (lead >= 0xe0) {
        codePoint = ((lead & 0x0f) << 12) | ((bytes[i + 1]! & 0x3f) << 6) | (bytes[i + 2]! & 0x3f);
        i += 3;
      } else {
        codePoint = ((lead & 0x1f) << 6) | (bytes[i + 1]! & 0x3f);
        i += 2;
      }
      if (codePoint >= 0x10000) {
        const v = codePoint - 0x10000;
        written = writeEscape(out, written, 0xd800 + (v >> 10));
        written = writeEscape(out, written, 0xdc00 + (v & 0x3ff));
      } else written = writeEscape(out, written, codePoint);
      copiedTo = i;
    }
  }
  written += bytes.copy(out, written, copiedTo, n);
  const text = out.toString('latin1', 0, written);
  if (textScratch.length > 16 * 1024 * 1024) textScratch = Buffer.allocUnsafe(64 * 1024);
  return text;
}

/** Whether the byte at `at` follows an odd run of backslashes (the last one escapes it). */
function escapedByBackslash(bytes: Buffer, at: number): boolean {
  let run = 0;
  for (let j = at - 1; j >= 0 && bytes[j] === BACKSLASH; j--) run++;
  return run % 2 === 1;
}

function writeEscape(out: Buffer, at: number, unit: number): number {
  out[at] = BACKSLASH;
  out[at + 1] = 0x75; // u
  out[at + 2] = HEX[unit >> 12]!;
  out[at + 3] = HEX[(unit >> 8) & 0xf]!;
  out[at + 4] = HEX[(unit >> 4) & 0xf]!;
  out[at + 5] = HEX[unit & 0xf]!;
  return at + 6;
}
