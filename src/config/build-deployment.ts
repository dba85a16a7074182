/**
 * Turns one deployment's litellm_params (env references already resolved) into a Deployment:
 * provider defaults, LiteLLM's provider environment variables, seconds → ms, simulator knobs.
 * Used for model_list entries and for AGENTAB_MODEL_* overrides alike; `fail` says where.
 */
import type { ConfigErrorOptions } from './config-error.ts';
import type { EnvLookup } from './env.ts';
import { parseModelTarget } from './model-target.ts';
import {
  DEFAULT_ANTHROPIC_API_BASE,
  DEFAULT_OPENAI_API_BASE,
  DEFAULT_SIM_OPTIONS,
  DEFAULT_VERTEX_LOCATION,
} from './proxy-defaults.ts';
import type { RawLitellmParams, RawSim } from './proxy-schema.ts';
import { BACKEND_NAMES } from '../proxy/backends/registry.ts';
import { latencyProfileOf } from './sim-profiles.ts';
import { type Deployment, type RouterSettings, type SimOptions } from './types.ts';

export type FailOptions = Pick<ConfigErrorOptions, 'validValues' | 'validLabel'>;

export interface DeploymentContext {
  alias: string;
  /** Index of this deployment among the deployments of its alias. */
  index: number;
  lookup: EnvLookup;
  router: RouterSettings;
  /** Keys of litellm_params whose value came from `os.environ/…` (never echoed in messages). */
  fromEnv?: ReadonlySet<string>;
  /** litellm_settings.vertex_project / vertex_location: module-wide Vertex defaults. */
  vertexDefaults?: { project?: string; location?: string };
  /** Throws a located ConfigError about a litellm_params key. */
  fail(key: keyof RawLitellmParams, detail: string, o?: FailOptions): never;
  warn(key: keyof RawLitellmParams, message: string): void;
}

/**
 * The simulator's options: the deployment's `sim:` values over the timing profile of the model
 * it stands in for (`sim/claude-sonnet-4-5` times like Claude Sonnet), over the defaults.
 */
export function simOptionsFrom(raw: RawSim | undefined, model = ''): SimOptions {
  const r = raw ?? {};
  const d = DEFAULT_SIM_OPTIONS;
  const profile = latencyProfileOf(model);
  const cache = r.cache ?? {};
  return {
    seed: r.seed ?? d.seed,
    ttftMs: r.ttft_ms ?? profile.ttftMs,
    ttftMsPer1kTokens: r.ttft_ms_per_1k_tokens ?? profile.ttftMsPer1kTokens,
    ...(r.ttft_ms_per_1k_cached_tokens !== undefined ? { ttftMsPer1kCachedTokens: r.ttft_ms_per_1k_cached_tokens } : {}),
    tokensPerSecond: r.tokens_per_second ?? profile.tokensPerSecond,
    jitter: r.jitter ?? d.jitter,
    errorRate: r.error_rate ?? d.errorRate,
    rateLimitRate: r.rate_limit_rate ?? d.rateLimitRate,
    stallRate: r.stall_rate ?? d.stallRate,
    stallMs: r.stall_ms ?? d.stallMs,
    answerTokens: r.answer_tokens ?? d.answerTokens,
    cache: {
      rules: cache.rules ?? d.cache.rules,
      ...(cache.min_tokens !== undefined ? { minTokens: cache.min_tokens } : {}),
      shared: cache.shared ?? d.cache.shared,
    },
  };
}

function checkUrl(value: string | undefined, ctx: DeploymentContext): string | undefined {
  if (value === undefined) return undefined;
  let ok = false;
  try {
    ok = ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    ok = false;
  }
  if (!ok) {
    const shown = ctx.fromEnv?.has('api_base') ? 'the value from the environment' : `"${value}"`;
    ctx.fail('api_base', `${shown} is not an absolute http(s) URL`);
  }
  return value;
}

