/**
 * Added latency the way the independent gateway benchmarks report it (issue #16): the same
 * requests sent directly to the upstream and through each gateway in interleaved rounds,
 * "added" = gateway percentile − direct percentile, with 95 % percentile-bootstrap intervals
 * of the p50 and p99 deltas (each arm's requests resampled independently). agentab's added
 * latency is then compared with the naive undici pass-through's from the same rounds: the ratio
 * of the two deltas and the margin to the goal (1.25 × naive's added − agentab's added), each
 * with its own interval from one bootstrap of the three arms, so a reader sees whether the goal
 * is met, missed, or within noise. Measured against the pre-serialised mock upstream (the
 * `added` profile, scenarios.ts), as the independent benchmarks do.
 */
import { addedRatioCi, quantileDeltaCi, type AddedRatioCi, type Interval } from './bootstrap.ts';
import { find, MODES, type Measurement, type Mode, type ProfileId } from './scenarios.ts';
import type { TargetName } from './targets.ts';

/** Concurrency levels the goal is judged at (the issue names 1 and 16). */
export const ADDED_LATENCY_MAX_CONCURRENCY = 16;
export const ADDED_LATENCY_PROFILE: ProfileId = 'added';
const PROFILE = ADDED_LATENCY_PROFILE;
/** Issue #16: added latency at most this multiple of the naive pass-through's. */
export const ADDED_VS_NAIVE = 1.25;

export interface AddedLatency {
  profile: ProfileId;
  mode: Mode;
  concurrency: number;
  target: Exclude<TargetName, 'direct'>;
  /** Requests behind each arm's interval (gateway, direct). */
  n: { gateway: number; direct: number };
  p50: Interval | null;
  p99: Interval | null;
  /** agentab only: its added latency against the naive pass-through's, per percentile. */
  vsNaive?: { p50: AddedRatioCi | null; p99: AddedRatioCi | null };
}

/** Every gateway at every mode and concurrency ≤ 16 of the mock upstream (the added profile). */
export function addedLatencies(ms: Measurement[]): AddedLatency[] {
  const out: AddedLatency[] = [];
  for (const m of ms) {
    if (m.profile !== PROFILE || m.target === 'direct' || m.concurrency > ADDED_LATENCY_MAX_CONCURRENCY) continue;
    const d = find(ms, PROFILE, m.mode, m.concurrency, 'direct');
    if (!d) continue;
    const g = m.result.totalSample;
    const base = d.result.totalSample;
    const naive = m.target === 'agentab' ? find(ms, PROFILE, m.mode, m.concurrency, 'naive')?.result.totalSample : undefined;
    out.push({
      profile: PROFILE,
      mode: m.mode,
      concurrency: m.concurrency,
      target: m.target,
      n: { gateway: g.length, direct: base.length },
      p50: quantileDeltaCi(g, base, 0.5),
      p99: quantileDeltaCi(g, base, 0.99),
      ...(naive
        ? { vsNaive: { p50: addedRatioCi(g, naive, base, 0.5, ADDED_VS_NAIVE), p99: addedRatioCi(g, naive, base, 0.99, ADDED_VS_NAIVE) } }
        : {}),
    });
  }
  return out;
}

export interface AddedRatio {
  mode: Mode;
  concurrency: number;
  pct: 'p50' | 'p99';
  agentab: Interval | null;
  naive: Interval | null;
  /** agentab's added ÷ the naive pass-through's added (point estimates); null when the naive one is ≤ 0. */
  ratio: number | null;
  /** The ratio's interval (null when the naive hop's added latency is ≤ 0 in some replicate) and the margin to the goal. */
  vsNaive: AddedRatioCi | null;
}

/** agentab against the naive pass-through, per mode, concurrency and percentile. */
export function addedVsNaive(added: AddedLatency[]): AddedRatio[] {
  const out: AddedRatio[] = [];
  const levels = [...new Set(added.map((a) => a.concurrency))].sort((a, b) => a - b);
  for (const mode of MODES) {
    for (const c of levels) {
      const at = (target: 'agentab' | 'naive') => added.find((a) => a.mode === mode && a.concurrency === c && a.target === target);
      const a = at('agentab');
      const n = at('naive');
      if (!a || !n) continue;
      for (const pct of ['p50', 'p99'] as const) {
        const ai = a[pct];
        const ni = n[pct];
        out.push({ mode, concurrency: c, pct, agentab: ai, naive: ni, ratio: ai && ni && ni.point > 0 ? ai.point / ni.point : null, vsNaive: a.vsNaive?.[pct] ?? null });
      }
    }
  }
  return out;
}

/** Where the goal stands for one row: met or missed beyond the 95 % interval of the margin, or within noise. */
export function marginCall(v: AddedRatioCi | null | undefined): 'met' | 'missed' | 'within noise' | 'not measured' {
  if (!v) return 'not measured';
  return v.margin.lo >= 0 ? 'met' : v.margin.hi < 0 ? 'missed' : 'within noise';
}
