/**
 * Edits the top-level members of a JSON object given as UTF-8 bytes, copying every other byte
 * as it came: the pass-through path's way to swap `model` (and add `stream_options`) without
 * re-serialising a client body that is often 100 kB and more.
 *
 * Why by hand: JSON libraries parse to values and serialise them back (that round trip is the
 * cost this avoids: a quarter of the proxy's CPU on a 126 kB pass-through, bench/PROFILE.md);
 * none edits a member in place. The scanner only finds where the top-level members begin and
 * end (string-, escape- and nesting-aware); it is not a validator — callers hand it bytes that
 * JSON.parse has already accepted, and anything it does not expect makes it decline (null), so
 * the caller falls back to parse → edit → stringify.
 */
import { isUtf8 } from 'node:buffer';

/** What to change at the top level: keys to set (a JSON-serialisable value) and keys to remove. */
export interface TopLevelEdits {
  /** Each key's every top-level occurrence gets this value; a key not present is appended. `undefined` removes it. */
  readonly set?: Readonly<Record<string, unknown>>;
  /** Top-level keys removed with every occurrence (before `set` applies). */
  readonly remove?: readonly string[];
}

/**
 * Deeper bodies are declined (the caller's fallback then applies its own limits: JSON.stringify
 * throws a RangeError on bodies nested deeper than the stack allows, which the proxy answers
 * with a 400). Real requests nest a few dozen levels (tool schemas).
 */
export const MAX_SPLICE_DEPTH = 512;

export const QUOTE = 0x22;
const BACKSLASH = 0x5c;
export const COLON = 0x3a;
export const COMMA = 0x2c;
export const OPEN_OBJECT = 0x7b;
export const CLOSE_OBJECT = 0x7d;
export const OPEN_ARRAY = 0x5b;
export const CLOSE_ARRAY = 0x5d;
const COMMA_BYTES = Buffer.from(',');

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

export function skipWhitespace(bytes: Buffer, i: number): number {
  while (i < bytes.length && isWhitespace(bytes[i]!)) i++;
  return i;
}

/** Strings longer than this are searched with Buffer.indexOf (memchr) instead of a byte loop. */
const SHORT_STRING = 24;

/** Index just past the string whose opening quote is at `start`, or -1 if it never closes. */
export function endOfString(bytes: Buffer, start: number): number {
  const n = bytes.length;
  // UTF-8 continuation and lead bytes are all ≥ 0x80: a quote or backslash byte is always that character.
  const inline = Math.min(n, start + 1 + SHORT_STRING);
  let i = start + 1;
  for (; i < inline; i++) {
    const c = bytes[i]!;
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) i++;
  }
  // A long string (most of a coding agent's body: prompts, file contents): jump from quote to
  // quote natively; a quote preceded by an odd run of backslashes is escaped.
  for (;;) {
    const quote = bytes.indexOf(QUOTE, i);
    if (quote < 0) return -1;
    let backslashes = 0;
    while (quote - backslashes - 1 >= start + 1 && bytes[quote - backslashes - 1] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    i = quote + 1;
  }
}

/**
 * Index just past the value that starts at `start` (at depth `depth` ≥ 1), or -1 to decline.
 * It finds the extent only (also for util/json-segments.ts, which parses what it finds).
 */
export function endOfValue(bytes: Buffer, start: number, depth: number): number {
  const n = bytes.length;
  const first = bytes[start];
  if (first === QUOTE) return endOfString(bytes, start);
  if (first !== OPEN_OBJECT && first !== OPEN_ARRAY) {
    // A number or a literal: it runs to the next separator.
    let i = start;
    while (i < n) {
      const c = bytes[i]!;
      if (c === COMMA || c === CLOSE_OBJECT || c === CLOSE_ARRAY || isWhitespace(c)) break;
      i++;
    }
    return i > start ? i : -1;
  }
  let level = 0;
  for (let i = start; i < n; i++) {
    const c = bytes[i]!;
    if (c === QUOTE) {
      const end = endOfString(bytes, i);
      if (end < 0) return -1;
      i = end - 1;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (depth + ++level > MAX_SPLICE_DEPTH) return -1;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (--level === 0) return i + 1;
    }
  }
  return -1;
}

interface Member {
  /** The key's opening quote. */
  keyStart: number;
  valueStart: number;
  /** Just past the value. */
  valueEnd: number;
  key: string;
}

/** The key of a member, decoded (escapes such as `"mod\u0065l"` included). */
function decodeKey(buf: Buffer, start: number, end: number): string | undefined {
  let escaped = false;
  for (let i = start + 1; i < end - 1 && !escaped; i++) escaped = buf[i] === BACKSLASH;
  if (!escaped) return buf.toString('utf8', start + 1, end - 1);
  try {
    const key: unknown = JSON.parse(buf.toString('utf8', start, end));
    return typeof key === 'string' ? key : undefined;
  } catch {
    return undefined;
  }
}

