/**
 * What a coding agent resends unchanged on every call, and what the proxy derives from it.
 * Claude Code sends its 24 tool definitions (≈60 kB of a 126 kB request) with every request;
 * decoding them, translating them for the upstream, serialising them and counting their
 * tokens again each time was about a third of the translated path's own CPU. A decoder looks
 * the client's value up in a RepeatCache (exact JSON equality, key order included, so a hit
 * serialises to the very same bytes); a hit hands back the same frozen canonical value, which
 * is marked shared, and the encoders and the token counter keep what they derive from a
 * shared value per identity (`derived`).
 */
import { deepFreeze, sameJson } from '../util/json-values.ts';
import { isReusedJson } from '../util/json-segments.ts';

const shared = new WeakSet<object>();

/**
 * Whether `value` is handed to every call that sent the same JSON: out of a RepeatCache, a
 * part of a request body reused by the parser (util/json-segments.ts: a message, a tool, a
 * system block), or marked with `share` (what a decoder derived from such a part). All frozen.
 */
export function isShared(value: object): boolean {
  return shared.has(value) || isReusedJson(value);
}

/** Freezes `value` deeply and marks it shared (see isShared). Returns `value`. */
export function share<T extends object>(value: T): T {
  shared.add(deepFreeze(value));
  return value;
}

/**
 * `compute(key)`, kept in `memo` when `key` is shared (so once per distinct value), computed
 * afresh otherwise (a one-off value would only fill the memo).
 */
export function derived<K extends object, V>(memo: WeakMap<K, V>, key: K, compute: (key: K) => V): V {
  return isShared(key) ? computeOnce(memo, key, compute) : compute(key);
}

/** `compute(key)` kept in `memo` for as long as `key` lives, whatever `key` is. */
export function computeOnce<K extends object, V>(memo: WeakMap<K, V>, key: K, compute: (key: K) => V): V {
  let value = memo.get(key);
  if (value === undefined) {
    value = compute(key);
    memo.set(key, value);
  }
  return value;
}

/**
 * The few most recent distinct client values of one kind (one agent session sends one tool
 * set; a run of several agents, a few), each with what it decoded to. A lookup compares the
 * new value with each kept one (most recent first) by exact JSON equality: ≈60 µs for Claude
 * Code's tools, against ≈1 ms to decode, translate, serialise and count them again.
 */
export class RepeatCache<V extends object> {
  private entries: Array<{ key: unknown; value: V }> = [];
  constructor(private readonly max = 4) {}

  /** The value decoded from JSON equal to `key`, if kept. */
  get(key: unknown): V | undefined {
    for (let i = 0; i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      if (!sameJson(entry.key, key)) continue;
      if (i > 0) {
        this.entries.splice(i, 1);
        this.entries.unshift(entry);
      }
      return entry.value;
    }
    return undefined;
  }

  /** Keeps `value` (frozen and marked shared) for JSON equal to `key`; `key` is frozen too, as it is kept. Returns `value`. */
  set(key: unknown, value: V): V {
    share(value);
    this.entries.unshift({ key: deepFreeze(key), value });
    if (this.entries.length > this.max) this.entries.length = this.max;
    return value;
  }
}
