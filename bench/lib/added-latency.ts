/**
 * Added latency the way the independent gateway benchmarks report it (issue #16): the same
 * requests sent directly to the upstream and through each gateway in interleaved rounds,
 * "added" = gateway percentile − direct percentile, with 95 % percentile-bootstrap intervals
 * of the p50 and p99 deltas (each arm's requests resampled independently). agentab's added
 * latency is then compared with the naive undici pass-through's from the same rounds.
 */
import { quantileDeltaCi, type Interval } from './bootstrap.ts';
import { find, MODES, type Measurement, type Mode, type ProfileId } from './scenarios.ts';
import type { TargetName } from './targets.ts';

/** Concurrency levels the goal is judged at (the issue names 1 and 16). */
export const ADDED_LATENCY_MAX_CONCURRENCY = 16;
const PROFILE: ProfileId = 'throughput';

export interface AddedLatency {
  profile: ProfileId;
  mode: Mode;
  concurrency: number;
  target: Exclude<TargetName, 'direct'>;
  /** Requests behind each arm's interval (gateway, direct). */
  n: { gateway: number; direct: number };
  p50: Interval | null;
  p99: Interval | null;
}

/** Every gateway at every mode and concurrency ≤ 16 of the throughput upstream. */
export function addedLatencies(ms: Measurement[]): AddedLatency[] {
  const out: AddedLatency[] = [];
  for (const m of ms) {
    if (m.profile !== PROFILE || m.target === 'direct' || m.concurrency > ADDED_LATENCY_MAX_CONCURRENCY) continue;
    const d = find(ms, PROFILE, m.mode, m.concurrency, 'direct');
    if (!d) continue;
    const g = m.result.totalSample;
    const base = d.result.totalSample;
    out.push({
      profile: PROFILE,
      mode: m.mode,
      concurrency: m.concurrency,
      target: m.target,
      n: { gateway: g.length, direct: base.length },
      p50: quantileDeltaCi(g, base, 0.5),
      p99: quantileDeltaCi(g, base, 0.99),
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
        out.push({ mode, concurrency: c, pct, agentab: ai, naive: ni, ratio: ai && ni && ni.point > 0 ? ai.point / ni.point : null });
      }
    }
  }
  return out;
}
