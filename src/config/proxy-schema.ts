/**
 * Schemas of the raw YAML: a compatible subset of LiteLLM's config.yaml.
 *
 * LiteLLM users paste their files as they are, so every section shared with LiteLLM is read
 * leniently: keys agentab does not use are dropped here and reported as located warnings by
 * the loader (see unknown-keys.ts), never as errors. Only malformed values of keys agentab
 * uses are errors. The simulator block (`litellm_params.sim`) is agentab's own and strict.
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

/** LiteLLM's per-token prices; accepted in litellm_params and in model_info. */
const priceKeys = {
  input_cost_per_token: nonNegative.optional(),
  output_cost_per_token: nonNegative.optional(),
  cache_read_input_token_cost: nonNegative.optional(),
  cache_creation_input_token_cost: nonNegative.optional(),
};

/** Vertex credentials: a key file path, inline JSON, or the key file's fields as a YAML map. */
const vertexCredentials = z.union([str, z.record(z.string(), z.unknown())]);

/** litellm_params (or its short form `params`). z.object drops keys we do not use (the loader warns). */
export const RawLitellmParamsSchema = z.object({
  model: z.string().min(1),
  api_base: str.optional(),
  api_key: str.optional(),
  vertex_project: str.optional(),
  vertex_location: str.optional(),
  vertex_credentials: vertexCredentials.optional(),
  /** LiteLLM's other spellings of the Vertex settings. */
  vertex_ai_project: str.optional(),
  vertex_ai_location: str.optional(),
  vertex_region: str.optional(),
  vertex_ai_credentials: vertexCredentials.optional(),
  timeout: seconds.optional(),
  stream_timeout: seconds.optional(),
  max_retries: count.optional(),
  ...priceKeys,
  weight: z.number().positive().optional(),
  /** Requests and tokens per minute this deployment may take (the router skips it beyond). */
  rpm: z.number().positive().optional(),
  tpm: z.number().positive().optional(),
  extra_headers: z.record(z.string(), str).optional(),
  drop_params: z.boolean().optional(),
  /** Request parameters removed before the call goes upstream, on every path. */
  additional_drop_params: z.array(z.string().min(1)).optional(),
  /** Name of a `credential_list` entry whose values fill unset keys here. */
  litellm_credential_name: z.string().min(1).optional(),
  sim: RawSimSchema.optional(),
});

/** model_info: prices (as LiteLLM reads them for cost tracking) and the model to price as. */
export const RawModelInfoSchema = z.object({
  ...priceKeys,
  base_model: z.string().min(1).optional(),
});

/** model_info keys that only describe the model (LiteLLM shows them in /model/info); accepted silently. */
export const DESCRIPTIVE_MODEL_INFO_KEY = /^(id|mode|description|metadata|tier|team_id|access_groups|db_model|health_check_\w+|max_tokens|max_input_tokens|max_output_tokens|supports_\w+|litellm_provider)$/;

