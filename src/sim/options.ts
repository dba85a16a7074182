/**
 * Fallback knobs of the simulated model, used when a deployment carries no `sim` block.
 * (The YAML loader in src/config/ applies its own defaults; these keep the simulator usable
 * on its own, e.g. from tests and benchmarks.)
 */
import type { SimOptions } from '../config/types.ts';

export const SIM_DEFAULTS: Readonly<SimOptions> = Object.freeze({
  seed: 1,
  ttftMs: 500,
  ttftMsPer1kTokens: 15,
  tokensPerSecond: 80,
  jitter: 0.2,
  errorRate: 0,
  rateLimitRate: 0,
  stallRate: 0,
  stallMs: 30_000,
  answerTokens: 120,
});

/** Fills missing knobs from SIM_DEFAULTS. */
export function resolveSimOptions(opts?: Partial<SimOptions>): SimOptions {
  return { ...SIM_DEFAULTS, ...(opts ?? {}) };
}
