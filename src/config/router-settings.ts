/**
 * router_settings (+ the litellm_settings LiteLLM also reads for routing) → RouterSettings:
 * LiteLLM seconds → ms, its routing strategies mapped to ours, and every spelling of
 * `fallbacks` normalised to one map. router_settings wins over litellm_settings, as in
 * LiteLLM's proxy. Fallback aliases are checked later (once AGENTAB_MODEL_* overrides have
 * added theirs), so their key paths are returned.
 */
import {
  DEFAULT_NUM_RETRIES,
  DEFAULT_RETRY_AFTER_MAX_MS,
  DEFAULT_RETRY_BASE_MS,
  DEFAULT_RETRY_MAX_MS,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_TTFT_TIMEOUT_MS,
} from './proxy-defaults.ts';
import { OUR_STRATEGIES, type RawLitellmSettings, type RawRouterSettings } from './proxy-schema.ts';
import type { RouterSettings } from './types.ts';

type Strategy = RouterSettings['strategy'];

/** An alias written in a fallbacks setting, and where. */
export interface FallbackRef {
  alias: string;
  path: PropertyKey[];
  /** Sources are map keys, targets are values. */
  at: 'key' | 'value';
}

export interface RouterBuild {
  settings: RouterSettings;
  fallbackRefs: FallbackRef[];
}

const isOurStrategy = (s: string): s is Strategy => (OUR_STRATEGIES as readonly string[]).includes(s);
const asList = (t: string | string[]): string[] => (typeof t === 'string' ? [t] : t);
const toMs = (s: number | undefined): number | undefined => (s === undefined ? undefined : Math.round(s * 1000));

type RawFallbacks = RawRouterSettings['fallbacks'];

function collectFallbacks(fb: RawFallbacks, base: PropertyKey[], into: Record<string, string[]>, refs: FallbackRef[]): void {
  const add = (source: string, targets: string | string[], sourcePath: PropertyKey[]) => {
    refs.push({ alias: source, path: sourcePath, at: 'key' });
    const list = (into[source] ??= []);
    asList(targets).forEach((t, j) => {
      refs.push({ alias: t, path: typeof targets === 'string' ? sourcePath : [...sourcePath, j], at: 'value' });
      if (!list.includes(t)) list.push(t);
    });
  };
  if (Array.isArray(fb)) {
    fb.forEach((m, i) => Object.entries(m).forEach(([s, t]) => add(s, t, [...base, 'fallbacks', i, s])));
  } else if (fb) {
    Object.entries(fb).forEach(([s, t]) => add(s, t, [...base, 'fallbacks', s]));
  }
}

export function buildRouterSettings(
  rawRouter: RawRouterSettings | null | undefined,
  rawLitellm: RawLitellmSettings | null | undefined,
  warn: (path: PropertyKey[], message: string, at?: 'key' | 'value') => void,
): RouterBuild {
  const r = rawRouter ?? {};
  const l = rawLitellm ?? {};

  let strategy: Strategy = 'simple-shuffle';
  if (r.routing_strategy !== undefined) {
    if (isOurStrategy(r.routing_strategy)) strategy = r.routing_strategy;
    else warn(['router_settings', 'routing_strategy'], `"${r.routing_strategy}" is not implemented by agentab; using simple-shuffle`);
  }

  const fallbacks: Record<string, string[]> = {};
  const fallbackRefs: FallbackRef[] = [];
  collectFallbacks(r.fallbacks, ['router_settings'], fallbacks, fallbackRefs);
  collectFallbacks(l.fallbacks, ['litellm_settings'], fallbacks, fallbackRefs);

  const retryBaseMs = r.retry_base_ms ?? (r.retry_after !== undefined ? Math.round(r.retry_after * 1000) : DEFAULT_RETRY_BASE_MS);
  if (r.retry_max_ms !== undefined && r.retry_max_ms < retryBaseMs) {
    warn(['router_settings', 'retry_max_ms'], `below the first retry's delay (${retryBaseMs} ms); retries wait ${retryBaseMs} ms at most`);
  }
  return {
    settings: {
      numRetries: r.num_retries ?? l.num_retries ?? DEFAULT_NUM_RETRIES,
      timeoutMs: toMs(r.timeout) ?? toMs(l.request_timeout) ?? DEFAULT_TIMEOUT_MS,
      ttftTimeoutMs: toMs(r.stream_timeout) ?? DEFAULT_TTFT_TIMEOUT_MS,
      fallbacks,
      retryBaseMs,
      retryMaxMs: Math.max(r.retry_max_ms ?? DEFAULT_RETRY_MAX_MS, retryBaseMs),
      retryAfterMaxMs: r.retry_after_max_ms ?? DEFAULT_RETRY_AFTER_MAX_MS,
      strategy,
    },
    fallbackRefs,
  };
}
