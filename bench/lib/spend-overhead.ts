/**
 * agentab's own view of its added latency: `overheadMs` (request duration minus time spent
 * waiting on the upstream) from the spend log it wrote during a phase. It includes the
 * proxy's work only, not the extra network hop or the client's share of the CPU.
 */
import { iterSpendLog } from '../../src/proxy/spend/reader.ts';
import { summarizeLatencies } from './latency.ts';
import type { LatencySummary } from './load-spec.ts';

/** overheadMs of the successful calls to `alias` that were (or were not) streamed. */
export async function spendOverhead(path: string, which: { alias: string; stream: boolean }): Promise<LatencySummary> {
  const xs: number[] = [];
  for await (const r of iterSpendLog(path, undefined, { missingOk: true })) {
    if (r.status === 200 && r.alias === which.alias && r.stream === which.stream) xs.push(r.overheadMs);
  }
  return summarizeLatencies(xs);
}
