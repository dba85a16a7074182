/**
 * Alias → deployments: wildcard names, load balancing, per-deployment rpm/tpm limits, retries
 * with backoff (honouring Retry-After up to a cap) and fallbacks to other aliases. One
 * `call()` wraps one client request; the callback performs a single attempt against one
 * deployment and resolves once the upstream committed (answered 2xx and sent its first
 * byte); errors before that point are retried or failed over.
 */
import type { Deployment, ProxyConfig } from '../config/types.ts';
import { ProxyError } from '../canonical/errors.ts';
import { sleep } from '../util/sleep.ts';
import { abortSignalOf, type ClientGone } from './client-gone.ts';
import { withProps } from '../util/objects.ts';

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
  /** Call when the response is fully delivered (least-busy accounting), with the call's tokens (tpm). */
  release(tokens?: number): void;
}

export interface RouterDeps {
  random?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  now?: () => number;
  onRetry?: (info: AttemptInfo & { error: ProxyError; delayMs: number }) => void;
}

const NO_FALLBACK_KINDS = new Set(['invalid_request', 'request_too_large', 'client_closed']);

/** Live counters of one call, readable even when it fails (the spend record needs them either way). */
export interface RouteProgress {
  /** Time spent sleeping between attempts (backoff and Retry-After), ms. */
  retryWaitMs: number;
}

const WINDOW_MS = 60_000;

/** Requests and tokens a deployment took in the last minute, for its rpm/tpm limits. */
class MinuteWindow {
  private readonly events: Array<{ at: number; tokens: number }> = [];
  constructor(private readonly now: () => number) {}

  private prune(): void {
    const cutoff = this.now() - WINDOW_MS;
    while (this.events.length && this.events[0]!.at <= cutoff) this.events.shift();
  }

  /** Records a request now; its tokens are added once known. */
  start(): { at: number; tokens: number } {
    const e = { at: this.now(), tokens: 0 };
    this.events.push(e);
    return e;
  }

  /** ms until this deployment may take another request, 0 when it may now. */
  waitMs(rpm: number | undefined, tpm: number | undefined): number {
    this.prune();
    let wait = 0;
    const oldestFreeIn = (i: number) => Math.max(1, this.events[i]!.at + WINDOW_MS - this.now());
    if (rpm !== undefined && this.events.length >= rpm) wait = oldestFreeIn(this.events.length - Math.floor(rpm));
    if (tpm !== undefined) {
      let tokens = this.events.reduce((sum, e) => sum + e.tokens, 0);
      for (let i = 0; tokens >= tpm && i < this.events.length; i++) {
        tokens -= this.events[i]!.tokens;
        wait = Math.max(wait, oldestFreeIn(i));
      }
    }
    return wait;
  }
}

