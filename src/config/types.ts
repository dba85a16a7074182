/**
 * The resolved proxy configuration: what the YAML loader (config/proxy-config.ts) produces and
 * what the router and backends consume. Secrets are already resolved here and must never be
 * logged or written to a record.
 */

/** A backend's registry name (src/proxy/backends/registry.ts): `openai`, `vertex_ai`, `anthropic`, `sim`, … */
export type Provider = string;

/** Whose prompt-caching rules the simulator follows; `auto` is the dialect the client speaks. */
export const SIM_CACHE_RULES = ['auto', 'anthropic', 'openai', 'gemini', 'none'] as const;
export type SimCacheRules = (typeof SIM_CACHE_RULES)[number];

/** Prompt caching of the simulated model (litellm_params.sim.cache). */
export interface SimCacheOptions {
  rules: SimCacheRules;
  /** Minimum cacheable prompt tokens; by default the documented minimum of the rules and model. */
  minTokens?: number;
  /**
   * One cache for every cell of the deployment. Off by default: each cell (and each upstream
   * credential) has its own cache, so cells do not warm each other's, as separate accounts would not.
   */
  shared: boolean;
}

/** Knobs of the simulated model (litellm_params.sim in YAML, snake_case there). */
export interface SimOptions {
  seed: number;
  /** Base time to first token, ms. */
  ttftMs: number;
  /** Extra time to first token per 1,000 uncached prompt tokens (cache writes included), ms. */
  ttftMsPer1kTokens: number;
  /** Extra time to first token per 1,000 prompt tokens read from the cache, ms (default: a fixed fraction of ttftMsPer1kTokens). */
  ttftMsPer1kCachedTokens?: number;
  /** Output token rate once streaming. */
  tokensPerSecond: number;
  /** Multiplicative jitter on every latency, 0..1 (lognormal sigma). */
  jitter: number;
  /** Probability that a call fails with a 500. */
  errorRate: number;
  /** Probability that a call fails with a 429 (with Retry-After). */
  rateLimitRate: number;
  /** Probability that a call stalls for stallMs before the first token. */
  stallRate: number;
  stallMs: number;
  /** Tokens of the default text answer. */
  answerTokens: number;
  cache: SimCacheOptions;
}

export interface Deployment {
  /** Stable id: `<alias>#<index>`. */
  id: string;
  alias: string;
  provider: Provider;
  /** Upstream model name, the part after `<provider>/`. */
  model: string;
  apiBase?: string;
  apiKey?: string;
  vertexProject?: string;
  vertexLocation?: string;
  /** Path to a service-account / ADC JSON file (vertex_credentials). */
  vertexCredentials?: string;
  /** Total time limit of one upstream attempt, ms. */
  timeoutMs: number;
  /** Time-to-first-token limit of one upstream attempt, ms. */
  ttftTimeoutMs: number;
  /** Retries of this deployment (litellm_params.max_retries); falls back to router numRetries. */
  maxRetries: number;
  /** Per-token prices overriding the built-in price table. */
  inputCostPerToken?: number;
  outputCostPerToken?: number;
  cacheReadCostPerToken?: number;
  cacheWriteCostPerToken?: number;
  /** Load-balancing weight (litellm_params.weight), default 1. */
  weight: number;
  /** Requests per minute this deployment takes at most (rpm); the router skips it beyond. */
  rpm?: number;
  /** Tokens (input + output) per minute this deployment takes at most (tpm). */
  tpm?: number;
  /** The model name to price calls as (model_info.base_model), when not `model`. */
  priceModel?: string;
  /** Request parameters removed before every call upstream (additional_drop_params). */
  dropParams?: string[];
  sim?: SimOptions;
  /** Extra headers to send upstream (litellm_params.extra_headers). */
  extraHeaders?: Record<string, string>;
}

export interface RouterSettings {
  numRetries: number;
  timeoutMs: number;
  ttftTimeoutMs: number;
  /** alias → aliases to try in order when every deployment of the alias failed. */
  fallbacks: Record<string, string[]>;
  /** First retry delay, doubled each time (with jitter), capped at retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
  /**
   * The longest upstream Retry-After waited out before a retry, ms. A longer one is answered
   * to the client at once with the upstream's status and Retry-After.
   */
  retryAfterMaxMs: number;
  strategy: 'simple-shuffle' | 'round-robin' | 'least-busy';
}

export interface ProxyConfig {
  /** The YAML file this came from, when any. */
  source?: string;
  deployments: Deployment[];
  router: RouterSettings;
  /** Clients authenticate with this (or a per-cell token derived from it). None = open. */
  masterKey?: string;
  /** Request bodies larger than this are refused with 413. */
  maxBodyBytes: number;
  /** Time a client has to send its whole request body, ms (then 408). */
  requestBodyTimeoutMs: number;
  /** Time a connection has to send a request's headers, ms (then it is closed). */
  requestHeaderTimeoutMs: number;
  /** Idle keep-alive connections are closed after this long, ms. */
  idleTimeoutMs: number;
  /** Open client connections at most; further ones are closed at once. */
  maxConnections: number;
  /** Answer any model name with the first alias (`agentab sim` as a stand-in upstream). */
  anyAlias?: boolean;
  /** Non-fatal remarks from loading (ignored LiteLLM keys, …). */
  warnings?: string[];
  /** Export a span per call to an OTLP/HTTP collector (general_settings.otlp_endpoint). */
  otlp?: { endpoint: string; headers: Record<string, string> };
}
