/**
 * Which Vertex API a deployment uses, and its URLs.
 *
 * - `claude…` (or `anthropic/claude…`): Claude on Vertex, `publishers/anthropic/models/{M}:rawPredict`
 *   / `:streamRawPredict`.
 * - `openai/<m>`: Gemini through Vertex's OpenAI-compatible endpoint `endpoints/openapi/chat/completions`
 *   with model `google/<m>` (LiteLLM spelling: `vertex_ai/openai/gemini-2.5-flash`).
 * - anything else: Gemini native, `publishers/google/models/{M}:generateContent` /
 *   `:streamGenerateContent?alt=sse` / `:countTokens`.
 *
 * Host: `aiplatform.googleapis.com` for location `global`, else `{LOC}-aiplatform.googleapis.com`.
 * `apiBase` lets tests and private gateways stand in for Google, in three forms:
 * - a host root, `https://gw.example` (with or without a trailing `/v1`): replaces `https://{host}`;
 * - LiteLLM's form, the model's whole resource path
 *   `https://gw.example/v1/projects/P/locations/L/publishers/google/models/M`: the verb is appended
 *   (`…/models/M:generateContent`), as LiteLLM does;
 * - a location path `…/v1/projects/P/locations/L`: the publisher and model are appended.
 */
import { ProxyError } from '../../../canonical/errors.ts';
import type { Deployment } from '../../../config/types.ts';

export type VertexMode = 'gemini' | 'openai' | 'anthropic';

export interface VertexTarget {
  mode: VertexMode;
  /** The model name as the chosen Vertex API wants it. */
  model: string;
}

export const DEFAULT_LOCATION = 'us-central1';

export function vertexTarget(d: Deployment): VertexTarget {
  const m = d.model;
  if (m.startsWith('openai/')) {
    const name = m.slice('openai/'.length);
    return { mode: 'openai', model: name.includes('/') ? name : `google/${name}` };
  }
  if (m.startsWith('anthropic/')) return { mode: 'anthropic', model: m.slice('anthropic/'.length) };
  if (m.startsWith('claude')) return { mode: 'anthropic', model: m };
  return { mode: 'gemini', model: m.startsWith('google/') ? m.slice('google/'.length) : m };
}

/** An apiBase path that already names the project and location (LiteLLM's form, or a location path). */
const RESOURCE_PATH = /\/projects\/[^/]+\/locations\/[^/]+/;
/** LiteLLM's form: the path ends at the model, `…/publishers/{pub}/models/{M}`. */
const MODEL_PATH = /\/publishers\/[^/]+\/models\/[^/:]+$/;

function trimmedBase(d: Deployment): string | undefined {
  return d.apiBase?.replace(/\/+$/, '');
}

/** `…/v1/projects/{P}/locations/{LOC}` on the right host (or on apiBase). */
export function locationBase(d: Deployment): string {
  const base = trimmedBase(d);
  if (base && RESOURCE_PATH.test(base)) return base.replace(/\/publishers\/.*$/, '');
  if (!d.vertexProject) {
    throw new ProxyError(`deployment ${d.id} has no Vertex project`, { code: 'vertex_no_project', kind: 'invalid_request' });
  }
  const loc = d.vertexLocation ?? DEFAULT_LOCATION;
  const root = base ? base.replace(/\/v1$/, '') : `https://${loc === 'global' ? '' : `${loc}-`}aiplatform.googleapis.com`;
  return `${root}/v1/projects/${segment(d.vertexProject)}/locations/${segment(loc)}`;
}

/** `{model resource}:{verb}`: apiBase itself in LiteLLM's form, else built from the location base. */
function modelUrl(d: Deployment, publisher: string, model: string, verb: string): string {
  const base = trimmedBase(d);
  if (base && MODEL_PATH.test(base)) return `${base}:${verb}`;
  return `${locationBase(d)}/publishers/${publisher}/models/${segment(model)}:${verb}`;
}

export function geminiUrl(d: Deployment, model: string, verb: 'generateContent' | 'streamGenerateContent' | 'countTokens'): string {
  const url = modelUrl(d, 'google', model, verb);
  return verb === 'streamGenerateContent' ? `${url}?alt=sse` : url;
}

export function claudeUrl(d: Deployment, model: string, verb: 'rawPredict' | 'streamRawPredict'): string {
  return modelUrl(d, 'anthropic', model, verb);
}

/** Claude token counting on Vertex is a rawPredict on the `count-tokens` pseudo-model. */
export function claudeCountTokensUrl(d: Deployment): string {
  return `${locationBase(d)}/publishers/anthropic/models/count-tokens:rawPredict`;
}

export function openAICompatUrl(d: Deployment): string {
  return `${locationBase(d)}/endpoints/openapi/chat/completions`;
}

/** A path segment; `@` stays literal as in Vertex's own model ids (`claude-sonnet-4@20250514`). */
function segment(s: string): string {
  return encodeURIComponent(s).replaceAll('%40', '@');
}
