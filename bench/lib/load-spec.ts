/**
 * What the load generator is asked to do and what it reports back. Both cross a process
 * boundary (argv in, stdout out), so both are zod schemas.
 */
import { z } from 'zod';

export const RequestMode = z.enum(['json', 'stream', 'mixed']);
export type RequestMode = z.infer<typeof RequestMode>;

export const LoadSpec = z.strictObject({
  /** Origin only, e.g. http://127.0.0.1:4000; must be loopback (checked by the worker). */
  origin: z.string().url(),
  path: z.string().startsWith('/'),
  headers: z.record(z.string(), z.string()),
  model: z.string().min(1),
  /** json = non-streaming; mixed alternates stream and json request by request. */
  mode: RequestMode,
  concurrency: z.number().int().positive(),
  /** Stop issuing after this many requests… */
  maxRequests: z.number().int().positive(),
  /** …or after this long, whichever comes first. */
  maxDurationMs: z.number().int().positive(),
  /** Unmeasured requests at the same concurrency before the measured run (0 = none). */
  warmupRequests: z.number().int().nonnegative(),
  warmupMaxDurationMs: z.number().int().nonnegative(),
});
export type LoadSpec = z.infer<typeof LoadSpec>;

/** Percentiles of one latency, in milliseconds; null when no request succeeded. */
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
  completed: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  /** Up to a few distinct error messages, to say why requests failed. */
  errorSamples: z.array(z.string()),
  elapsedMs: z.number().nonnegative(),
  /** Successful requests per second over the measured window. */
  rps: z.number().nonnegative(),
  /** Time from sending the request to the first body byte. */
  ttfb: LatencySummary,
  /** Time from sending the request to the last body byte. */
  total: LatencySummary,
});
export type LoadResult = z.infer<typeof LoadResult>;