/** `openai/*` → a regex with one capture per `*`. */
function patternOf(alias: string): RegExp {
  const escaped = alias.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('(.*)')}$`);
}

export class Router {
  private readonly byAlias = new Map<string, Deployment[]>();
  /** Wildcard aliases (`*`, `openai/*`), most specific (longest) first, `*` last. */
  private readonly patterns: Array<{ alias: string; re: RegExp }> = [];
  private readonly inflight = new Map<string, number>();
  private readonly windows = new Map<string, MinuteWindow>();
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
    for (const alias of this.byAlias.keys()) {
      if (alias.includes('*')) this.patterns.push({ alias, re: patternOf(alias) });
    }
    this.patterns.sort((a, b) => b.alias.replaceAll('*', '').length - a.alias.replaceAll('*', '').length);
  }

  /**
   * The configured alias that serves a requested model name: itself, or the most specific
   * wildcard alias that matches it; undefined when none does.
   */
  routeOf(model: string): string | undefined {
    if (this.byAlias.has(model)) return model;
    return this.patterns.find((p) => p.re.test(model))?.alias;
  }

  /**
   * The deployments serving `model` under `alias`. A wildcard deployment's `*` in its model is
   * filled with what the alias's `*` matched (`openai/*` asked as `openai/gpt-4o` → `gpt-4o`;
   * `*` asked as `gpt-4o` → `gpt-4o`), as LiteLLM's wildcard routing does.
   */
  private deploymentsFor(alias: string, model: string): Deployment[] {
    const list = this.byAlias.get(alias) ?? [];
    if (!alias.includes('*')) return list;
    const captured = patternOf(alias).exec(model)?.slice(1) ?? [];
    return list.map((d) => {
      if (!d.model.includes('*')) return d;
      let i = 0;
      return withProps(d, { model: d.model.replace(/\*/g, () => captured[i++] ?? captured[0] ?? model) });
    });
  }

  private window(d: Deployment): MinuteWindow {
    let w = this.windows.get(d.id);
    if (!w) {
      w = new MinuteWindow(this.now);
      this.windows.set(d.id, w);
    }
    return w;
  }

  /** ms until `d` may take a request under its rpm/tpm limits (0: now). */
  private limitWaitMs(d: Deployment): number {
    if (d.rpm === undefined && d.tpm === undefined) return 0;
    return this.window(d).waitMs(d.rpm, d.tpm);
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
  private order(list: Deployment[]): Deployment[] {
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

  /** The wait before the next attempt: exponential backoff with jitter, or the upstream's Retry-After if longer. */
  private backoff(retry: number, e: ProxyError): number {
    const { retryBaseMs, retryMaxMs } = this.config.router;
    const exp = Math.min(retryMaxMs, retryBaseMs * 2 ** retry) * (0.5 + this.random() * 0.5);
    return Math.max(exp, e.retryAfterMs ?? 0);
  }

  /** An upstream asked for a longer wait than the cap: answer the client now with its status and Retry-After. */
  private asksTooLong(e: ProxyError): boolean {
    return e.retryAfterMs !== undefined && e.retryAfterMs > this.config.router.retryAfterMaxMs;
  }

  /** Every deployment of the chain is at its rpm/tpm limit: a 429 in the caller's shape with the wait. */
  private limitsReached(alias: string, waitMs: number): ProxyError {
    return new ProxyError(`every deployment of "${alias}" is at its rpm/tpm limit; retry in ${Math.ceil(waitMs / 1000)} s`, {
      code: 'deployment_limit_reached',
      kind: 'rate_limit',
      retryAfterMs: waitMs,
      context: { alias },
    });
  }


  /**
   * Runs one client request. `progress.retryWaitMs` is kept up to date as the call goes, so a
   * caller can record the time spent waiting even when the call finally fails.
   */
  async call<T>(
    model: string,
    signal: AbortSignal | ClientGone,
    attempt: (d: Deployment, info: AttemptInfo) => Promise<T>,
    progress: RouteProgress = { retryWaitMs: 0 },
  ): Promise<RouteResult<T>> {
    let alias = this.routeOf(model);
    if (alias === undefined) {
      const first = this.aliases()[0];
      if (!this.config.anyAlias || first === undefined) throw this.unknownAlias(model);
      alias = first;
    }
    // Every request comes through here: the common case (no fallbacks, deployments without
    // rpm/tpm limits, nothing parked) allocates no arrays, sets or filter closures of its own.
    const fallbacks = this.config.router.fallbacks[alias];
    const chain = fallbacks?.length ? [alias, ...fallbacks.filter((a) => this.has(a))] : [alias];
    let attempts = 0;
    let last: ProxyError | undefined;
    let limitWait = Infinity;
    for (const a of chain) {
      const all = this.deploymentsFor(a, a === alias ? model : a);
      let open = all;
      if (all.some((d) => d.rpm !== undefined || d.tpm !== undefined)) {
        open = all.filter((d) => {
          const wait = this.limitWaitMs(d);
          if (wait > 0) limitWait = Math.min(limitWait, wait);
          return wait === 0;
        });
      }
      if (open.length === 0) continue; // every deployment of this alias is at its limit: fall back
      const order = this.order(open);
      const tries = 1 + Math.max(0, order[0]!.maxRetries);
      /** Deployments that asked for a longer wait than the cap: not tried again in this call. */
      let parked: Set<string> | undefined;
      for (let i = 0; i < tries; i++) {
        const d = parked ? order.filter((x) => !parked!.has(x.id))[i % Math.max(1, order.length - parked.size)] : order[i % order.length];
        if (!d) break;
        attempts++;
        this.inflight.set(d.id, (this.inflight.get(d.id) ?? 0) + 1);
        const slot = d.rpm !== undefined || d.tpm !== undefined ? this.window(d).start() : undefined;
        let released = false;
        const release = (tokens = 0) => {
          if (released) return;
          released = true;
          this.inflight.set(d.id, (this.inflight.get(d.id) ?? 1) - 1);
          if (slot) slot.tokens += tokens; // the call's tokens count against the deployment's tpm
        };
        try {
          const value = await attempt(d, { deployment: d, attempt: attempts, alias: a });
          return { value, deployment: d, attempts, retryWaitMs: progress.retryWaitMs, release };
        } catch (err) {
          release();
          const e = ProxyError.from(err);
          e.context.attempts = attempts;
          last = e;
          if (signal.aborted || NO_FALLBACK_KINDS.has(e.kind)) throw e;
          if (!e.retryable) break; // go to the next alias in the fallback chain
          if (this.asksTooLong(e)) {
            // Waiting it out would hold the client longer than any SDK would; try another
            // deployment now, else answer with the upstream's own status and Retry-After.
            (parked ??= new Set()).add(d.id);
            if (parked.size >= order.length) break;
            continue;
          }
          if (i + 1 < tries) {
            const delayMs = this.backoff(i, e);
            this.deps.onRetry?.({ deployment: d, attempt: attempts, alias: a, error: e, delayMs });
            const t0 = this.now();
            try {
              await this.sleep(delayMs, abortSignalOf(signal));
            } finally {
              progress.retryWaitMs += this.now() - t0;
            }
          }
        }
      }
    }
    if (last) throw last;
    if (limitWait < Infinity) throw this.limitsReached(alias, limitWait);
    throw this.unknownAlias(model);
  }
}
