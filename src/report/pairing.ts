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

/** The values without NaN (the array itself when there is none, as is usual). */
function finite(values: Float64Array): Float64Array {
  let k = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i] as number)) k++;
  if (k === values.length) return values;
  const out = new Float64Array(k);
  k = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i] as number)) out[k++] = values[i] as number;
  return out;
}

/**
 * The two arms of one metric. `independent`, when given, holds each arm's values without NaN (in
 * any order), taken as the arms if they are not paired instead of a new copy of each: the
 * report's groups have them sorted already (sortedValues), and at a million runs the copies were
 * 7,200 arrays, 140 MB of new buffers, per report.
 */
export function armsOf(
  baseValues: Float64Array, baseBlocks: Float64Array, condValues: Float64Array, condBlocks: Float64Array,
  independent?: { base: Float64Array; cond: Float64Array },
): Arms {
  const hasBlock = (blocks: Float64Array): boolean => {
    for (let i = 0; i < blocks.length; i++) if (!Number.isNaN(blocks[i] as number)) return true;
    return false;
  };
  const anyBlocks = hasBlock(baseBlocks) || hasBlock(condBlocks);
  const bi = anyBlocks ? blockIndex(baseBlocks) : null;
  const ci = anyBlocks ? blockIndex(condBlocks) : null;
  const same = bi !== null && ci !== null && bi.size === ci.size && bi.size > 0 && [...bi.keys()].every((k) => ci.has(k));
  if (!same) return { paired: false, base: independent?.base ?? finite(baseValues), cond: independent?.cond ?? finite(condValues), brokenPairing: anyBlocks };
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
