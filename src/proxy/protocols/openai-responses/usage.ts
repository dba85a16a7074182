/**
 * Responses usage ⇄ canonical usage. Like Chat Completions, `input_tokens` INCLUDES
 * `input_tokens_details.cached_tokens` and `output_tokens` INCLUDES
 * `output_tokens_details.reasoning_tokens`: the canonical convention, no arithmetic.
 */
import type { Usage } from '../../../canonical/form.ts';

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export function toResponsesUsage(u: Usage): ResponsesUsage {
  return {
    input_tokens: u.input,
    input_tokens_details: { cached_tokens: u.cacheRead },
    output_tokens: u.output,
    output_tokens_details: { reasoning_tokens: u.reasoning },
    total_tokens: u.input + u.output,
  };
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function fromResponsesUsage(u: unknown): Usage | undefined {
  if (!u || typeof u !== 'object') return undefined;
  const x = u as Record<string, unknown>;
  const inDetails = (x.input_tokens_details ?? {}) as Record<string, unknown>;
  const outDetails = (x.output_tokens_details ?? {}) as Record<string, unknown>;
  return { input: num(x.input_tokens), output: num(x.output_tokens), cacheRead: num(inDetails.cached_tokens), cacheWrite: 0, reasoning: num(outDetails.reasoning_tokens) };
}
