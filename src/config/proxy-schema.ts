/**
 * Schemas of the raw YAML: a compatible subset of LiteLLM's config.yaml. Strict (unknown keys
 * are errors) for the sections we own; `litellm_params` is loose like LiteLLM's (unknown keys
 * are passed over with a warning); `model_info` and `litellm_settings` are accepted unread.
 * Durations are in seconds here, as in LiteLLM; the loader converts them to ms.
 */
import { z } from 'zod';
import { SIM_CACHE_RULES } from './types.ts';

const seconds = z.number().positive();
const nonNegative = z.number().min(0);
const count = z.number().int().min(0);
const rate = z.number().min(0).max(1);
/** A string field; any may be written as `os.environ/NAME` and is resolved after validation. */
const str = z.string();

export const RawSimSchema = z
  .strictObject({
    seed: z.number().int(),
    ttft_ms: nonNegative,
    ttft_ms_per_1k_tokens: nonNegative,
    ttft_ms_per_1k_cached_tokens: nonNegative,
    tokens_per_second: z.number().positive(),
    jitter: rate,
    error_rate: rate,
    rate_limit_rate: rate,
    stall_rate: rate,
    stall_ms: nonNegative,
    answer_tokens: count,
    cache: z
      .strictObject({ rules: z.enum(SIM_CACHE_RULES), min_tokens: count, shared: z.boolean() })
      .partial(),
  })
  .partial();

/** litellm_params (or its short form `params`). z.object strips keys we do not use. */
export const RawLitellmParamsSchema = z.object({
  model: z.string().min(1),
  api_base: str.optional(),
  api_key: str.optional(),
  vertex_project: str.optional(),
  vertex_location: str.optional(),
  vertex_credentials: str.optional(),
  timeout: seconds.optional(),
  stream_timeout: seconds.optional(),
  max_retries: count.optional(),
  input_cost_per_token: nonNegative.optional(),
  output_cost_per_token: nonNegative.optional(),
  cache_read_input_token_cost: nonNegative.optional(),
  cache_creation_input_token_cost: nonNegative.optional(),
  weight: z.number().positive().optional(),
  extra_headers: z.record(z.string(), str).optional(),
  sim: RawSimSchema.optional(),
});

export const RawModelEntrySchema = z.strictObject({
  model_name: z.string().min(1),
  litellm_params: RawLitellmParamsSchema.optional(),
  params: RawLitellmParamsSchema.optional(),
  model_info: z.unknown().optional(),
});

export const OUR_STRATEGIES = ['simple-shuffle', 'round-robin', 'least-busy'] as const;
/** LiteLLM strategies we accept and run as simple-shuffle (with a warning). */
export const LITELLM_ONLY_STRATEGIES = [
  'latency-based-routing',
  'usage-based-routing',
  'usage-based-routing-v2',
  'cost-based-routing',
] as const;

const fallbackTargets = z.union([z.string().min(1), z.array(z.string().min(1))]);
const fallbackMap = z.record(z.string(), fallbackTargets);

/** Router settings LiteLLM defines that agentab does not implement: accepted, warned about. */
export const IGNORED_ROUTER_KEYS = [
  'allowed_fails',
  'allowed_fails_policy',
  'cooldown_time',
  'disable_cooldowns',
  'context_window_fallbacks',
  'content_policy_fallbacks',
  'default_fallbacks',
  'enable_pre_call_checks',
  'model_group_alias',
  'redis_host',
  'redis_port',
  'redis_password',
  'redis_url',
  'retry_policy',
  'routing_strategy_args',
  'cache_responses',
] as const;

/** General settings LiteLLM defines that agentab does not implement: accepted, warned about. */
export const IGNORED_GENERAL_KEYS = [
  'database_url',
  'store_model_in_db',
  'alerting',
  'alerting_threshold',
  'proxy_batch_write_at',
  'disable_spend_logs',
  'max_response_size_mb',
  'background_health_checks',
  'health_check_interval',
  'ui_access_mode',
  'allowed_routes',
  'disable_master_key_return',
  'database_connection_pool_limit',
] as const;

function ignoredKeys<K extends string>(keys: readonly K[]): Record<K, z.ZodOptional<z.ZodUnknown>> {
  return Object.fromEntries(keys.map((k) => [k, z.unknown().optional()])) as Record<K, z.ZodOptional<z.ZodUnknown>>;
}

export const RawRouterSettingsSchema = z.strictObject({
  num_retries: count.optional(),
  timeout: seconds.optional(),
  /** Time-to-first-token limit, seconds. */
  stream_timeout: seconds.optional(),
  /** LiteLLM's list of single-key maps `[{alias: [fallback, …]}]`, or a plain map. */
  fallbacks: z.union([z.array(fallbackMap), fallbackMap]).optional(),
  routing_strategy: z.enum([...OUR_STRATEGIES, ...LITELLM_ONLY_STRATEGIES]).optional(),
  /** LiteLLM's minimum wait before a retry, seconds; sets the first retry delay. */
  retry_after: nonNegative.optional(),
  /** agentab: first retry delay and its cap, ms. */
  retry_base_ms: nonNegative.optional(),
  retry_max_ms: nonNegative.optional(),
  ...ignoredKeys(IGNORED_ROUTER_KEYS),
});

export const RawGeneralSettingsSchema = z.strictObject({
  master_key: str.optional(),
  max_request_size_mb: z.number().positive().optional(),
  /** agentab: export a span per call to this OTLP/HTTP collector (base URL or …/v1/traces). */
  otlp_endpoint: str.optional(),
  /** agentab: headers of the OTLP export requests (values may be os.environ/NAME). */
  otlp_headers: z.record(z.string(), str).optional(),
  ...ignoredKeys(IGNORED_GENERAL_KEYS),
});

/** Sections may be left empty in YAML (`litellm_settings:`), which reads as null. */
export const RawProxyConfigSchema = z.strictObject({
  model_list: z.array(RawModelEntrySchema).nullish(),
  router_settings: RawRouterSettingsSchema.nullish(),
  general_settings: RawGeneralSettingsSchema.nullish(),
  litellm_settings: z.record(z.string(), z.unknown()).nullish(),
  /** LiteLLM exports these into the environment; here they back up `os.environ/` lookups. */
  environment_variables: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).nullish(),
});

export type RawSim = z.infer<typeof RawSimSchema>;
export type RawLitellmParams = z.infer<typeof RawLitellmParamsSchema>;
export type RawModelEntry = z.infer<typeof RawModelEntrySchema>;
export type RawRouterSettings = z.infer<typeof RawRouterSettingsSchema>;
export type RawGeneralSettings = z.infer<typeof RawGeneralSettingsSchema>;
export type RawProxyConfig = z.infer<typeof RawProxyConfigSchema>;
