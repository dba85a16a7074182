/**
 * Simulated prompt caching, by each provider's documented rules. The prompt is a list of
 * blocks (prompt-segments.ts); the cache remembers prefixes (by their chained key) per scope
 * with an expiry time, and `account` returns what a provider would report for one request.
 *
 * Anthropic Messages — explicit breakpoints
 * (https://docs.claude.com/en/docs/build-with-claude/prompt-caching):
 * - Nothing is cached unless a block carries `cache_control`; the cached prefix is everything
 *   up to and including a marked block, in the order tools → system → messages.
 * - At most 4 breakpoints per request (more is a 400 invalid_request_error).
 * - At each breakpoint the cache is checked at that block and at the block boundaries before
 *   it, up to about 20 blocks back; the longest live prefix found is read.
 * - A prefix shorter than the model's minimum cacheable length is neither cached nor an
 *   error (the minimums are in cache-rules.ts).
 * - Entries live 5 minutes, refreshed at no cost each time they are read; `ttl: "1h"` asks
 *   for one hour. 1-hour breakpoints must come before 5-minute ones.
 * - usage: `cache_read_input_tokens` (the prefix read), `cache_creation_input_tokens` (from
 *   there up to the last breakpoint), `input_tokens` (the rest, after the last breakpoint).
 *
 * OpenAI Chat/Responses — automatic prefix caching
 * (https://platform.openai.com/docs/guides/prompt-caching; OpenAI cookbook "Prompt Caching 201"):
 * - Every prompt of 1,024 tokens or more is cached; a later prompt with the same prefix reads
 *   the longest shared prefix, in steps of 128 tokens past the first 1,024
 *   (1,024, 1,152, 1,280 …), reported as `prompt_tokens_details.cached_tokens`.
 * - Caches are cleared after 5–10 minutes of inactivity: the simulator uses 5 minutes.
 * - No cache writes are reported or billed.
 *
 * Gemini — implicit caching (https://ai.google.dev/gemini-api/docs/caching):
 * - On by default for Gemini 2.5 and later; a request whose prefix repeats a recent one, above
 *   the model's minimum token count, reports the reused part as `cachedContentTokenCount`.
 *   Google documents no lifetime for implicit caches ("send requests with a similar prefix in
 *   a short amount of time"): the simulator uses 5 minutes. No writes are reported; cache
 *   creation is billed at the ordinary input rate.
 *
 * A prefix matches at block granularity (a real provider matches token by token, so it can
 * also reuse part of a changed block: the simulator's reads are a lower bound of that).
 */
import { ProxyError } from '../canonical/errors.ts';
import { Lru } from '../util/lru.ts';
import type { PromptSegment } from './prompt-segments.ts';

export type CacheRules = 'anthropic' | 'openai' | 'gemini' | 'none';

export const FIVE_MINUTES_MS = 5 * 60_000;
export const ONE_HOUR_MS = 60 * 60_000;
/** Anthropic: "You can define up to 4 cache breakpoints". */
export const ANTHROPIC_MAX_BREAKPOINTS = 4;
/** Anthropic checks for hits at the breakpoint and about 20 block boundaries before it. */
export const ANTHROPIC_LOOKBACK_BLOCKS = 20;
/** OpenAI caches prompts from 1,024 tokens, in 128-token steps past that. */
export const OPENAI_MIN_CACHED_TOKENS = 1_024;
export const OPENAI_CACHE_STEP_TOKENS = 128;

export interface CacheAccount {
  /** Tokens read from the cache (a prefix of the prompt). */
  cacheRead: number;
  /** Tokens written to the cache (Anthropic only), of which `cacheWrite1h` with the 1-hour TTL. */
  cacheWrite: number;
  cacheWrite1h: number;
}

const NOTHING: CacheAccount = Object.freeze({ cacheRead: 0, cacheWrite: 0, cacheWrite1h: 0 });

interface Entry {
  expiresAt: number;
  ttlMs: number;
}

/** The largest cached-token count OpenAI can report for a shared prefix of `tokens`. */
export function openAiCachedTokens(tokens: number): number {
  if (tokens < OPENAI_MIN_CACHED_TOKENS) return 0;
  const steps = Math.floor((tokens - OPENAI_MIN_CACHED_TOKENS) / OPENAI_CACHE_STEP_TOKENS);
  return OPENAI_MIN_CACHED_TOKENS + steps * OPENAI_CACHE_STEP_TOKENS;
}

function invalidCacheControl(message: string): ProxyError {
  return new ProxyError(message, { code: 'invalid_cache_control', kind: 'invalid_request', status: 400 });
}

export class PromptCache {
  private readonly entries: Lru<string, Entry>;

  /**
   * `now` is a millisecond clock (injected so tests can expire entries); `maxEntries` bounds
   * memory (least recently used prefixes go first, as a provider evicts under pressure).
   */
  constructor(
    private readonly now: () => number = () => Date.now(),
    maxEntries = 100_000,
  ) {
    this.entries = new Lru(maxEntries);
  }

