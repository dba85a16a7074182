/**
 * A small seeded PRNG (mulberry32) and a Fisher-Yates shuffle. Hand-written on purpose:
 * the run order must be identical across machines and library versions for a given seed,
 * so the generator is pinned here rather than taken from a dependency that may change.
 */
import { createHash } from 'node:crypto';

export type Rng = () => number;

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An independent stream for one purpose, so adding a use of randomness elsewhere does not shift this one. */
export function rngFor(seed: number, label: string): Rng {
  const h = createHash('sha256').update(`${seed}:${label}`).digest();
  return mulberry32(h.readUInt32LE(0));
}

export function shuffle<T>(items: readonly T[], rng: Rng): T[] {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
