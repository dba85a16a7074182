/**
 * Default timing of the simulated model per model family, from published measurements. A
 * sim deployment named after a real model (`sim/claude-sonnet-4-5`, `sim/gpt-5`) takes that
 * family's profile; any other name (`sim/sim-default`) takes DEFAULT_LATENCY_PROFILE. Values
 * set in the deployment's `sim:` block always win.
 *
 * Base time to first token and output rate: median of hourly probes of each model with a
 * minimal prompt ("Hi", 20 output tokens) through OpenRouter — J. Wrede, "TTFT varies 13x
 * across LLM providers" (2026, https://www.jonathanwrede.de/en/blog/ttft-varies-13x-across-llm-providers/):
 *   gemini-2.5-flash 412 ms, 235.6 tok/s · gemini-2.5-flash-lite 321 ms, 191.9 tok/s ·
 *   gemini-2.0-flash 405 ms, 203.2 tok/s · gpt-5.4 912 ms, 44.8 tok/s ·
 *   claude-opus-4.6 1,709 ms, 70.4 tok/s · claude-sonnet-4.6 2,120 ms, 44.3 tok/s.
 *
 * Prompt processing (time to first token per 1,000 prompt tokens, uncached and cached): fitted
 * to Anthropic's prompt-caching announcement (2024-08-14, https://www.anthropic.com/news/prompt-caching),
 * which reports latency for a 100,000-token prompt of 11.5 s uncached and 2.4 s cached (−79 %)
 * and for a 10,000-token prompt of 1.6 s and 1.1 s (−31 %). The uncached slope through both
 * points is (11.5 − 1.6) s / 90k tokens ≈ 110 ms per 1k tokens; the cached prompt at 100k
 * costs (2.4 − 0.5) s / 100k ≈ 19 ms per 1k, i.e. cached tokens take about 0.17 of the time of
 * uncached ones (CACHED_PREFILL_FACTOR). No provider publishes a comparable curve per
 * model, so every profile uses the same slope; override `ttft_ms_per_1k_tokens` per deployment.
 */
import { simulatedModelName } from '../util/model-name.ts';

export interface LatencyProfile {
  /** Which measurement the numbers come from, for docs and `--help`. */
  name: string;
  ttftMs: number;
  ttftMsPer1kTokens: number;
  tokensPerSecond: number;
}

/** Uncached prompt processing, ms per 1k tokens (see the header). */
export const PREFILL_MS_PER_1K_TOKENS = 110;
/** Cached prompt tokens cost this fraction of the time of uncached ones (19 / 110). */
export const CACHED_PREFILL_FACTOR = 0.17;

const profile = (name: string, ttftMs: number, tokensPerSecond: number): LatencyProfile => ({
  name,
  ttftMs,
  ttftMsPer1kTokens: PREFILL_MS_PER_1K_TOKENS,
  tokensPerSecond,
});

/** The simulator's own default: gemini-2.5-flash, which it is also priced like. */
export const DEFAULT_LATENCY_PROFILE: LatencyProfile = profile('gemini-2.5-flash', 412, 235.6);

/** First match wins, tested against the normalised model name. */
const PROFILES: ReadonlyArray<readonly [RegExp, LatencyProfile]> = [
  [/^gemini-2\.5-flash-lite/, profile('gemini-2.5-flash-lite', 321, 191.9)],
  [/^gemini-(?:2\.5|3(?:\.\d+)?)-flash/, DEFAULT_LATENCY_PROFILE],
  [/^gemini-2\.0-flash/, profile('gemini-2.0-flash', 405, 203.2)],
  [/^gpt-5(?:\.\d+)?$/, profile('gpt-5.4', 912, 44.8)],
  [/^claude-(?:opus-4|4-opus)/, profile('claude-opus-4.6', 1_709, 70.4)],
  [/^claude-(?:sonnet-4|4-sonnet)/, profile('claude-sonnet-4.6', 2_120, 44.3)],
];

/** The timing profile of the model a sim deployment stands in for. */
export function latencyProfileOf(model: string): LatencyProfile {
  const name = simulatedModelName(model);
  return PROFILES.find(([re]) => re.test(name))?.[1] ?? DEFAULT_LATENCY_PROFILE;
}