  /**
   * Accounts one request: what was read, what was written, and updates the cache.
   * `scope` isolates caches (a provider's organisation or key; here the credential and cell);
   * `minTokens` is the model's minimum cacheable length. Throws a 400 ProxyError for
   * breakpoints Anthropic would reject.
   */
  account(scope: string, rules: CacheRules, segments: readonly PromptSegment[], minTokens: number): CacheAccount {
    switch (rules) {
      case 'anthropic':
        return this.anthropic(scope, segments, minTokens);
      case 'openai':
        return this.automatic(scope, segments, Math.max(minTokens, OPENAI_MIN_CACHED_TOKENS), openAiCachedTokens);
      case 'gemini':
        return this.automatic(scope, segments, minTokens, (tokens) => tokens);
      case 'none':
        return NOTHING;
    }
  }

  private live(scope: string, key: string, t: number): Entry | undefined {
    const entry = this.entries.get(`${scope}\u0000${key}`);
    if (!entry) return undefined;
    if (entry.expiresAt <= t) {
      this.entries.delete(`${scope}\u0000${key}`);
      return undefined;
    }
    return entry;
  }

  private store(scope: string, key: string, ttlMs: number, t: number): void {
    this.entries.set(`${scope}\u0000${key}`, { expiresAt: t + ttlMs, ttlMs });
  }

  /** Throws the 400 Anthropic answers for breakpoints it does not accept (other rules accept anything). */
  validate(rules: CacheRules, segments: readonly PromptSegment[]): void {
    if (rules !== 'anthropic') return;
    const marks = segments.flatMap((s) => (s.mark ? [s.mark] : []));
    if (marks.length > ANTHROPIC_MAX_BREAKPOINTS) {
      throw invalidCacheControl(`A maximum of ${ANTHROPIC_MAX_BREAKPOINTS} blocks with cache_control may be provided. Found ${marks.length}.`);
    }
    const firstShort = marks.findIndex((m) => m.ttl === '5m');
    if (firstShort >= 0 && marks.slice(firstShort).some((m) => m.ttl === '1h')) {
      throw invalidCacheControl('a cache_control block with ttl "1h" cannot come after one with ttl "5m" (tools, then system, then messages)');
    }
  }

  private anthropic(scope: string, segments: readonly PromptSegment[], minTokens: number): CacheAccount {
    this.validate('anthropic', segments);
    const breakpoints: number[] = [];
    segments.forEach((s, i) => {
      if (s.mark) breakpoints.push(i);
    });
    if (breakpoints.length === 0) return NOTHING;

    const t = this.now();
    // Read: the longest live prefix at a breakpoint or up to 20 block boundaries before one.
    let hit = -1;
    for (const b of breakpoints) {
      for (let j = b; j >= Math.max(0, b - ANTHROPIC_LOOKBACK_BLOCKS + 1) && j > hit; j--) {
        const s = segments[j] as PromptSegment;
        if (s.cumulative < minTokens) break;
        if (this.live(scope, s.key, t)) {
          hit = j;
          break;
        }
      }
    }
    let cacheRead = 0;
    if (hit >= 0) {
      const s = segments[hit] as PromptSegment;
      const entry = this.live(scope, s.key, t) as Entry;
      this.store(scope, s.key, entry.ttlMs, t); // a read refreshes the entry's lifetime
      cacheRead = s.cumulative;
    }

    // Write: everything after what was read, up to the last breakpoint long enough to cache.
    let cacheWrite = 0;
    let cacheWrite1h = 0;
    for (const b of breakpoints) {
      const s = segments[b] as PromptSegment;
      if (b <= hit || s.cumulative < minTokens) continue;
      const ttlMs = s.mark?.ttl === '1h' ? ONE_HOUR_MS : FIVE_MINUTES_MS;
      this.store(scope, s.key, ttlMs, t);
      cacheWrite = s.cumulative - cacheRead;
      if (s.mark?.ttl === '1h') cacheWrite1h = cacheWrite;
    }
    return { cacheRead, cacheWrite, cacheWrite1h };
  }

  /** OpenAI and Gemini: the whole prompt is cached; reads are the longest live shared prefix. */
  private automatic(
    scope: string,
    segments: readonly PromptSegment[],
    minTokens: number,
    reported: (sharedTokens: number) => number,
  ): CacheAccount {
    const total = segments.at(-1)?.cumulative ?? 0;
    if (total < minTokens || total === 0) return NOTHING;
    const t = this.now();
    let shared = 0;
    for (let j = segments.length - 1; j >= 0; j--) {
      const s = segments[j] as PromptSegment;
      if (s.cumulative < minTokens) break;
      if (this.live(scope, s.key, t)) {
        shared = s.cumulative;
        break;
      }
    }
    for (const s of segments) if (s.cumulative >= minTokens) this.store(scope, s.key, FIVE_MINUTES_MS, t);
    return { cacheRead: shared > 0 ? reported(shared) : 0, cacheWrite: 0, cacheWrite1h: 0 };
  }
}
