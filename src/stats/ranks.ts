/** Mid-ranks of a sample and the tie correction term Σ(t³ − t) over tie groups. */

export interface Ranked {
  /** 1-based mid-ranks, in the input order. */
  ranks: Float64Array;
  /** Σ (t³ − t) over groups of t tied values. */
  tieTerm: number;
  hasTies: boolean;
}

export function midRanks(values: ArrayLike<number>): Ranked {
  const n = values.length;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => (values[a] as number) - (values[b] as number));
  const ranks = new Float64Array(n);
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    const v = values[idx[i] as number] as number;
    while (j < n && values[idx[j] as number] === v) j++;
    const r = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) ranks[idx[k] as number] = r;
    const t = j - i;
    if (t > 1) tieTerm += t * t * t - t;
    i = j;
  }
  return { ranks, tieTerm, hasTies: tieTerm > 0 };
}

/** Two-sided p from a discrete null distribution given as probabilities over 0..max, as R does it. */
export function exactTwoSidedP(pmf: Float64Array, stat: number, centre: number): number {
  let tail = 0;
  if (stat > centre) for (let s = Math.ceil(stat); s < pmf.length; s++) tail += pmf[s] as number;
  else for (let s = Math.floor(stat); s >= 0; s--) tail += pmf[s] as number;
  return Math.min(1, 2 * tail);
}
