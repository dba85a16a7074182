/**
 * The simulator as a backend of the proxy: a thin adapter over src/sim/. The simulated time
 * counts as upstream time (timer begin → first token → end), so overhead figures stay
 * meaningful when running against the simulator.
 */
import { DEFAULT_SIM_OPTIONS } from '../../../config/proxy-defaults.ts';
import type { SimOptions } from '../../../config/types.ts';
import type { Sleep } from '../../../util/sleep.ts';
import { simulate, simulateResponse, type SimDeps } from '../../../sim/model.ts';
import { digest } from '../../../sim/rng.ts';
import { createSimState, type SimState } from '../../../sim/plan.ts';
import { countRequestTokens } from '../../../canonical/tokens.ts';
import type { CanonicalRequest, CanonicalResponse, StreamPart } from '../../../canonical/form.ts';
import { parseScriptHeader, type SimAction } from '../../../sim/script.ts';
import type { BackendAdapter, CallOptions, CellContext } from '../types.ts';
import { withProps } from '../../../util/objects.ts';

/** The request header that carries a script for one call (JSON or base64 of JSON). */
export const SIM_SCRIPT_HEADER = 'x-agentab-sim-script';

/**
 * The script of this call: the request's `x-agentab-sim-script` header, else the cell's
 * registered `simScript` (the task's `sim:` actions, registered by the orchestrator).
 */
export function scriptOf(cell: CellContext | undefined): SimAction[] | undefined {
  const header = cell?.headers[SIM_SCRIPT_HEADER];
  if (header) return parseScriptHeader(header);
  const registered = cell?.registered['simScript'];
  return Array.isArray(registered) ? (registered as SimAction[]) : undefined;
}

export interface SimBackendOptions {
  /** Injected for tests (zero or fake delays); defaults to an abortable setTimeout. */
  sleep?: Sleep;
  /** Millisecond clock for the simulated prompt cache's TTL; defaults to Date.now. */
  now?: () => number;
}

export class SimBackend implements BackendAdapter {
  readonly kind = 'sim' as const;
  readonly countsTokensPerCall = true;
  private readonly state: SimState;
  private readonly sleep: Sleep | undefined;

  constructor(o: SimBackendOptions = {}) {
    this.state = createSimState(o.now);
    this.sleep = o.sleep;
  }

  private options(o: CallOptions): SimOptions {
    return o.deployment.sim ?? DEFAULT_SIM_OPTIONS;
  }

  /**
   * Whose prompt cache a call uses. Providers keep caches per organisation or key; here, per
   * deployment and upstream credential, and per cell unless the deployment shares one cache
   * across cells (`sim.cache.shared`), so cells do not warm each other's caches by default.
   */
  private cacheScope(o: CallOptions, opts: SimOptions): string {
    const credential = o.deployment.apiKey ? digest(o.deployment.apiKey) : '-';
    const cell = opts.cache.shared ? '*' : (o.cell?.id ?? '-');
    return `${o.deployment.id}\u0000${credential}\u0000${cell}`;
  }

  private deps(o: CallOptions, opts: SimOptions, req: CanonicalRequest): SimDeps {
    return {
      signal: o.signal,
      state: this.state,
      model: o.deployment.model || req.model,
      cacheScope: this.cacheScope(o, opts),
      ...(this.sleep ? { sleep: this.sleep } : {}),
    };
  }

  async stream(req: CanonicalRequest, o: CallOptions): Promise<ReadableStream<StreamPart>> {
    o.timer.begin();
    try {
      const opts = this.options(o);
      return simulate(req, opts, scriptOf(o.cell), withProps(this.deps(o, opts, req), {
        onFirstToken: () => o.timer.firstByte(),
        onEnd: () => o.timer.end(),
      }));
    } catch (e) {
      o.timer.end();
      throw e;
    }
  }

  async generate(req: CanonicalRequest, o: CallOptions): Promise<CanonicalResponse> {
    o.timer.begin();
    try {
      const opts = this.options(o);
      const res = await simulateResponse(req, opts, scriptOf(o.cell), this.deps(o, opts, req));
      o.timer.firstByte(); // a non-streaming answer arrives all at once
      return res;
    } finally {
      o.timer.end();
    }
  }

  async countTokens(req: CanonicalRequest): Promise<number> {
    return countRequestTokens(req);
  }
}

/** `options` are injected by tests and embedding programs (a fake sleep or clock). */
export const createBackend = (options: unknown): BackendAdapter => new SimBackend((options ?? {}) as SimBackendOptions);
