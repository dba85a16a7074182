/**
 * The targets from issue #2, checked against one run:
 * throughput ≥ 0.4× direct and ≥ 10× the peer gateway (pure-throughput upstream, highest
 * concurrency, both streaming and not: the worse of the two counts); p50 added latency
 * ≤ 1 ms at 100 concurrent streams (fixed-latency upstream); memory flat over the long run.
 */
import type { RssSummary } from './rss.ts';
import { agentabOverPeer, compare, find, MODES, type Measurement } from './scenarios.ts';

export type Verdict = 'met' | 'not met' | 'not measured';

export interface Goal {
  name: string;
  target: string;
  measured: string;
  value: number | null;
  verdict: Verdict;
}

export const THROUGHPUT_VS_DIRECT = 0.4;
export const THROUGHPUT_VS_PEER = 10;
export const ADDED_P50_MS = 1;
export const STREAMS = 100;
/** RSS may grow at most this share from the 20 % mark to the end of the memory run. */
export const MEMORY_GROWTH_SHARE = 0.1;

const fmt = (x: number, d = 2) => x.toFixed(d);
const verdict = (v: number | null, ok: (x: number) => boolean): Verdict => (v === null ? 'not measured' : ok(v) ? 'met' : 'not met');

function minOf(xs: (number | null)[]): number | null {
  if (xs.length === 0 || xs.some((x) => x === null)) return null;
  return Math.min(...(xs as number[]));
}

export function checkGoals(ms: Measurement[], memory: RssSummary | null, memoryRequests: number): Goal[] {
  const cs = compare(ms);
  const top = Math.max(0, ...ms.map((m) => m.concurrency));
  const vsDirect = minOf(MODES.map((mode) => cs.find((c) => c.profile === 'throughput' && c.mode === mode && c.concurrency === top && c.target === 'agentab')?.throughputRatio ?? null));
  const vsPeer = minOf(MODES.map((mode) => agentabOverPeer(ms, 'throughput', mode, top)));
  const streams = cs.find((c) => c.profile === 'latency' && c.mode === 'stream' && c.concurrency === STREAMS && c.target === 'agentab');
  const added = streams?.addedP50 ?? null;
  const memShare = memory && memory.steadyStartMb > 0 ? memory.steadyGrowthMb / memory.steadyStartMb : null;
  const goals: Goal[] = [
    {
      name: 'throughput vs direct',
      target: `≥ ${THROUGHPUT_VS_DIRECT}× direct`,
      measured: vsDirect === null ? 'n/a' : `${fmt(vsDirect)}× (worse of json/stream, c=${top}, ttft 0)`,
      value: vsDirect,
      verdict: verdict(vsDirect, (x) => x >= THROUGHPUT_VS_DIRECT),
    },
    {
      name: 'throughput vs peer',
      target: `≥ ${THROUGHPUT_VS_PEER}× Portkey`,
      measured: vsPeer === null ? 'n/a' : `${fmt(vsPeer, 1)}× (worse of json/stream, c=${top}, ttft 0)`,
      value: vsPeer,
      verdict: verdict(vsPeer, (x) => x >= THROUGHPUT_VS_PEER),
    },
    {
      name: 'p50 added latency, 100 streams',
      target: `≤ ${ADDED_P50_MS} ms`,
      measured: added === null ? 'n/a' : `${fmt(added)} ms (ttft-20 upstream, stream, c=${STREAMS})`,
      value: added,
      verdict: verdict(added, (x) => x <= ADDED_P50_MS),
    },
    {
      name: `memory over ${memoryRequests} requests`,
      target: `flat (≤ ${MEMORY_GROWTH_SHARE * 100} % growth after warm-up)`,
      measured: memory
        ? `${fmt(memory.startMb, 0)} → ${fmt(memory.midMb, 0)} → ${fmt(memory.endMb, 0)} MB, after warm-up ${memory.steadyGrowthMb >= 0 ? '+' : ''}${fmt(memory.steadyGrowthMb, 1)} MB, slope ${fmt(memory.steadySlopeMbPerMin)} MB/min`
        : 'n/a',
      value: memShare,
      verdict: verdict(memShare, (x) => x <= MEMORY_GROWTH_SHARE),
    },
  ];
  if (!find(ms, 'latency', 'stream', STREAMS, 'agentab')) goals[2]!.measured = `n/a (needs --concurrency to include ${STREAMS})`;
  return goals;
}