export const RawModelEntrySchema = z.object({
  model_name: z.string().min(1),
  litellm_params: RawLitellmParamsSchema.optional(),
  params: RawLitellmParamsSchema.optional(),
  model_info: RawModelInfoSchema.nullish(),
  /** LiteLLM's Router also takes the limits beside litellm_params. */
  rpm: z.number().positive().optional(),
  tpm: z.number().positive().optional(),
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
/** LiteLLM's list of single-key maps `[{alias: [fallback, …]}]`, or a plain map. */
const fallbacks = z.union([z.array(fallbackMap), fallbackMap]);

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
  'enable_tag_filtering',
  'model_group_alias',
  'redis_host',
  'redis_port',
  'redis_password',
  'redis_url',
  'retry_policy',
  'routing_strategy_args',
  'cache_responses',
  'provider_budget_config',
  'optional_pre_call_checks',
] as const;

/** General settings LiteLLM defines that agentab does not implement: accepted, warned about. */
export const IGNORED_GENERAL_KEYS = [
  'database_url',
  'store_model_in_db',
  'alerting',
  'alerting_threshold',
  'alert_to_webhook_url',
  'proxy_batch_write_at',
  'disable_spend_logs',
  'max_response_size_mb',
  'background_health_checks',
  'health_check_interval',
  'ui_access_mode',
  'allowed_routes',
  'disable_master_key_return',
  'database_connection_pool_limit',
  'allow_requests_on_db_unavailable',
  'use_redis_transaction_buffer',
  'custom_auth',
  'key_management_settings',
  'pass_through_endpoints',
  'enforce_user_param',
  'max_parallel_requests',
] as const;

/** litellm_settings LiteLLM defines that agentab does not implement: accepted, warned about. */
export const IGNORED_LITELLM_SETTINGS_KEYS = [
  'success_callback',
  'failure_callback',
  'callbacks',
  'service_callbacks',
  'set_verbose',
  'json_logs',
  'cache',
  'cache_params',
  'turn_off_message_logging',
  'redact_user_api_key_info',
  'langfuse_default_tags',
  'modify_params',
  'telemetry',
  'context_window_fallbacks',
  'content_policy_fallbacks',
  'default_fallbacks',
  'max_budget',
  'budget_duration',
  'default_team_settings',
  'default_internal_user_params',
  'enable_preview_features',
  'force_ipv4',
  'check_provider_endpoint',
  'max_parallel_requests',
] as const;

export const RawRouterSettingsSchema = z.object({
  num_retries: count.optional(),
  timeout: seconds.optional(),
  /** Time-to-first-token limit of streamed calls, seconds. */
  stream_timeout: seconds.optional(),
  fallbacks: fallbacks.optional(),
  routing_strategy: z.enum([...OUR_STRATEGIES, ...LITELLM_ONLY_STRATEGIES]).optional(),
  /** LiteLLM's minimum wait before a retry, seconds; sets the first retry delay. */
  retry_after: nonNegative.optional(),
  /** agentab: first retry delay and its cap, ms. */
  retry_base_ms: nonNegative.optional(),
  retry_max_ms: nonNegative.optional(),
  /**
   * agentab: the longest upstream Retry-After the proxy waits out before retrying, ms. A longer
   * one is answered to the client at once (429 with the upstream's Retry-After).
   */
  retry_after_max_ms: nonNegative.optional(),
});

export const RawGeneralSettingsSchema = z.object({
  master_key: str.optional(),
  max_request_size_mb: z.number().positive().optional(),
  /** agentab: export a span per call to this OTLP/HTTP collector (base URL or …/v1/traces). */
  otlp_endpoint: str.optional(),
  /** agentab: headers of the OTLP export requests (values may be os.environ/NAME). */
  otlp_headers: z.record(z.string(), str).optional(),
  /** agentab: time a client has to send a whole request body, ms. */
  request_body_timeout_ms: z.number().int().positive().optional(),
  /** agentab: time a connection has to send a request's headers, ms. */
  request_header_timeout_ms: z.number().int().positive().optional(),
  /** agentab: how long an idle keep-alive connection is held open, ms. */
  idle_timeout_ms: z.number().int().positive().optional(),
  /** agentab: open client connections at most; more are refused. */
  max_connections: z.number().int().positive().optional(),
});

export const RawLitellmSettingsSchema = z.object({
  num_retries: count.optional(),
  /** Seconds; LiteLLM's default timeout of every call. */
  request_timeout: seconds.optional(),
  fallbacks: fallbacks.optional(),
  drop_params: z.boolean().optional(),
  /** Module-level Vertex defaults (litellm.vertex_project / litellm.vertex_location). */
  vertex_project: str.optional(),
  vertex_location: str.optional(),
});

export const RawCredentialSchema = z.object({
  credential_name: z.string().min(1),
  /** Values a deployment naming the credential takes where it sets none: checked as litellm_params are (other keys warn). */
  credential_values: RawLitellmParamsSchema.omit({ model: true, litellm_credential_name: true }),
  credential_info: z.unknown().optional(),
});

/** Sections may be left empty in YAML (`litellm_settings:`), which reads as null. */
export const RawProxyConfigSchema = z.object({
  model_list: z.array(RawModelEntrySchema).nullish(),
  router_settings: RawRouterSettingsSchema.nullish(),
  general_settings: RawGeneralSettingsSchema.nullish(),
  litellm_settings: RawLitellmSettingsSchema.nullish(),
  /** LiteLLM exports these into the environment; here they back up `os.environ/` lookups. */
  environment_variables: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).nullish(),
  /** Further YAML files whose model_list entries are added (paths relative to this file). */
  include: z.array(z.string().min(1)).nullish(),
  credential_list: z.array(RawCredentialSchema).nullish(),
});

/** What an included file may hold (LiteLLM merges their model_list only). */
export const RawIncludedConfigSchema = z.object({ model_list: z.array(RawModelEntrySchema).nullish() });

export type RawSim = z.infer<typeof RawSimSchema>;
export type RawLitellmParams = z.infer<typeof RawLitellmParamsSchema>;
export type RawModelInfo = z.infer<typeof RawModelInfoSchema>;
export type RawModelEntry = z.infer<typeof RawModelEntrySchema>;
export type RawRouterSettings = z.infer<typeof RawRouterSettingsSchema>;
export type RawGeneralSettings = z.infer<typeof RawGeneralSettingsSchema>;
export type RawLitellmSettings = z.infer<typeof RawLitellmSettingsSchema>;
export type RawCredential = z.infer<typeof RawCredentialSchema>;
export type RawProxyConfig = z.infer<typeof RawProxyConfigSchema>;
