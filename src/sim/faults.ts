/**
 * Injected failures of the simulated model (SimOptions errorRate, rateLimitRate, stallRate),
 * drawn from a seeded Rng. Callers seed it with the request and its attempt number, so a
 * given request + seed fails the same way every run, while a retry of it draws anew.
 */
import type { SimOptions } from '../config/types.ts';
import { ProxyError } from '../canonical/errors.ts';
import type { Rng } from './rng.ts';

/** What a rate-limited simulated call asks the client to wait. */
export const SIM_RETRY_AFTER_MS = 1_000;

export interface FaultDraw {
  /** A failure to answer with instead of a response. */
  error?: ProxyError;
  /** Extra wait before the first token (0 when the call does not stall). */
  stallMs: number;
}

export function drawFaults(opts: Pick<SimOptions, 'errorRate' | 'rateLimitRate' | 'stallRate' | 'stallMs'>, rng: Rng): FaultDraw {
  // Always draw all three so each knob's outcome does not depend on the others' values.
  const rRate = rng.next();
  const rError = rng.next();
  const rStall = rng.next();
  if (rRate < opts.rateLimitRate) {
    const error = new ProxyError('simulated rate limit (rateLimitRate)', {
      code: 'sim_rate_limit',
      kind: 'rate_limit',
      retryable: true,
      retryAfterMs: SIM_RETRY_AFTER_MS,
    });
    return { error, stallMs: 0 };
  }
  if (rError < opts.errorRate) {
    const error = new ProxyError('simulated upstream error (errorRate)', {
      code: 'sim_api_error',
      kind: 'api_error',
      status: 500,
      retryable: true,
    });
    return { error, stallMs: 0 };
  }
  return { stallMs: rStall < opts.stallRate ? opts.stallMs : 0 };
}
