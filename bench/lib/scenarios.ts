/**
 * The measured grid: two upstream profiles × {non-streaming, streaming} × concurrency ×
 * target, and the per-scenario comparison of each gateway against direct.
 */
import type { LatencySummary, LoadResult } from './load-spec.ts';
import type { SimSettings, TargetName } from './targets.ts';

export type ProfileId = 'latency' | 'throughput' | 'streams' | 'added';
export type Mode = 'json' | 'stream';

export interface UpstreamProfile {
  id: ProfileId;
  label: string;
  /** The simulator's settings, or null for the pre-serialised mock upstream (bench/lib/mock-upstream.ts). */
  sim: SimSettings | null;
  modes: readonly Mode[];
  /** Fixed concurrency levels, or null for the --concurrency list. */
  concurrencies: readonly number[] | null;
  /** Levels of the --concurrency list above this are skipped. */
  maxConcurrency?: number;
  /** Long requests need longer measuring windows and warm-ups to collect enough samples. */
  minDurationMs: number;
  minWarmupMs: number;
  /** More, shorter rounds spread a noisy neighbour's bursts over all targets alike. */
  minRounds: number;
}

/**
 * latency: a small fixed model latency (20 ms to the first token, then 20 tokens at
 * 1000 tok/s ≈ 8 chunks over 20 ms). At c=100 that offers ~2500 req/s, more than two cores
 * serve, so every target is CPU-bound there and "added" latency is mostly queueing.
 * throughput: no waiting at all, so every target is CPU-bound and req/s compares the hops.
 * streams: the headline — 100 concurrent streams paced like a model (40 tokens at 50 tok/s,
 * ~0.8 s each, ~16 chunks), which leaves CPU to spare, so "added" is the hop's own latency.
 * added: issue #16's added-latency rows (c=1 and 16), against a pre-serialised mock upstream
 * (~30 µs of CPU per request) as the independent gateway benchmarks do. Against the ttft-0
 * simulator (≈ 1.2 ms of CPU per streamed request) one core is saturated at c=16 in the direct
 * arm, and a hop in front of it changes the simulator's own CPU per request (1,156 µs direct vs
 * 961 µs behind the naive pass-through, idle run of 2026-11-28 01:16): the "added" latency was
 * then the upstream's queue, and the naive hop came out faster than direct. Many short rounds,
 * so a noisy neighbour's bursts fall on every target alike.
 */
export const PROFILES: readonly UpstreamProfile[] = [
  {
    id: 'latency',
    label: 'ttft 20 ms, 20 tokens at 1000 tok/s',
    sim: { ttftMs: 20, tokensPerSecond: 1000, answerTokens: 20 },
    modes: ['json', 'stream'],
    concurrencies: null,
    minDurationMs: 0,
    minWarmupMs: 0,
    minRounds: 0,
  },
  {
    id: 'throughput',
    label: 'ttft 0, no token delay',
    sim: { ttftMs: 0, tokensPerSecond: 0, answerTokens: 20 },
    modes: ['json', 'stream'],
    concurrencies: null,
    // The throughput-vs-naive goal is judged here: 8 rounds give its per-round interval (two
    // rounds of 0.8 s moved the ratio by ±0.1 from run to run).
    minDurationMs: 4000,
    minWarmupMs: 0,
    minRounds: 8,
  },
  {
    id: 'streams',
    label: '100 model-paced streams: ttft 20 ms, 40 tokens at 50 tok/s',
    sim: { ttftMs: 20, tokensPerSecond: 50, answerTokens: 40 },
    modes: ['stream'],
    concurrencies: [100],
    minDurationMs: 8000,
    minWarmupMs: 2000,
    minRounds: 4,
  },
  {
    id: 'added',
    label: 'pre-serialised mock upstream, no waiting (added latency, c ≤ 16)',
    sim: null,
    modes: ['json', 'stream'],
    concurrencies: null,
    maxConcurrency: 16,
    minDurationMs: 6000,
    minWarmupMs: 400,
    minRounds: 12,
  },
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
  /** The gateway process's CPU time per request, µs. */
  gatewayCpuUs: number | null;
  /**
   * Throughput ratio predicted from CPU cost alone: when the cores are the bottleneck,
   * req/s ∝ 1 / (CPU µs per request summed over upstream, gateway and load generator).
   * Much less sensitive to other load on the machine than the measured ratio.
   */
  cpuBoundRatio: number | null;
}

type Pct = 'p50' | 'p99';
const diff = (a: LatencySummary, b: LatencySummary, p: Pct): number | null => {
  const x = a[p];
  const y = b[p];
  return x === null || y === null ? null : x - y;
};
const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

/** CPU µs per request over every process involved, or null if any is unknown. */
function cpuPerRequest(r: LoadResult): number | null {
  const xs = Object.values(r.cpuUsPerRequest);
  return xs.length > 0 && xs.every((x) => x !== null) ? (xs as number[]).reduce((a, b) => a + b, 0) : null;
}

export function find(ms: Measurement[], profile: ProfileId, mode: Mode, concurrency: number, target: TargetName): Measurement | undefined {
  return ms.find((m) => m.profile === profile && m.mode === mode && m.concurrency === concurrency && m.target === target);
}

function cpuBoundRatio(direct: LoadResult, gateway: LoadResult): number | null {
  const d = cpuPerRequest(direct);
  const g = cpuPerRequest(gateway);
  return d === null || g === null ? null : ratio(d, g);
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
      gatewayCpuUs: m.result.cpuUsPerRequest['gateway'] ?? null,
      cpuBoundRatio: cpuBoundRatio(d.result, m.result),
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

/** The same, predicted from CPU cost per request (see Comparison.cpuBoundRatio). */
export function agentabOverPeerByCpu(ms: Measurement[], profile: ProfileId, mode: Mode, concurrency: number): number | null {
  const a = find(ms, profile, mode, concurrency, 'agentab');
  const p = find(ms, profile, mode, concurrency, 'portkey');
  return a && p ? cpuBoundRatio(p.result, a.result) : null;
}
