/**
 * What the load generator is asked to do and what it reports back. Both cross a process
 * boundary (argv in, stdout out), so both are zod schemas.
 */
import { z } from 'zod';

export const RequestMode = z.enum(['json', 'stream', 'mixed']);
export type RequestMode = z.infer<typeof RequestMode>;

export const LoadTarget = z.strictObject({
  name: z.string().min(1),
  /** Origin only, e.g. http://127.0.0.1:4000; must be loopback (checked by the worker). */
  origin: z.string().url(),
  path: z.string().startsWith('/'),
  headers: z.record(z.string(), z.string()),
  model: z.string().min(1),
  /** Server processes whose CPU time (from /proc) is charged to this target's requests. */
  cpuPids: z.record(z.string(), z.number().int().positive()),
});
export type LoadTarget = z.infer<typeof LoadTarget>;

export const LoadSpec = z.strictObject({
  /** Measured in turn, round by round, so slow drifts of a busy machine hit all alike. */
  targets: z.array(LoadTarget).min(1),
  /** json = non-streaming; mixed alternates stream and json request by request. */
  mode: RequestMode,
  concurrency: z.number().int().positive(),
  rounds: z.number().int().positive(),
  /** Per target and round: stop issuing after this many requests or this long. */
  roundMaxRequests: z.number().int().positive(),
  roundMaxDurationMs: z.number().int().positive(),
  /** Unmeasured requests per target at the same concurrency before its first round. */
  warmupRequests: z.number().int().nonnegative(),
  warmupMaxDurationMs: z.number().int().nonnegative(),
  /**
   * fixed: every round measures the targets in the listed order; alternate: odd rounds reverse
   * it, so neither side of an A/B comparison always runs first (default fixed).
   */
  order: z.enum(['fixed', 'alternate']).optional(),
});
export type LoadSpec = z.infer<typeof LoadSpec>;

/** Percentiles of one latency, in milliseconds; null when no request succeeded. */
/** Most raw latencies a load result carries (see LoadResult.totalSample). */
export const TOTAL_SAMPLE_MAX = 5000;

export const LatencySummary = z.strictObject({
  count: z.number().int().nonnegative(),
  mean: z.number().nullable(),
  p50: z.number().nullable(),
  p90: z.number().nullable(),
  p99: z.number().nullable(),
  max: z.number().nullable(),
});
export type LatencySummary = z.infer<typeof LatencySummary>;

export const LoadResult = z.strictObject({
  target: z.string(),
  completed: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  /** Up to a few distinct error messages, to say why requests failed. */
  errorSamples: z.array(z.string()),
  /** Sum of the measured windows of all rounds. */
  elapsedMs: z.number().nonnegative(),
  /** Successful requests per second over the measured windows. */
  rps: z.number().nonnegative(),
  /** Time from sending the request to the first body byte. */
  ttfb: LatencySummary,
  /** Time from sending the request to the last body byte. */
  total: LatencySummary,
  /**
   * The measured total latencies themselves (ms, µs resolution), evenly thinned to at most
   * TOTAL_SAMPLE_MAX in order of completion: what bootstrap intervals of added latency resample.
   */
  totalSample: z.array(z.number()),
  /** CPU time (user + system) per successful request, µs, by role; `loadgen` is this worker. */
  cpuUsPerRequest: z.record(z.string(), z.number().nullable()),
  /** The same two figures round by round (for paired comparisons of targets measured in turn). */
  rounds: z.array(z.strictObject({ rps: z.number().nonnegative(), cpuUsPerRequest: z.record(z.string(), z.number().nullable()) })),
});
export type LoadResult = z.infer<typeof LoadResult>;

export const LoadResults = z.array(LoadResult);
