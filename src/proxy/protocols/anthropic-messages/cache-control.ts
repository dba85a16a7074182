/**
 * Anthropic `cache_control` ⇄ canonical CacheMark. Anthropic accepts `{type: 'ephemeral'}`
 * (5-minute TTL) and `{type: 'ephemeral', ttl: '1h'}` on tools, system blocks and message
 * content blocks (https://docs.claude.com/en/docs/build-with-claude/prompt-caching).
 */
import type { CacheMark } from '../../../canonical/form.ts';

/** The mark a block's `cache_control` sets, or undefined when there is none. */
export function decodeCacheMark(cacheControl: { ttl?: unknown } | null | undefined): CacheMark | undefined {
  if (!cacheControl) return undefined;
  return { ttl: cacheControl.ttl === '1h' ? '1h' : '5m' };
}

/** `{cache_control}` to spread into an encoded block (empty when the part has no mark). */
export function encodeCacheMark(mark: CacheMark | undefined): { cache_control?: { type: 'ephemeral'; ttl?: '1h' } } {
  if (!mark) return {};
  return { cache_control: mark.ttl === '1h' ? { type: 'ephemeral', ttl: '1h' } : { type: 'ephemeral' } };
}
