/**
 * router_settings → RouterSettings: LiteLLM seconds → ms, its routing strategies mapped to
 * ours, and both spellings of `fallbacks` normalised to a map. Fallback aliases are checked
 * later (once AGENTAB_MODEL_* overrides have added theirs), so their key paths are returned.
 */
import {
  DEFAULT_NUM_RETRIES,
  DEFAULT_RETRY_BASE_MS,
  DEFAULT_RETRY_MAX_MS,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_TTFT_TIMEOUT_MS,
} from './proxy-defaults.ts';
import { IGNORED_ROUTER_KEYS, OUR_STRATEGIES, type RawRouterSettings } from './proxy-schema.ts';
import type { RouterSettings } from './types.ts';

type Strategy = RouterSettings['strategy'];

/** An alias written in router_settings.fallbacks, and where. */
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

export function buildRouterSettings(
  raw: RawRouterSettings | null | undefined,
  warn: (path: PropertyKey[], message: string, at?: 'key' | 'value') => void,
): RouterBuild {
  const r = raw ?? {};
  const base: PropertyKey[] = ['router_settings'];
  for (const k of IGNORED_ROUTER_KEYS) {
    if (r[k] !== undefined) warn([...base, k], 'LiteLLM setting not implemented by agentab; ignored', 'key');
  }

  let strategy: Strategy = 'simple-shuffle';
  if (r.routing_strategy !== undefined) {
    if (isOurStrategy(r.routing_strategy)) strategy = r.routing_strategy;
    else warn([...base, 'routing_strategy'], `"${r.routing_strategy}" is not implemented by agentab; using simple-shuffle`);
  }

  const fallbacks: Record<string, string[]> = {};
  const fallbackRefs: FallbackRef[] = [];
  const add = (source: string, targets: string | string[], sourcePath: PropertyKey[]) => {
    fallbackRefs.push({ alias: source, path: sourcePath, at: 'key' });
    const list = (fallbacks[source] ??= []);
    asList(targets).forEach((t, j) => {
      fallbackRefs.push({ alias: t, path: typeof targets === 'string' ? sourcePath : [...sourcePath, j], at: 'value' });
      if (!list.includes(t)) list.push(t);
    });
  };
  const fb = r.fallbacks;
  if (Array.isArray(fb)) {
    fb.forEach((m, i) => Object.entries(m).forEach(([s, t]) => add(s, t, [...base, 'fallbacks', i, s])));
  } else if (fb) {
    Object.entries(fb).forEach(([s, t]) => add(s, t, [...base, 'fallbacks', s]));
  }

  const numRetries = r.num_retries ?? DEFAULT_NUM_RETRIES;
  const retryBaseMs = r.retry_base_ms ?? (r.retry_after ? Math.round(r.retry_after * 1000) : DEFAULT_RETRY_BASE_MS);
  return {
    settings: {
      numRetries,
      timeoutMs: r.timeout !== undefined ? Math.round(r.timeout * 1000) : DEFAULT_TIMEOUT_MS,
      ttftTimeoutMs: r.stream_timeout !== undefined ? Math.round(r.stream_timeout * 1000) : DEFAULT_TTFT_TIMEOUT_MS,
      fallbacks,
      retryBaseMs,
      retryMaxMs: Math.max(r.retry_max_ms ?? DEFAULT_RETRY_MAX_MS, retryBaseMs),
      strategy,
    },
    fallbackRefs,
  };
}
