/**
 * OpenAI usage ⇄ canonical usage. OpenAI's `prompt_tokens` already INCLUDES
 * `prompt_tokens_details.cached_tokens`, and `completion_tokens` INCLUDES
 * `completion_tokens_details.reasoning_tokens`, which is exactly the canonical convention
 * (cacheRead ⊆ input, reasoning ⊆ output), so no arithmetic is needed either way.
 * OpenAI has no notion of cache writes: cacheWrite is 0 coming in and dropped going out.
 */
import type { Usage } from '../../../canonical/form.ts';
import type { ChatUsage } from './schema.ts';

export function fromOpenAIUsage(u: ChatUsage | null | undefined): Usage {
  return {
    input: u?.prompt_tokens ?? 0,
    output: u?.completion_tokens ?? 0,
    cacheRead: u?.prompt_tokens_details?.cached_tokens ?? 0,
    cacheWrite: 0,
    reasoning: u?.completion_tokens_details?.reasoning_tokens ?? 0,
  };
}

// A type alias, not an interface, so it is assignable to the loose schema's index signature.
export type OpenAIUsage = {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
};

export function toOpenAIUsage(u: Usage): OpenAIUsage {
  return {
    prompt_tokens: u.input,
    completion_tokens: u.output,
    total_tokens: u.input + u.output,
    prompt_tokens_details: { cached_tokens: u.cacheRead },
    completion_tokens_details: { reasoning_tokens: u.reasoning },
  };
}
