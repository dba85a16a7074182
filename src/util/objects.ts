/**
 * Copies of plain objects that stay on V8's fast path. On Node 20 (V8 11.3) an object made by
 * a spread that then gets one more property — `{ ...base, key: value }`, or a spread copy
 * assigned a new key afterwards — costs ≈ 0.9–1.4 µs to build, against ≈ 30–160 ns for the same
 * object built key by key (npm run bench:object-spread). On the proxy's per-request paths that is
 * several µs per call, so they use these instead (test/architecture/object-spread.test.ts).
 */

/** `{ ...base, ...extra }` for plain objects (own enumerable keys, `extra`'s win), built key by key. */
export function withProps<T extends object, U extends object>(base: T, extra: U): Omit<T, keyof U> & U {
  const out: Record<string, unknown> = {};
  for (const key in base) out[key] = base[key];
  for (const key in extra) out[key] = extra[key];
  return out as Omit<T, keyof U> & U;
}

/**
 * `target` with one more enumerable property, `key`, whose value `build` makes when it is first
 * read and keeps (an assignment replaces it). JSON.stringify, structured clones and spreads read
 * it as an ordinary property. For large values a caller may never read (a report's samples).
 */
export function withLazyProp<T extends object, K extends string, V>(target: T, key: K, build: () => V): T & Record<K, V> {
  let value: V | undefined;
  let built = false;
  return Object.defineProperty(target, key, {
    enumerable: true,
    configurable: true,
    get: (): V => {
      if (!built) {
        value = build();
        built = true;
      }
      return value as V;
    },
    set: (replaced: V) => {
      value = replaced;
      built = true;
    },
  }) as T & Record<K, V>;
}
