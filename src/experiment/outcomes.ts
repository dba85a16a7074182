/**
 * How a run ended: the RunRecord's `outcome`. Its own module, free of zod, because the report's
 * worker threads need the list (report/group.ts) and load every module they import again: through
 * run-record.ts they loaded zod too, ≈ 150 ms of each worker's start (bench/PROFILE.md, eleventh pass).
 */
export const OUTCOMES = ['pass', 'fail', 'error', 'timeout', 'canceled', 'infra'] as const;
export type Outcome = (typeof OUTCOMES)[number];
