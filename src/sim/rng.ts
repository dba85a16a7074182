/**
 * Seeded randomness for the simulator: a 32-bit FNV-1a string hash to derive seeds from
 * (seed, request digest, purpose), and the mulberry32 generator.
 *
 * Hand-written on purpose: both are a few lines, well known, deterministic across Node
 * versions and platforms, and fast; the simulator needs reproducibility, not statistical
 * or cryptographic quality, so no dependency is worth adding for it.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over the string's UTF-16 code units; `basis` lets callers derive independent hashes. */
export function fnv1a(text: string, basis: number = FNV_OFFSET): number {
  let h = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** A 64-bit hex digest made of two independent FNV-1a hashes (for ids and map keys). */
export function digest(text: string): string {
  const a = fnv1a(text);
  const b = fnv1a(text, 0x9e3779b9);
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

/** A seeded generator of floats in [0, 1) with a few helpers. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** mulberry32 (Tommy Ettinger): one 32-bit state, full period 2^32. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.pick of an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** A standard normal draw (Box–Muller). */
  normal(): number {
    const u = 1 - this.next(); // (0, 1]: log(0) would be -Infinity
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A lognormal factor with median 1: exp(sigma · N(0,1)). sigma 0 gives exactly 1. */
  lognormal(sigma: number): number {
    if (sigma <= 0) return 1;
    return Math.exp(sigma * this.normal());
  }
}

/** A generator seeded from any mix of numbers and strings (e.g. seed, request digest, purpose). */
export function rngFrom(...parts: Array<string | number>): Rng {
  return new Rng(fnv1a(parts.join('\u001f')));
}
