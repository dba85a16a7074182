/**
 * Alias → deployments: load balancing, retries with backoff (honouring Retry-After) and
 * fallbacks to other aliases. One `call()` wraps one client request; the callback performs
 * a single attempt against one deployment and resolves once the upstream committed
 * (answered 2xx); errors before that point are retried or failed over.
 */
import type { Deployment, ProxyConfig } from '../config/types.ts';
import { ProxyError } from '../canonical/errors.ts';
import { sleep } from '../util/sleep.ts';

export interface AttemptInfo {
  deployment: Deployment;
  /** 1-based attempt number across retries and fallbacks. */
  attempt: number;
  alias: string;
}

export interface RouteResult<T> {
  value: T;
  deployment: Deployment;
  attempts: number;
  /** Time spent sleeping between attempts (backoff), ms. */
  retryWaitMs: number;
  /** Call when the response is fully delivered (least-busy accounting). */
  release(): void;
}

export interface RouterDeps {
  random?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  now?: () => number;
  onRetry?: (info: AttemptInfo & { error: ProxyError; delayMs: number }) => void;
}

const NO_FALLBACK_KINDS = new Set(['invalid_request', 'request_too_large', 'client_closed']);


export class Router {
  private readonly byAlias = new Map<string, Deployment[]>();
  private readonly inflight = new Map<string, number>();
  private rr = 0;
  private readonly random: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly now: () => number;

  constructor(
    private readonly config: ProxyConfig,
    private readonly deps: RouterDeps = {},
  ) {
    for (const d of config.deployments) {
      const list = this.byAlias.get(d.alias) ?? [];
      list.push(d);
      this.byAlias.set(d.alias, list);
    }
    this.random = deps.random ?? Math.random;
    this.sleep = deps.sleep ?? sleep;
    this.now = deps.now ?? (() => performance.now());
  }

  aliases(): string[] {
    return [...this.byAlias.keys()];
  }

  has(alias: string): boolean {
    return this.byAlias.has(alias);
  }

  deploymentsOf(alias: string): Deployment[] {
    return this.byAlias.get(alias) ?? [];
  }

  unknownAlias(alias: string): ProxyError {
    const known = this.aliases();
    return new ProxyError(
      `unknown model "${alias}"; this proxy serves: ${known.length ? known.join(', ') : '(no models configured)'}`,
      { code: 'model_not_found', kind: 'not_found', context: { alias, known } },
    );
  }

  /** Orders an alias's deployments for one request according to the routing strategy. */
  private order(alias: string): Deployment[] {
    const list = this.byAlias.get(alias) ?? [];
    if (list.length <= 1) return list;
    switch (this.config.router.strategy) {
      case 'round-robin': {
        const start = this.rr++ % list.length;
        return [...list.slice(start), ...list.slice(0, start)];
      }
      case 'least-busy':
        return [...list].sort((a, b) => (this.inflight.get(a.id) ?? 0) - (this.inflight.get(b.id) ?? 0));
      default: {
        // weighted shuffle: repeatedly draw proportionally to weight without replacement
        const pool = [...list];
        const out: Deployment[] = [];
        while (pool.length) {
          const total = pool.reduce((s, d) => s + d.weight, 0);
          let r = this.random() * total;
          let i = 0;
          for (; i < pool.length - 1; i++) {
            r -= pool[i]!.weight;
            if (r < 0) break;
          }
          out.push(pool.splice(i, 1)[0]!);
        }
        return out;
      }
    }
  }

  private backoff(retry: number, e: ProxyError): number {
    const { retryBaseMs, retryMaxMs, timeoutMs } = this.config.router;
    const exp = Math.min(retryMaxMs, retryBaseMs * 2 ** retry) * (0.5 + this.random() * 0.5);
    const asked = e.retryAfterMs ?? 0;
    return Math.min(Math.max(exp, asked), timeoutMs);
  }

  async call<T>(
    alias: string,
    signal: AbortSignal,
    attempt: (d: Deployment, info: AttemptInfo) => Promise<T>,
  ): Promise<RouteResult<T>> {
    if (!this.has(alias)) {
      const first = this.aliases()[0];
      if (!this.config.anyAlias || first === undefined) throw this.unknownAlias(alias);
      alias = first;
    }
    const chain = [alias, ...(this.config.router.fallbacks[alias] ?? []).filter((a) => this.has(a))];
    let attempts = 0;
    let retryWaitMs = 0;
    let last: ProxyError | undefined;
    for (const a of chain) {
      const order = this.order(a);
      const tries = 1 + Math.max(0, order[0]!.maxRetries);
      for (let i = 0; i < tries; i++) {
        const d = order[i % order.length]!;
        attempts++;
        this.inflight.set(d.id, (this.inflight.get(d.id) ?? 0) + 1);
        let released = false;
        const release = () => {
          if (released) return;
          released = true;
          this.inflight.set(d.id, (this.inflight.get(d.id) ?? 1) - 1);
        };
        try {
          const value = await attempt(d, { deployment: d, attempt: attempts, alias: a });
          return { value, deployment: d, attempts, retryWaitMs, release };
        } catch (err) {
          release();
          const e = ProxyError.from(err);
          e.context.attempts = attempts;
          last = e;
          if (signal.aborted || NO_FALLBACK_KINDS.has(e.kind)) throw e;
          if (!e.retryable) break; // go to the next alias in the fallback chain
          if (i + 1 < tries) {
            const delayMs = this.backoff(i, e);
            this.deps.onRetry?.({ deployment: d, attempt: attempts, alias: a, error: e, delayMs });
            const t0 = this.now();
            await this.sleep(delayMs, signal);
            retryWaitMs += this.now() - t0;
          }
        }
      }
    }
    throw last ?? this.unknownAlias(alias);
  }
}
