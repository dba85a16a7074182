/** The plain data a run produces: what the phases return and the report is made of. */
import type { AddedLatency } from './added-latency.ts';
import type { ProfileSummary } from './cpuprofile.ts';
import type { Goal } from './goals.ts';
import type { LatencySummary, LoadResult } from './load-spec.ts';
import type { BenchOptions } from './options.ts';
import type { RssSample, MemorySummary } from './rss.ts';
import type { HeapSample } from './heap-after-gc.ts';
import type { Comparison, Measurement, Mode, ProfileId, UpstreamProfile } from './scenarios.ts';

export interface GridResult {
  measurements: Measurement[];
  /** agentab's own overheadMs (from its spend log) per profile and mode, all requests of the phase. */
  selfReported: SelfReported[];
}

export interface SelfReported {
  profile: ProfileId;
  mode: Mode;
  overheadMs: LatencySummary;
}

export interface MemoryRun {
  requested: number;
  concurrency: number;
  load: LoadResult;
  rss: MemorySummary | null;
  samples: RssSample[];
  /** The heap after a full collection, sampled every 5 s over the inspector (null: not sampled). */
  heapAfterGc: MemorySummary | null;
  heapSamples: HeapSample[];
}

export interface ProfiledLoad {
  scenario: string;
  rps: number;
  summary: ProfileSummary;
}

export interface BenchReport {
  version: 1;
  date: string;
  machine: {
    node: string;
    cpus: number;
    cpuModel: string;
    platform: string;
    loadAvgStart: number[];
    loadAvgEnd: number[];
    /** Lowest and highest 1-minute load average sampled every 5 s while the grid ran (absent in older reports). */
    loadAvgDuringGrid?: [number, number];
  };
  options: BenchOptions;
  commands: Record<string, string>;
  profiles: readonly UpstreamProfile[];
  measurements: Measurement[];
  comparisons: Comparison[];
  /** Added latency with bootstrap intervals, mock upstream (the added profile), c ≤ 16. */
  addedLatency: AddedLatency[];
  selfReported: SelfReported[];
  memory: MemoryRun | null;
  goals: Goal[];
  hotspots: ProfiledLoad[];
}