/** Drops keys whose value is undefined, so a Deployment only carries what is set. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function buildDeployment(p: RawLitellmParams, ctx: DeploymentContext): Deployment {
  const target = parseModelTarget(p.model);
  if (!target.ok) ctx.fail('model', target.detail, { validValues: BACKEND_NAMES, validLabel: 'providers' });
  const { provider, model } = target;
  const { lookup, router } = ctx;

  const d: Deployment = {
    id: `${ctx.alias}#${ctx.index}`,
    alias: ctx.alias,
    provider,
    model,
    timeoutMs: p.timeout !== undefined ? Math.round(p.timeout * 1000) : router.timeoutMs,
    ttftTimeoutMs: p.stream_timeout !== undefined ? Math.round(p.stream_timeout * 1000) : router.ttftTimeoutMs,
    maxRetries: p.max_retries ?? router.numRetries,
    weight: p.weight ?? 1,
    rpm: p.rpm,
    tpm: p.tpm,
    dropParams: p.additional_drop_params,
    inputCostPerToken: p.input_cost_per_token,
    outputCostPerToken: p.output_cost_per_token,
    cacheReadCostPerToken: p.cache_read_input_token_cost,
    cacheWriteCostPerToken: p.cache_creation_input_token_cost,
    extraHeaders: p.extra_headers,
  };
  const apiBase = checkUrl(p.api_base, ctx);

  switch (provider) {
    case 'openai':
      // LiteLLM's fallbacks for OpenAI-compatible deployments.
      d.apiBase = apiBase ?? lookup('OPENAI_API_BASE') ?? DEFAULT_OPENAI_API_BASE;
      d.apiKey = p.api_key ?? lookup('OPENAI_API_KEY');
      break;
    case 'anthropic':
      d.apiBase = apiBase ?? lookup('ANTHROPIC_API_BASE') ?? DEFAULT_ANTHROPIC_API_BASE;
      d.apiKey = p.api_key ?? lookup('ANTHROPIC_API_KEY');
      break;
    case 'vertex_ai': {
      // An api_base in LiteLLM's form names the project and location in its path.
      const fromBase = apiBase ? /\/projects\/([^/]+)\/locations\/([^/]+)/.exec(apiBase) : null;
      // LiteLLM's spellings, in its order: litellm_params, then litellm_settings, then the environment.
      const project =
        p.vertex_project ??
        p.vertex_ai_project ??
        fromBase?.[1] ??
        ctx.vertexDefaults?.project ??
        lookup('VERTEXAI_PROJECT') ??
        lookup('GOOGLE_CLOUD_PROJECT');
      if (!project) {
        ctx.fail(
          'vertex_project',
          `no Google Cloud project for ${p.model}: set litellm_params.vertex_project, or VERTEXAI_PROJECT or GOOGLE_CLOUD_PROJECT in the environment`,
        );
      }
      d.vertexProject = project;
      d.vertexLocation =
        p.vertex_location ??
        p.vertex_ai_location ??
        p.vertex_region ??
        fromBase?.[2] ??
        ctx.vertexDefaults?.location ??
        lookup('VERTEXAI_LOCATION') ??
        lookup('VERTEX_LOCATION') ??
        DEFAULT_VERTEX_LOCATION;
      const credentials = p.vertex_credentials ?? p.vertex_ai_credentials;
      // A YAML map holds the key file's fields; the auth library takes them as inline JSON.
      d.vertexCredentials =
        (typeof credentials === 'object' ? JSON.stringify(credentials) : credentials) ??
        lookup('VERTEXAI_CREDENTIALS') ??
        lookup('GOOGLE_APPLICATION_CREDENTIALS');
      d.apiBase = apiBase;
      d.apiKey = p.api_key;
      break;
    }
    case 'sim':
      d.sim = simOptionsFrom(p.sim, d.model);
      // The simulator runs inside the proxy: nothing to reach, authenticate to or send headers to.
      for (const key of ['api_base', 'api_key', 'extra_headers'] as const) {
        if (p[key] !== undefined) ctx.warn(key, 'not used by sim/ models (the simulator runs inside the proxy); ignored');
      }
      break;
    default:
      // A backend with no provider-specific settings: the generic LiteLLM params.
      d.apiBase = apiBase;
      d.apiKey = p.api_key;
  }
  if (p.sim !== undefined && provider !== 'sim') ctx.warn('sim', `only used by sim/ models; ignored for ${provider}`);
  if (p.drop_params === false) {
    ctx.warn('drop_params', 'agentab always drops what the target API cannot take when it translates; drop_params: false is not honoured');
  }
  return compact(d);
}
