/**
 * A prompt as prompt caching sees it: an ordered list of blocks (tool definitions, then system
 * blocks, then every message's content blocks — the order Anthropic documents for its cache
 * prefix, "tools → system → messages"), each with its token count, the running total up to
 * and including it, a key that identifies the whole prefix ending there, and the cache
 * breakpoint the caller put on it, if any.
 *
 * Token counts are the same ones `usage.input` reports (tokens.ts), so the cached part of a
 * prompt can never exceed the prompt. Keys chain a digest over every block before, so two
 * prompts share a key at block i exactly when their first i + 1 blocks are identical; cache
 * markers are not part of a block's identity (moving a breakpoint does not change the text).
 */
import type { CacheMark, CanonicalRequest } from '../canonical/form.ts';
import { digest } from './rng.ts';
import { countPartTokens, countTextTokens, MESSAGE_OVERHEAD_TOKENS, toolJson } from '../canonical/tokens.ts';

export interface PromptSegment {
  tokens: number;
  /** Tokens of this block and every block before it. */
  cumulative: number;
  /** Identifies the prefix that ends with this block (model, and every block up to here). */
  key: string;
  mark?: CacheMark;
}

/** JSON of a block without its cache marker. */
function identity(value: unknown): string {
  return JSON.stringify(value, (k, v: unknown) => (k === 'cacheControl' ? undefined : v));
}

/** The request's blocks in cache-prefix order. `model` roots the keys: caches are per model. */
export function promptSegments(req: Pick<CanonicalRequest, 'system' | 'messages' | 'tools'>, model: string): PromptSegment[] {
  const segments: PromptSegment[] = [];
  let key = digest(`model\u0000${model}`);
  let cumulative = 0;
  const push = (tokens: number, text: string, mark: CacheMark | undefined) => {
    key = digest(`${key}\u0001${text}`);
    cumulative += tokens;
    segments.push({ tokens, cumulative, key, ...(mark ? { mark } : {}) });
  };
  for (const tool of req.tools) {
    const json = toolJson(tool);
    push(countTextTokens(json), `tool\u0000${json}`, tool.cacheControl);
  }
  for (const part of req.system) push(countTextTokens(part.text), `system\u0000${part.text}`, part.cacheControl);
  for (const message of req.messages) {
    // A message's role markers are counted with its first block (an empty message keeps them alone).
    let overhead = MESSAGE_OVERHEAD_TOKENS;
    if (message.content.length === 0) push(overhead, `${message.role}\u0000`, undefined);
    for (const part of message.content) {
      push(overhead + countPartTokens(part), `${message.role}\u0000${identity(part)}`, 'cacheControl' in part ? part.cacheControl : undefined);
      overhead = 0;
    }
  }
  return segments;
}

/** Tokens of the whole prompt described by `segments`. */
export function totalTokens(segments: readonly PromptSegment[]): number {
  return segments.at(-1)?.cumulative ?? 0;
}
