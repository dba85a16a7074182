/**
 * Parsing a large JSON request body while reusing what earlier bodies' identical parts parsed to.
 *
 * A coding agent resends its whole conversation on every call: Claude Code's 126 kB request
 * a few turns into a session is the same system prompt, the same 24 tool definitions and the
 * same earlier turns as the previous request, plus one new turn. JSON.parse of the whole body
 * was the largest single cost of the proxy's own time (≈ 0.5–0.7 ms of it; bench/PROFILE.md,
 * fifth pass). Here a body that is a JSON object is cut into segments — each top-level
 * member's value, and each element of a top-level array (a message, a tool, a system block)
 * — and a segment whose bytes equal those of a segment kept from a recent body at the same
 * place (same key, same index) gets that body's parsed value back without being parsed or
 * even scanned: one memcmp. Only new segments are scanned to their end and parsed.
 *
 * Why by hand: no JSON library parses by segments with reuse, and the hot path is the place
 * the brief allows hand-written code. Correctness rests on three points, each tested in
 * test/util/json-segments.test.ts against JSON.parse on generated and broken bodies:
 * - A kept segment is a complete JSON object or array (it parsed), so bytes equal to it at
 *   the start of a value are exactly that value (an object or array ends at its own bracket).
 * - Every new segment goes through JSON.parse, and the bytes between segments (keys, `:`,
 *   `,`, brackets, whitespace) are checked here; anything unexpected — a syntax error, a key
 *   `__proto__` (an own property for JSON.parse, the prototype for an assignment) — makes
 *   the caller parse the whole body the plain way, so errors read as JSON.parse's.
 * - Kept values are deeply frozen, as they are handed to every request that resends them
 *   (`isReusedJson` tells the ones that came from here: code that derives something from a
 *   request part may keep it per identity). The top-level object and arrays are new per body.
 *
 * Memory is bounded: at most `maxBytes` of kept segment bytes (their parsed values take about
 * twice that, and what decoders and encoders derive from them is held weakly by them, so it goes
 * when they go), the least recently used dropped first, and at most `ways` variants per place.
 * A value's extent is found by the byte scanner of util/json-splice.ts.
 */
import { isAscii } from 'node:buffer';
import { deepFreeze } from './json-values.ts';
import { CLOSE_ARRAY, CLOSE_OBJECT, COLON, COMMA, endOfString, endOfValue, OPEN_ARRAY, OPEN_OBJECT, QUOTE, skipWhitespace } from './json-splice.ts';

/** Segments shorter than this are parsed every time (a memcmp and a map lookup cost about as much). */
const MIN_KEPT_BYTES = 128;

/** Distinct top-level keys that get places (a Messages, Chat or Gemini body has a dozen or two). */
const MAX_KEYS = 256;

interface Kept {
  readonly bytes: Buffer;
  readonly value: unknown;
  /** The list of its place, to drop it from when evicted. */
  readonly ways: Kept[];
}

/** The kept segments of one top-level key: its value's, and its array elements' by index. */
interface KeyPlaces {
  value: Kept[];
  elements: Kept[][];
}

/** Values handed out by a SegmentCache (frozen; the same object for every body that resends the same bytes). */
const reused = new WeakSet<object>();

/** Whether `value` is a kept segment's parsed value (frozen, and shared by every request that sent the same bytes). */
export function isReusedJson(value: object): boolean {
  return reused.has(value);
}

/** The body is not one this parser takes apart (or not valid JSON): parse it the plain way. */
class NotSegmentable extends Error {}
const NOT_SEGMENTABLE = new NotSegmentable();

export class SegmentCache {
  private readonly places = new Map<string, KeyPlaces>();
  /** Every kept segment, least recently used first (a Set keeps insertion order; a hit re-inserts). */
  private readonly recency = new Set<Kept>();
  private keptBytes = 0;

  constructor(
    /** Bound on the bytes of all kept segments. */
    private readonly maxBytes = 16 * 1024 * 1024,
    /** Variants kept per place (several agent sessions through one proxy each have their own turn at an index). */
    private readonly ways = 8,
  ) {}

  /** Bytes of the segments kept now (for tests and metrics). */
  get size(): number {
    return this.keptBytes;
  }

  /**
   * The value of `bytes` (valid UTF-8 JSON text of an object) with reused segments, or
   * undefined when the body should be parsed the plain way (not an object, or not valid JSON).
   * `decode` turns one segment's bytes into its value (JSON.parse of its text).
   */
  parse(bytes: Buffer, decode: (segment: Buffer) => unknown): Record<string, unknown> | undefined {
    try {
      return this.parseObject(bytes, decode);
    } catch (e) {
      if (e === NOT_SEGMENTABLE || e instanceof SyntaxError) return undefined;
      throw e;
    }
  }

