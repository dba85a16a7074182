/**
 * Gemini usageMetadata ⇄ canonical usage. `promptTokenCount` INCLUDES cached tokens;
 * `candidatesTokenCount` is visible output only and `thoughtsTokenCount` comes on top; tool-use
 * prompt tokens are prompt too. So input = prompt + toolUsePrompt, output = candidates +
 * thoughts, reasoning = thoughts, cacheRead = cachedContent. Gemini reports no cache writes.
 */
import type { Usage } from '../../../canonical/form.ts';
import type { GeminiUsage } from './gemini-api.ts';

export function fromGeminiUsage(u: GeminiUsage | undefined): Usage {
  const thoughts = u?.thoughtsTokenCount ?? 0;
  return {
    input: (u?.promptTokenCount ?? 0) + (u?.toolUsePromptTokenCount ?? 0),
    output: (u?.candidatesTokenCount ?? 0) + thoughts,
    cacheRead: u?.cachedContentTokenCount ?? 0,
    cacheWrite: 0,
    reasoning: thoughts,
  };
}

export function toGeminiUsage(u: Partial<Usage>): Required<Omit<GeminiUsage, 'toolUsePromptTokenCount'>> {
  const input = u.input ?? 0;
  const output = u.output ?? 0;
  const thoughts = Math.min(u.reasoning ?? 0, output);
  return {
    promptTokenCount: input,
    candidatesTokenCount: output - thoughts,
    thoughtsTokenCount: thoughts,
    cachedContentTokenCount: u.cacheRead ?? 0,
    totalTokenCount: input + output,
  };
}
