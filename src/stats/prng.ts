/**
 * Seeded PRNG for the bootstrap. Hand-written on purpose: neither simple-statistics nor the
 * platform offers a seedable generator, and reports must be byte-identical for a given seed on
 * every machine and library version, so the algorithm is pinned here (sfc32, seeded through
 * splitmix32 from the user seed and a label naming the stream).
 */

export interface Rng {
  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /**
   * `out.length` uniform integers in [0, n): the same values, in order, as that many int(n)
   * calls. For the bootstrap's hot loops (a draw per run per replicate): the generator's state
   * stays in locals for the whole fill instead of being read and written back for every draw.
   */
  fillInts(n: number, out: Int32Array): void;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** FNV-1a over UTF-16 code units: a stable 32-bit hash of a stream label. */
export function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function createRng(seed: number, label = ''): Rng {
  const mix = splitmix32((seed >>> 0) ^ Math.imul(hashLabel(label), 0x27d4eb2d));
  let a = mix();
  let b = mix();
  let c = mix();
  let d = mix() | 1;
  const u32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) u32(); // let the state diffuse before first use
  const next = (): number => u32() / 4294967296;
  const fillInts = (n: number, out: Int32Array): void => {
    let a1 = a;
    let b1 = b;
    let c1 = c;
    let d1 = d;
    for (let j = 0; j < out.length; j++) {
      // u32() on the locals, then int(n)'s own arithmetic
      const t = (((a1 + b1) | 0) + d1) | 0;
      d1 = (d1 + 1) | 0;
      a1 = b1 ^ (b1 >>> 9);
      b1 = (c1 + (c1 << 3)) | 0;
      c1 = (c1 << 21) | (c1 >>> 11);
      c1 = (c1 + t) | 0;
      out[j] = Math.floor(((t >>> 0) / 4294967296) * n);
    }
    a = a1;
    b = b1;
    c = c1;
    d = d1;
  };
  return { next, int: (n) => Math.floor(next() * n), fillInts };
}
