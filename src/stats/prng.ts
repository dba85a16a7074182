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
  return new Sfc32(seed, label);
}

/**
 * sfc32 as a class, not closures over its state: every generator then shares one `next`, so
 * the bootstrap's call sites (drawPositions, a call per replicate for each of a report's
 * thousands of streams) see a single call target that V8 inlines; with a closure per
 * generator each new stream's `next` was a new target, and the call stayed a generic one.
 */
class Sfc32 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, label: string) {
    const mix = splitmix32((seed >>> 0) ^ Math.imul(hashLabel(label), 0x27d4eb2d));
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix() | 1;
    for (let i = 0; i < 12; i++) this.u32(); // let the state diffuse before first use
  }

  private u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.u32() / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  fillInts(n: number, out: Int32Array): void {
    let a1 = this.a;
    let b1 = this.b;
    let c1 = this.c;
    let d1 = this.d;
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
    this.a = a1;
    this.b = b1;
    this.c = c1;
    this.d = d1;
  }
}
