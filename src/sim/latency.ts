/**
 * The simulated model's timing: time to first token grows with the uncached prompt (and far
 * less with the cached part), then output
 * streams at a token rate in chunks of a few tokens. Every draw comes from a seeded Rng, so
 * a request + seed always gets the same timings; sleeping is injected so tests run with
 * zero or fake delays.
 */
import type { SimOptions } from '../config/types.ts';
import { CACHED_PREFILL_FACTOR } from '../config/sim-profiles.ts';
import type { Rng } from './rng.ts';

/** Fewest and most tokens per streamed chunk (real upstreams send 1–5). */
export const CHUNK_TOKENS_MIN = 1;
export const CHUNK_TOKENS_MAX = 4;

/** Time per 1,000 cached prompt tokens: as configured, else CACHED_PREFILL_FACTOR of the uncached time. */
export function cachedMsPer1k(opts: Pick<SimOptions, 'ttftMsPer1kTokens' | 'ttftMsPer1kCachedTokens'>): number {
  return opts.ttftMsPer1kCachedTokens ?? opts.ttftMsPer1kTokens * CACHED_PREFILL_FACTOR;
}

/**
 * Time to first token: (ttftMs + ttftMsPer1kTokens · uncached / 1000 + cached-rate · cached / 1000)
 * · jitter, where jitter is lognormal with median 1 and sigma `opts.jitter`. Cache reads are
 * cheaper to process than fresh prompt tokens (cache writes are fresh: they are computed).
 * `cachedTokens` defaults to 0 (the whole prompt processed).
 */
export function ttftMs(
  opts: Pick<SimOptions, 'ttftMs' | 'ttftMsPer1kTokens' | 'ttftMsPer1kCachedTokens' | 'jitter'>,
  promptTokens: number,
  rng: Rng,
  cachedTokens = 0,
): number {
  const cached = Math.min(Math.max(0, cachedTokens), promptTokens);
  const base = opts.ttftMs + (opts.ttftMsPer1kTokens * (promptTokens - cached)) / 1000 + (cachedMsPer1k(opts) * cached) / 1000;
  return Math.max(0, base * rng.lognormal(opts.jitter));
}

/** Time to generate one chunk of `tokens` tokens at `tokensPerSecond`, jittered. */
export function chunkDelayMs(opts: Pick<SimOptions, 'tokensPerSecond' | 'jitter'>, tokens: number, rng: Rng): number {
  if (opts.tokensPerSecond <= 0 || !Number.isFinite(opts.tokensPerSecond)) return 0;
  // Per-chunk jitter is milder than per-call jitter: decode speed varies less than queueing.
  return Math.max(0, ((tokens / opts.tokensPerSecond) * 1000) * rng.lognormal(opts.jitter / 2));
}

/** Splits `count` token pieces into chunk sizes of CHUNK_TOKENS_MIN..MAX. */
export function chunkSizes(count: number, rng: Rng): number[] {
  const sizes: number[] = [];
  let left = count;
  while (left > 0) {
    const n = Math.min(left, rng.int(CHUNK_TOKENS_MIN, CHUNK_TOKENS_MAX));
    sizes.push(n);
    left -= n;
  }
  return sizes;
}
