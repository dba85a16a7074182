/** Default values of the proxy configuration, in one place so the docs, the simulator and tests agree. */
import { DEFAULT_LATENCY_PROFILE } from './sim-profiles.ts';
import type { RouterSettings, SimOptions } from './types.ts';

/** The alias agents are pointed at when nothing else is configured. */
export const DEFAULT_ALIAS = 'shared-model';
/** The upstream model name of the simulator deployment of the default config. */
export const DEFAULT_SIM_MODEL = 'sim-default';

/** Timing defaults come from published measurements (config/sim-profiles.ts cites them). */
export const DEFAULT_SIM_OPTIONS: Readonly<SimOptions> = Object.freeze({
  seed: 1,
  ttftMs: DEFAULT_LATENCY_PROFILE.ttftMs,
  ttftMsPer1kTokens: DEFAULT_LATENCY_PROFILE.ttftMsPer1kTokens,
  tokensPerSecond: DEFAULT_LATENCY_PROFILE.tokensPerSecond,
  jitter: 0.1,
  errorRate: 0,
  rateLimitRate: 0,
  stallRate: 0,
  stallMs: 5000,
  answerTokens: 40,
  cache: Object.freeze({ rules: 'auto' as const, shared: false }),
});

export const DEFAULT_NUM_RETRIES = 2;
/** LiteLLM's default request timeout, 600 s. */
export const DEFAULT_TIMEOUT_MS = 600_000;
export const DEFAULT_TTFT_TIMEOUT_MS = 120_000;
export const DEFAULT_RETRY_BASE_MS = 250;
export const DEFAULT_RETRY_MAX_MS = 8_000;
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

export const DEFAULT_OPENAI_API_BASE = 'https://api.openai.com/v1';
export const DEFAULT_ANTHROPIC_API_BASE = 'https://api.anthropic.com';
export const DEFAULT_VERTEX_LOCATION = 'us-central1';

export function defaultRouterSettings(): RouterSettings {
  return {
    numRetries: DEFAULT_NUM_RETRIES,
    timeoutMs: DEFAULT_TIMEOUT_MS,
    ttftTimeoutMs: DEFAULT_TTFT_TIMEOUT_MS,
    fallbacks: {},
    retryBaseMs: DEFAULT_RETRY_BASE_MS,
    retryMaxMs: DEFAULT_RETRY_MAX_MS,
    strategy: 'simple-shuffle',
  };
}
