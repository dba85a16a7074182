/**
 * The proxy's own phases of one call, from a handful of `performance.now()` marks set along
 * the request (a field assignment each: nothing is computed or allocated on the hot path).
 * `phasesOf` turns them into durations after the response has gone out.
 *
 *   arrival ─read─▶ body parsed ─route─▶ upstream request sent ─connect─▶ upstream answered
 *   (status, headers) ─firstByte─▶ first upstream byte ─stream─▶ response ended ─log─▶ record built
 *
 * A mark that was never reached (an error before the upstream) gives its phase 0 ms and the
 * next reached mark takes the time, so the phases always add up to the call's duration.
 */
import { z } from 'zod';

export const PROXY_PHASES = ['read', 'route', 'connect', 'firstByte', 'stream', 'log'] as const;
export type ProxyPhase = (typeof PROXY_PHASES)[number];

export const ProxyPhasesSchema = z.object({
  read: z.number().nonnegative(),
  route: z.number().nonnegative(),
  connect: z.number().nonnegative(),
  firstByte: z.number().nonnegative(),
  stream: z.number().nonnegative(),
  log: z.number().nonnegative(),
});
export type ProxyPhases = z.infer<typeof ProxyPhasesSchema>;

/** performance.now() of each point a call reached; undefined = not reached. */
export interface PhaseMarks {
  bodyRead?: number;
  upstreamSent?: number;
  upstreamAnswered?: number;
  firstByte?: number;
  responded?: number;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Phase durations (ms) between `start` and `end`, tiling `end − start` exactly up to rounding. */
export function phasesOf(start: number, marks: PhaseMarks, end: number): ProxyPhases {
  const points = [marks.bodyRead, marks.upstreamSent, marks.upstreamAnswered, marks.firstByte, marks.responded];
  const out = [0, 0, 0, 0, 0, 0];
  let prev = start;
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    if (p === undefined) continue;
    const at = Math.min(Math.max(p, prev), end);
    out[i] = at - prev;
    prev = at;
  }
  out[5] = Math.max(0, end - prev);
  return {
    read: round3(out[0]!),
    route: round3(out[1]!),
    connect: round3(out[2]!),
    firstByte: round3(out[3]!),
    stream: round3(out[4]!),
    log: round3(out[5]!),
  };
}