  private parseObject(bytes: Buffer, decode: (segment: Buffer) => unknown): Record<string, unknown> {
    const n = bytes.length;
    let i = skipWhitespace(bytes, 0);
    if (bytes[i] !== OPEN_OBJECT) throw NOT_SEGMENTABLE;
    const out: Record<string, unknown> = {};
    i = skipWhitespace(bytes, i + 1);
    if (bytes[i] === CLOSE_OBJECT) i++;
    else {
      for (;;) {
        if (bytes[i] !== QUOTE) throw NOT_SEGMENTABLE;
        const keyEnd = endOfString(bytes, i);
        if (keyEnd < 0) throw NOT_SEGMENTABLE;
        // JSON.parse of the key: it also refuses what a key cannot hold (a raw control character).
        const key = JSON.parse(bytes.toString(isAscii(bytes.subarray(i, keyEnd)) ? 'latin1' : 'utf8', i, keyEnd)) as string;
        if (key === '__proto__') throw NOT_SEGMENTABLE;
        i = skipWhitespace(bytes, keyEnd);
        if (bytes[i] !== COLON) throw NOT_SEGMENTABLE;
        i = skipWhitespace(bytes, i + 1);
        const places = this.places.get(key);
        if (bytes[i] === OPEN_ARRAY) {
          const elements: unknown[] = [];
          i = skipWhitespace(bytes, i + 1);
          if (bytes[i] === CLOSE_ARRAY) i++;
          else {
            for (let index = 0; ; index++) {
              const end = this.segment(bytes, i, 2, key, index, places?.elements[index], decode, elements);
              i = skipWhitespace(bytes, end);
              if (bytes[i] === COMMA) i = skipWhitespace(bytes, i + 1);
              else if (bytes[i] === CLOSE_ARRAY) {
                i++;
                break;
              } else throw NOT_SEGMENTABLE;
            }
          }
          out[key] = elements;
        } else {
          const holder: unknown[] = [];
          i = this.segment(bytes, i, 1, key, -1, places?.value, decode, holder);
          out[key] = holder[0];
        }
        i = skipWhitespace(bytes, i);
        if (bytes[i] === COMMA) i = skipWhitespace(bytes, i + 1);
        else if (bytes[i] === CLOSE_OBJECT) {
          i++;
          break;
        } else throw NOT_SEGMENTABLE;
      }
    }
    if (skipWhitespace(bytes, i) !== n) throw NOT_SEGMENTABLE;
    return out;
  }

  /**
   * The value starting at `at` (the value of top-level `key`, or its element `index`; -1 for
   * the value itself), pushed onto `into`; returns the index after it. `ways` are the segments
   * kept for that place; `depth` is the value's nesting depth (util/json-splice.ts finds its extent).
   */
  private segment(bytes: Buffer, at: number, depth: number, key: string, index: number, ways: Kept[] | undefined, decode: (segment: Buffer) => unknown, into: unknown[]): number {
    for (let w = 0; ways !== undefined && w < ways.length; w++) {
      const kept = ways[w]!;
      const end = at + kept.bytes.length;
      if (end <= bytes.length && kept.bytes.compare(bytes, at, end) === 0) {
        this.recency.delete(kept);
        this.recency.add(kept);
        into.push(kept.value);
        return end;
      }
    }
    const end = endOfValue(bytes, at, depth);
    if (end < 0) throw NOT_SEGMENTABLE;
    const value = decode(bytes.subarray(at, end));
    const first = bytes[at];
    if (end - at >= MIN_KEPT_BYTES && (first === OPEN_OBJECT || first === OPEN_ARRAY) && end - at <= this.maxBytes / 4) {
      const place = this.placeOf(key, index);
      if (place) this.keep(Buffer.from(bytes.subarray(at, end)), value as object, place);
    }
    into.push(value);
    return end;
  }

  /** The kept segments' list of a place, made on first use; undefined past MAX_KEYS keys (a client's keys are not trusted to be few). */
  private placeOf(key: string, index: number): Kept[] | undefined {
    let places = this.places.get(key);
    if (!places) {
      if (this.places.size >= MAX_KEYS) return undefined;
      places = { value: [], elements: [] };
      this.places.set(key, places);
    }
    if (index < 0) return places.value;
    return (places.elements[index] ??= []);
  }

  private keep(bytes: Buffer, value: object, ways: Kept[]): void {
    const kept: Kept = { bytes, value: deepFreeze(value), ways };
    reused.add(value);
    ways.unshift(kept);
    this.recency.add(kept);
    this.keptBytes += bytes.length;
    if (ways.length > this.ways) this.drop(ways[ways.length - 1]!);
    for (const oldest of this.recency) {
      if (this.keptBytes <= this.maxBytes) break;
      this.drop(oldest);
    }
  }

  private drop(kept: Kept): void {
    this.recency.delete(kept);
    const at = kept.ways.indexOf(kept);
    if (at >= 0) kept.ways.splice(at, 1);
    this.keptBytes -= kept.bytes.length;
  }
}
