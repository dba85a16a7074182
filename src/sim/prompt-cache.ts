/**
 * Simulated prompt caching. Providers cache a prompt prefix for about five minutes and bill
 * the reused part as cache reads; the simulator does the same for the stable prefix
 * (system prompt + tool definitions): the first sight of a prefix is a cache write, a repeat
 * within the TTL a cache read (which refreshes the TTL, as Anthropic's does).
 */
import { Lru } from '../util/lru.ts';

export const CACHE_TTL_MS = 5 * 60_000;
/** Anthropic and OpenAI do not cache prefixes shorter than this. */
export const MIN_CACHEABLE_TOKENS = 1_024;

export interface CacheUsage {
  cacheRead: number;
  cacheWrite: number;
}

export class PromptCache {
  private readonly seen: Lru<string, number>;

  constructor(
    private readonly now: () => number = () => Date.now(),
    private readonly ttlMs: number = CACHE_TTL_MS,
    maxEntries = 512,
  ) {
    this.seen = new Lru(maxEntries);
  }

  /** Accounts one request whose prefix hashes to `key` and counts `prefixTokens`. */
  account(key: string, prefixTokens: number): CacheUsage {
    if (prefixTokens < MIN_CACHEABLE_TOKENS) return { cacheRead: 0, cacheWrite: 0 };
    const t = this.now();
    const last = this.seen.get(key);
    this.seen.set(key, t);
    if (last !== undefined && t - last <= this.ttlMs) return { cacheRead: prefixTokens, cacheWrite: 0 };
    return { cacheRead: 0, cacheWrite: prefixTokens };
  }
}
