/**
 * The measured grid: two upstream profiles × {non-streaming, streaming} × concurrency ×
 * target, and the per-scenario comparison of each gateway against direct.
 */
import type { LatencySummary, LoadResult } from './load-spec.ts';
import type { SimSettings, TargetName } from './targets.ts';

export type ProfileId = 'latency' | 'throughput';
export type Mode = 'json' | 'stream';

export interface UpstreamProfile {
  id: ProfileId;
  label: string;
  sim: SimSettings;
}

/**
 * latency: a small, fixed model latency (20 ms to the first token, then 20 tokens at
 * 1000 tok/s ≈ 8 chunks over 20 ms), so added latency is measured on top of real waiting.
 * throughput: no waiting at all, so every target is CPU-bound and req/s compares the hops.
 */
export const PROFILES: readonly UpstreamProfile[] = [
  { id: 'latency', label: 'ttft 20 ms, 20 tok @ 1000 tok/s', sim: { ttftMs: 20, tokensPerSecond: 1000, answerTokens: 20 } },
  { id: 'throughput', label: 'ttft 0, no token delay', sim: { ttftMs: 0, tokensPerSecond: 0, answerTokens: 20 } },
];

export const MODES: readonly Mode[] = ['json', 'stream'];

export interface Measurement {
  profile: ProfileId;
  mode: Mode;
  concurrency: number;
  target: TargetName;
  result: LoadResult;
}

/** A gateway against direct at the same profile, mode and concurrency. */
export interface Comparison {
  profile: ProfileId;
  mode: Mode;
  concurrency: number;
  target: Exclude<TargetName, 'direct'>;
  /** gateway req/s ÷ direct req/s */
  throughputRatio: number | null;
  /** gateway percentile − direct percentile, ms (total time, then time to first byte). */
  addedP50: number | null;
  addedP99: number | null;
  addedTtfbP50: number | null;
  addedTtfbP99: number | null;
}

type Pct = 'p50' | 'p99';
const diff = (a: LatencySummary, b: LatencySummary, p: Pct): number | null => {
  const x = a[p];
  const y = b[p];
  return x === null || y === null ? null : x - y;
};
const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

export function find(ms: Measurement[], profile: ProfileId, mode: Mode, concurrency: number, target: TargetName): Measurement | undefined {
  return ms.find((m) => m.profile === profile && m.mode === mode && m.concurrency === concurrency && m.target === target);
}

export function compare(ms: Measurement[]): Comparison[] {
  const out: Comparison[] = [];
  for (const m of ms) {
    if (m.target === 'direct') continue;
    const d = find(ms, m.profile, m.mode, m.concurrency, 'direct');
    if (!d) continue;
    out.push({
      profile: m.profile,
      mode: m.mode,
      concurrency: m.concurrency,
      target: m.target,
      throughputRatio: ratio(m.result.rps, d.result.rps),
      addedP50: diff(m.result.total, d.result.total, 'p50'),
      addedP99: diff(m.result.total, d.result.total, 'p99'),
      addedTtfbP50: diff(m.result.ttfb, d.result.ttfb, 'p50'),
      addedTtfbP99: diff(m.result.ttfb, d.result.ttfb, 'p99'),
    });
  }
  return out;
}

/** agentab req/s ÷ peer req/s at one scenario, or null when either is missing. */
export function agentabOverPeer(ms: Measurement[], profile: ProfileId, mode: Mode, concurrency: number): number | null {
  const a = find(ms, profile, mode, concurrency, 'agentab');
  const p = find(ms, profile, mode, concurrency, 'portkey');
  return a && p ? ratio(a.result.rps, p.result.rps) : null;
}
