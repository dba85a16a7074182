/**
 * Samples a process's resident set size from /proc/<pid>/status (VmRSS) at a fixed interval,
 * and summarises a memory series (RSS, or the heap after full collections from
 * heap-after-gc.ts): start / middle / end and a least-squares slope.
 */
import { readFileSync } from 'node:fs';
import { linearRegression } from 'simple-statistics';
import { median } from './latency.ts';

export interface RssSample {
  /** Milliseconds since sampling started. */
  tMs: number;
  rssMb: number;
}

/** A memory series summarised (RSS, or the heap after full collections). */
export interface MemorySummary {
  samples: number;
  startMb: number;
  midMb: number;
  endMb: number;
  peakMb: number;
  /** Slope over the whole run, MB per minute. */
  slopeMbPerMin: number;
  /** Slope after the first 20 % of the run (past JIT warm-up and pool growth), MB per minute. */
  steadySlopeMbPerMin: number;
  /** Median over 20–40 % of the run, MB: the baseline once warmed up. */
  steadyStartMb: number;
  /** Median over the last 20 % of the run, MB. */
  steadyEndMb: number;
  /** steadyEndMb − steadyStartMb. Medians of windows, because GC makes RSS a sawtooth. */
  steadyGrowthMb: number;
}

/** A memory field of /proc/<pid>/status (VmRSS: resident now; VmHWM: peak so far) in MB, or null when the process is gone or /proc is unavailable. */
export function procStatusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** VmRSS of `pid` in MB, or null when the process is gone or /proc is unavailable. */
export const readRssMb = (pid: number): number | null => procStatusMb(pid, 'VmRSS');

export class RssSampler {
  readonly samples: RssSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private t0 = 0;

  constructor(private readonly pid: number, private readonly intervalMs = 1000) {}

  start(): void {
    this.t0 = performance.now();
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  stop(): RssSample[] {
    clearInterval(this.timer);
    this.sample();
    return this.samples;
  }

  private sample(): void {
    const rssMb = readRssMb(this.pid);
    if (rssMb !== null) this.samples.push({ tMs: performance.now() - this.t0, rssMb });
  }
}

/** One reading of a memory series (RSS, or the heap after a full collection), MB. */
interface MemoryReading {
  tMs: number;
  mb: number;
}

function slopePerMin(s: MemoryReading[]): number {
  if (s.length < 2) return 0;
  const { m } = linearRegression(s.map((x) => [x.tMs, x.mb]));
  return m * 60_000;
}

/** Median of the readings between fractions `from` and `to` of the run (at least one). */
function windowMedian(samples: MemoryReading[], from: number, to: number): number {
  const n = samples.length;
  const a = Math.min(n - 1, Math.floor(from * n));
  const b = Math.max(a + 1, Math.ceil(to * n));
  return median(samples.slice(a, b).map((s) => s.mb));
}

export function summarizeRss(samples: RssSample[]): MemorySummary | null {
  return summarizeMemory(samples.map((s) => ({ tMs: s.tMs, mb: s.rssMb })));
}

/** The same summary of any memory series (bench/lib/heap-after-gc.ts: the heap after full collections). */
export function summarizeMemory(samples: MemoryReading[]): MemorySummary | null {
  if (samples.length === 0) return null;
  const at = (f: number) => samples[Math.min(samples.length - 1, Math.floor(f * (samples.length - 1)))] as MemoryReading;
  const steady = samples.slice(Math.floor(samples.length * 0.2));
  const steadyStartMb = windowMedian(samples, 0.2, 0.4);
  const steadyEndMb = windowMedian(samples, 0.8, 1);
  return {
    samples: samples.length,
    startMb: at(0).mb,
    midMb: at(0.5).mb,
    endMb: at(1).mb,
    peakMb: Math.max(...samples.map((s) => s.mb)),
    slopeMbPerMin: slopePerMin(samples),
    steadySlopeMbPerMin: slopePerMin(steady),
    steadyStartMb,
    steadyEndMb,
    steadyGrowthMb: steadyEndMb - steadyStartMb,
  };
}
