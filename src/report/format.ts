/** Number formatting shared by the Markdown, HTML and CSV renderers. Locale-independent on purpose. */
import type { Verdict, VerdictReason } from '../stats/verdict.ts';
import type { MetricKind } from './metrics.ts';

function sig(v: number, digits = 3): string {
  if (v === 0) return '0';
  const s = Number(v.toPrecision(digits));
  return Math.abs(s) >= 1e21 ? s.toExponential(2) : String(s);
}

export function formatValue(kind: MetricKind, v: number | null): string {
  if (v === null) return '—';
  switch (kind) {
    case 'duration':
      if (Math.abs(v) < 1000) return `${sig(v)}ms`;
      if (Math.abs(v) < 60_000) return `${sig(v / 1000)}s`;
      return `${sig(v / 60_000)}min`;
    case 'tokens':
      if (Math.abs(v) < 1000) return sig(v);
      if (Math.abs(v) < 1e6) return `${sig(v / 1e3)}k`;
      return `${sig(v / 1e6)}M`;
    case 'count':
      return sig(v);
    case 'usd':
      return `$${sig(v)}`;
  }
}

/** An absolute change with its sign: "+1.2k", "-350ms", "0". */
export function formatSigned(kind: MetricKind, v: number): string {
  const text = formatValue(kind, Math.abs(v));
  return v > 0 ? `+${text}` : v < 0 ? `-${text}` : text;
}

/** A ratio as a signed percent change: 0.895 → "-10.5%". */
export function formatChange(ratio: number | null): string {
  if (ratio === null) return '∞';
  const pct = (ratio - 1) * 100;
  const abs = Math.abs(pct);
  const body = abs >= 100 ? abs.toFixed(0) : abs >= 10 ? abs.toFixed(1) : abs.toFixed(2);
  if (Number(body) === 0) return '0%';
  return `${pct < 0 ? '-' : '+'}${body}%`;
}

export function formatRatioCi(lo: number | null, hi: number | null): string {
  return `[${lo === null ? '-∞' : formatChange(lo)}, ${hi === null ? '+∞' : formatChange(hi)}]`;
}

/**
 * Detectable change from a ratio ≥ 1: "±8.35%"; "any change" when the runs do not vary at all
 * (the ratio is the band's edge 1 + θ itself, or 1 with θ = 0), "±<0.01%" below display
 * precision, "n/a" when undefined (null, NaN, ∞).
 */
export function formatDetectable(ratio: number | null, threshold = 0): string {
  if (ratio === null || !Number.isFinite(ratio) || ratio < 1) return 'n/a';
  if (Math.abs(ratio - (1 + threshold)) < 1e-12) return threshold > 0 ? `any change beyond ±${thresholdText(threshold)} (no run-to-run variance)` : 'any change (no run-to-run variance)';
  const text = formatChange(ratio);
  return text === '0%' ? '±<0.01%' : `±${text.slice(1)}`;
}

export function formatP(p: number): string {
  if (p >= 0.1) return p.toFixed(2);
  if (p >= 0.001) return p.toPrecision(2);
  return '<0.001';
}

export function formatPercent(x: number): string {
  const v = Number((x * 100).toFixed(1));
  return `${v}%`;
}

/** "p=0.056", "p≈0.39" (normal approximation), "p<0.001"; `spaced` puts blanks around the sign. */
export function pText(label: string, p: number, approx = false, spaced = false): string {
  const f = formatP(p);
  const sign = f.startsWith('<') ? '<' : approx ? '≈' : '=';
  const num = f.startsWith('<') ? f.slice(1) : f;
  return spaced ? `${label} ${sign} ${num}` : `${label}${sign}${num}`;
}

export const VERDICT_TEXT: Record<Verdict, string> = {
  improved: 'improved',
  regressed: 'regressed',
  'no-change': 'no meaningful change',
  inconclusive: 'inconclusive',
  increased: 'increased',
  decreased: 'decreased',
};

export function reasonText(reason: VerdictReason, thresholdPct: string): string {
  switch (reason) {
    case 'ci-below-band':
      return `CI wholly below -${thresholdPct}`;
    case 'ci-above-band':
      return `CI wholly above +${thresholdPct}`;
    case 'ci-inside-band':
      return `CI wholly within ±${thresholdPct}`;
    case 'ci-straddles-band':
      return `CI crosses the ±${thresholdPct} band`;
    case 'not-significant':
      return 'CI clears the band but the adjusted p is not below α';
    case 'too-few-runs':
      return 'too few runs for any verdict';
    case 'undefined-ratio':
      return 'ratio undefined (zero median)';
    case 'absolute-increase':
      return 'zero baseline: the absolute increase is significant (any change from 0 exceeds ±' + thresholdPct + ')';
    case 'absolute-decrease':
      return 'zero baseline: the absolute decrease is significant';
    case 'absolute-identical':
      return 'both arms hold the same value in every run';
    case 'absolute-not-significant':
      return 'zero baseline: the absolute change is not significant';
    case 'no-passing-runs':
      return 'no passing runs to compare';
  }
}

export function thresholdText(threshold: number): string {
  return `${Number((threshold * 100).toPrecision(4))}%`;
}

export function ordinal(n: number): string {
  const t = n % 100;
  const s = t >= 11 && t <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${s}`;
}

/** "10,000 bootstrap resamples", and the per-task count when a large report drew fewer (ReportOptions.taskResamples). */
export function resamplesText(o: { resamples: number; taskResamples: number }): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  return o.taskResamples < o.resamples ? `${n(o.resamples)} bootstrap resamples per headline, ${n(o.taskResamples)} per task` : `${n(o.resamples)} bootstrap resamples`;
}
