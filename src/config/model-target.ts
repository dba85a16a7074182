/**
 * Parses a deployment target `<provider>/<model>` (LiteLLM's `model` field).
 *
 * Three outcomes: a provider agentab routes; a provider LiteLLM knows but agentab cannot route
 * (azure, bedrock, …: the loader skips that deployment with a warning); or a malformed target
 * (an unknown provider, which is most often a typo: an error). A bare model name is read the
 * way LiteLLM infers it for the two families agentab routes: `gpt-…`/`o1…`/`chatgpt-…` → openai,
 * `claude-…` → anthropic.
 */
import { BACKEND_NAMES } from '../proxy/backends/registry.ts';

export type ModelTarget =
  | { ok: true; provider: string; model: string }
  | { ok: false; detail: string; /** Set when LiteLLM knows the provider but agentab cannot route it. */ unroutable?: string };

const isProvider = (s: string): boolean => BACKEND_NAMES.includes(s);

/** LiteLLM provider prefixes agentab does not route (from LiteLLM's provider list). */
export const UNROUTABLE_LITELLM_PROVIDERS: ReadonlySet<string> = new Set([
  'azure',
  'azure_ai',
  'azure_text',
  'bedrock',
  'bedrock_converse',
  'sagemaker',
  'sagemaker_chat',
  'gemini',
  'vertex_ai_beta',
  'cohere',
  'cohere_chat',
  'mistral',
  'codestral',
  'groq',
  'ollama',
  'ollama_chat',
  'huggingface',
  'together_ai',
  'openrouter',
  'deepseek',
  'xai',
  'fireworks_ai',
  'perplexity',
  'databricks',
  'watsonx',
  'cloudflare',
  'replicate',
  'anyscale',
  'hosted_vllm',
  'vllm',
  'lm_studio',
  'text-completion-openai',
  'text-completion-codestral',
  'nvidia_nim',
  'cerebras',
  'sambanova',
  'ai21',
  'ai21_chat',
  'deepinfra',
  'friendliai',
  'github',
  'litellm_proxy',
  'custom_openai',
  'openai_like',
  'predibase',
  'triton',
  'clarifai',
  'baseten',
  'voyage',
  'jina_ai',
  'dashscope',
  'moonshot',
  'volcengine',
  'snowflake',
  'nscale',
  'oci',
]);

const OPENAI_BARE = /^(gpt-|chatgpt-|o\d(?:$|-)|text-embedding-|ft:gpt-)/;

export function parseModelTarget(text: string): ModelTarget {
  const slash = text.indexOf('/');
  if (slash < 0) {
    if (OPENAI_BARE.test(text)) return { ok: true, provider: 'openai', model: text };
    if (text.startsWith('claude-')) return { ok: true, provider: 'anthropic', model: text };
    return { ok: false, detail: `"${text}" has no provider: expected <provider>/<model>` };
  }
  // Only the first slash separates the provider: model names may hold slashes (meta-llama/Llama-3…).
  const provider = text.slice(0, slash);
  const model = text.slice(slash + 1);
  if (!isProvider(provider)) {
    if (UNROUTABLE_LITELLM_PROVIDERS.has(provider)) {
      return { ok: false, unroutable: provider, detail: `provider "${provider}" is not routable by agentab` };
    }
    return { ok: false, detail: `unknown provider "${provider}" in "${text}"` };
  }
  if (!model) return { ok: false, detail: `"${text}" has no model name after "${provider}/"` };
  return { ok: true, provider, model };
}