/** The top-level members and the closing brace of an object, or null to decline. */
function scanTopLevel(bytes: Buffer): { open: number; close: number; members: Member[] } | null {
  const n = bytes.length;
  let i = skipWhitespace(bytes, 0);
  if (bytes[i] !== OPEN_OBJECT) return null;
  const open = i;
  const members: Member[] = [];
  i = skipWhitespace(bytes, i + 1);
  if (bytes[i] === CLOSE_OBJECT) return skipWhitespace(bytes, i + 1) === n ? { open, close: i, members } : null;
  for (;;) {
    if (bytes[i] !== QUOTE) return null;
    const keyStart = i;
    const keyEnd = endOfString(bytes, i);
    if (keyEnd < 0) return null;
    const key = decodeKey(bytes, keyStart, keyEnd);
    if (key === undefined) return null;
    i = skipWhitespace(bytes, keyEnd);
    if (bytes[i] !== COLON) return null;
    const valueStart = skipWhitespace(bytes, i + 1);
    const valueEnd = endOfValue(bytes, valueStart, 1);
    if (valueEnd < 0) return null;
    members.push({ keyStart, valueStart, valueEnd, key });
    i = skipWhitespace(bytes, valueEnd);
    if (bytes[i] === COMMA) {
      i = skipWhitespace(bytes, i + 1);
      continue;
    }
    if (bytes[i] !== CLOSE_OBJECT) return null;
    return skipWhitespace(bytes, i + 1) === n ? { open, close: i, members } : null;
  }
}

/**
 * The bytes of `JSON.parse(bytes)` with `edits` applied at the top level, every member not
 * edited copied byte for byte (numbers keep their digits, strings their escapes). Returns null
 * when it declines: bytes that are not valid UTF-8 (JSON.parse of their decoded text saw U+FFFD,
 * not these bytes), not a single JSON object, or nested deeper than MAX_SPLICE_DEPTH.
 *
 * Parsing the result gives what parsing the input and editing the object gives (the property
 * test in test/util/json-splice.test.ts checks it on generated bodies): a key set or removed
 * is set or removed in every top-level occurrence, so a duplicate key cannot smuggle the old
 * value past a parser that keeps the first one.
 */
export function spliceTopLevel(bytes: Uint8Array, edits: TopLevelEdits): Buffer | null {
  if (!isUtf8(bytes)) return null;
  const source = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const scanned = scanTopLevel(source);
  if (!scanned) return null;
  // Removals first, then values set: a key in both ends up set.
  const set = new Map<string, Buffer | undefined>();
  for (const key of edits.remove ?? []) set.set(key, undefined);
  for (const [key, value] of Object.entries(edits.set ?? {})) {
    const text = value === undefined ? undefined : JSON.stringify(value);
    set.set(key, text === undefined ? undefined : Buffer.from(text));
  }
  // Copy the source in runs, cutting only the edited spans: the whitespace and separators a
  // client wrote between members stay as they were.
  const parts: Uint8Array[] = [];
  const { members, close } = scanned;
  const seen = new Set<string>();
  let cursor = 0;
  /** End of the last member kept (its value's end), -1 while none is. */
  let lastKeptEnd = -1;
  for (let j = 0; j < members.length; j++) {
    const m = members[j]!;
    if (!set.has(m.key)) {
      lastKeptEnd = m.valueEnd;
      continue;
    }
    seen.add(m.key);
    const value = set.get(m.key);
    if (value) {
      parts.push(source.subarray(cursor, m.valueStart), value);
      cursor = lastKeptEnd = m.valueEnd;
    } else if (lastKeptEnd >= 0) {
      // Removed after a kept member: cut from that member's end (its comma onwards).
      parts.push(source.subarray(cursor, lastKeptEnd));
      cursor = m.valueEnd;
    } else {
      // Removed before any kept member: cut up to the next member's key (or the brace).
      parts.push(source.subarray(cursor, m.keyStart));
      cursor = members[j + 1]?.keyStart ?? close;
    }
  }
  const appended: Uint8Array[] = [];
  for (const [key, value] of set) {
    if (seen.has(key) || value === undefined) continue;
    if (lastKeptEnd >= 0 || appended.length > 0) appended.push(COMMA_BYTES);
    appended.push(Buffer.from(`${JSON.stringify(key)}:`), value);
  }
  if (appended.length > 0) {
    const at = Math.max(cursor, lastKeptEnd >= 0 ? lastKeptEnd : close);
    parts.push(source.subarray(cursor, at), ...appended);
    cursor = at;
  }
  parts.push(source.subarray(cursor));
  return Buffer.concat(parts);
}
