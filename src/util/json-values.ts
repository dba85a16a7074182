/** Helpers for parsed JSON values that are kept and reused across calls (canonical/repeats.ts). */

/**
 * Equality of parsed JSON values that also holds their key order, so that two equal values
 * serialise to the same bytes. Why by hand: `util.isDeepStrictEqual` ignores key order (two
 * objects with the same keys in another order are equal to it, but not to JSON.stringify), and
 * it checks prototypes, symbols and property descriptors a parsed value never has, which makes
 * it several times slower on the 60 kB of tool definitions a coding agent resends on every call.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  for (let i = 0; i < aKeys.length; i++) {
    const key = aKeys[i]!;
    if (key !== bKeys[i] || !sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/** Freezes a value and everything in it, so a value shared across calls cannot be changed by one of them. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
