/**
 * Anthropic usage ⇄ canonical usage. Anthropic `input_tokens` EXCLUDES cache reads and
 * writes; canonical `input` is the whole prompt. Anthropic does not report reasoning tokens
 * separately (they are inside `output_tokens`).
 */
import type { Usage } from '../../../canonical/form.ts';
import type { AnthropicUsage } from './anthropic-api.ts';

export interface AnthropicUsageOut {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  /** Sent when some of the write used the 1-hour TTL, as Anthropic splits it. */
  cache_creation?: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

export function fromAnthropicUsage(u: AnthropicUsage | undefined): Usage {
  const uncached = u?.input_tokens ?? 0;
  const cacheWrite = u?.cache_creation_input_tokens ?? 0;
  const cacheRead = u?.cache_read_input_tokens ?? 0;
  const cacheWrite1h = u?.cache_creation?.ephemeral_1h_input_tokens ?? 0;
  return {
    input: uncached + cacheWrite + cacheRead,
    output: u?.output_tokens ?? 0,
    cacheRead,
    cacheWrite,
    reasoning: 0,
    ...(cacheWrite1h > 0 ? { cacheWrite1h } : {}),
  };
}

export function toAnthropicUsage(u: Partial<Usage>): AnthropicUsageOut {
  const cacheRead = u.cacheRead ?? 0;
  const cacheWrite = u.cacheWrite ?? 0;
  return {
    input_tokens: Math.max(0, (u.input ?? 0) - cacheRead - cacheWrite),
    output_tokens: u.output ?? 0,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
    ...(u.cacheWrite1h
      ? { cache_creation: { ephemeral_5m_input_tokens: cacheWrite - u.cacheWrite1h, ephemeral_1h_input_tokens: u.cacheWrite1h } }
      : {}),
  };
}

/** Merges a later (cumulative) Anthropic usage report over an earlier one, field by field. */
export function mergeAnthropicUsage(a: AnthropicUsage | undefined, b: AnthropicUsage | undefined): AnthropicUsage {
  const out: AnthropicUsage = { ...a };
  for (const key of ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const) {
    const v = b?.[key];
    if (typeof v === 'number') out[key] = v;
  }
  if (b?.cache_creation) out.cache_creation = b.cache_creation;
  return out;
}
