/**
 * Pairing of two arms of one task. A design is paired when every run used in both arms
 * carries a `block` and the two arms hold exactly the same blocks, once each (the scheduler
 * ran baseline and condition back to back in each block). Pairs with a missing value in
 * either arm are dropped. Anything else is analysed as independent arms.
 */

export type Arms =
  | { paired: true; base: Float64Array; cond: Float64Array }
  | { paired: false; base: Float64Array; cond: Float64Array; brokenPairing: boolean };

function blockIndex(blocks: Float64Array): Map<number, number> | null {
  const m = new Map<number, number>();
  for (let j = 0; j < blocks.length; j++) {
    const b = blocks[j] as number;
    if (Number.isNaN(b) || m.has(b)) return null;
    m.set(b, j);
  }
  return m;
}

function finite(values: Float64Array): Float64Array {
  return values.filter((v) => !Number.isNaN(v));
}

export function armsOf(baseValues: Float64Array, baseBlocks: Float64Array, condValues: Float64Array, condBlocks: Float64Array): Arms {
  const bi = blockIndex(baseBlocks);
  const ci = blockIndex(condBlocks);
  const anyBlocks = baseBlocks.some((b) => !Number.isNaN(b)) || condBlocks.some((b) => !Number.isNaN(b));
  const same = bi !== null && ci !== null && bi.size === ci.size && bi.size > 0 && [...bi.keys()].every((k) => ci.has(k));
  if (!same) return { paired: false, base: finite(baseValues), cond: finite(condValues), brokenPairing: anyBlocks };
  const keys = [...(bi as Map<number, number>).keys()].sort((a, b) => a - b);
  const base: number[] = [];
  const cond: number[] = [];
  for (const k of keys) {
    const b = baseValues[(bi as Map<number, number>).get(k) as number] as number;
    const c = condValues[(ci as Map<number, number>).get(k) as number] as number;
    if (Number.isNaN(b) || Number.isNaN(c)) continue;
    base.push(b);
    cond.push(c);
  }
  return { paired: true, base: Float64Array.from(base), cond: Float64Array.from(cond) };
}
