/**
 * Verdict of a ratio (condition / baseline, lower is better) against a threshold θ, on the
 * log scale so that swapping arms swaps improved and regressed exactly: the "no meaningful
 * change" band is [1/(1+θ), 1+θ].
 *
 * improved / regressed need the whole CI beyond the band AND an (adjusted) rank-test p < α.
 * Nothing but "inconclusive" is reachable when the design cannot support a verdict (e.g. 3 runs
 * per arm, whose smallest exact two-sided p is 0.1): not even "no change", because an interval
 * bootstrapped from so few runs takes only a handful of values and can sit inside ±θ whatever
 * the truth (see minRunsPerArm in power.ts).
 */

export const VERDICTS = ['improved', 'regressed', 'no-change', 'inconclusive', 'increased', 'decreased'] as const;
export type Verdict = (typeof VERDICTS)[number];

/**
 * The verdict of a metric where lower is not better (prompt-cache tokens): a significant
 * change is only a direction, increased or decreased; the rest reads as it is.
 */
export function neutralVerdict(v: Verdict): Verdict {
  return v === 'improved' ? 'decreased' : v === 'regressed' ? 'increased' : v;
}

export type VerdictReason =
  | 'ci-below-band'
  | 'ci-above-band'
  | 'ci-inside-band'
  | 'ci-straddles-band'
  | 'not-significant'
  | 'too-few-runs'
  | 'undefined-ratio'
  | 'absolute-increase'
  | 'absolute-decrease'
  | 'absolute-identical'
  | 'absolute-not-significant'
  | 'no-passing-runs';

export interface VerdictInput {
  lo: number | null;
  hi: number | null;
  /** p used for the decision (Holm-adjusted for headlines, BH q for per-task rows). */
  p: number | null;
  threshold: number;
  alpha: number;
  /** Whether these n can support any verdict (see verdictSupportable in power.ts). */
  supportable: boolean;
}

export interface VerdictResult {
  verdict: Verdict;
  reason: VerdictReason;
}

export function band(threshold: number): [number, number] {
  return [1 / (1 + threshold), 1 + threshold];
}

export function decideVerdict(o: VerdictInput): VerdictResult {
  if (!o.supportable) return { verdict: 'inconclusive', reason: 'too-few-runs' };
  if (o.lo === null || o.hi === null || Number.isNaN(o.lo) || Number.isNaN(o.hi)) {
    return { verdict: 'inconclusive', reason: 'undefined-ratio' };
  }
  const [bandLo, bandHi] = band(o.threshold);
  const significant = o.p !== null && o.p < o.alpha;
  if (o.hi < bandLo) return significant ? { verdict: 'improved', reason: 'ci-below-band' } : { verdict: 'inconclusive', reason: 'not-significant' };
  if (o.lo > bandHi) return significant ? { verdict: 'regressed', reason: 'ci-above-band' } : { verdict: 'inconclusive', reason: 'not-significant' };
  if (o.lo >= bandLo && o.hi <= bandHi) return { verdict: 'no-change', reason: 'ci-inside-band' };
  return { verdict: 'inconclusive', reason: 'ci-straddles-band' };
}

/**
 * Verdict of an absolute change (condition − baseline, lower is better) where the ratio is
 * undefined (zero baseline median). Any real change from zero exceeds every relative θ, so a
 * significant test with an interval that excludes 0 decides; "no meaningful change" only when
 * both arms are identical (e.g. 0 in every run).
 */
export function decideAbsoluteVerdict(o: { lo: number; hi: number; p: number | null; alpha: number; supportable: boolean; identical: boolean }): VerdictResult {
  if (!o.supportable) return { verdict: 'inconclusive', reason: 'too-few-runs' };
  if (o.identical) return { verdict: 'no-change', reason: 'absolute-identical' };
  const significant = o.p !== null && o.p < o.alpha;
  if (significant && o.lo > 0) return { verdict: 'regressed', reason: 'absolute-increase' };
  if (significant && o.hi < 0) return { verdict: 'improved', reason: 'absolute-decrease' };
  return { verdict: 'inconclusive', reason: 'absolute-not-significant' };
}
