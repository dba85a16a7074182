/**
 * Backend for Vertex AI: Gemini through the native generateContent endpoints or through the
 * OpenAI-compatible endpoint, and Claude through rawPredict (see endpoints.ts for how a
 * deployment's model picks one). Every request is translated through the canonical form;
 * there is no pass-through because the Vertex bodies differ from every client dialect.
 * Auth is a bearer token per deployment (auth.ts), cached across calls.
 */
import type { CanonicalRequest, CanonicalResponse, StreamPart } from '../../../canonical/form.ts';
import type { Deployment } from '../../../config/types.ts';
import type { BackendAdapter, CallOptions, DecodedStreamBody } from '../types.ts';
import { defaultTokenProvider, type TokenProvider } from './auth.ts';
import { claudeCountTokens, claudeGenerate, claudeStream, claudeStreamBody } from './claude.ts';
import { vertexTarget } from './endpoints.ts';
import { geminiCountTokens, geminiGenerate, geminiStream, geminiStreamBody } from './gemini-native.ts';
import { openAICompatGenerate, openAICompatStream, openAICompatStreamBody } from './openai-compat.ts';
import type { VertexCall } from './vertex-call.ts';
import { withProps } from '../../../util/objects.ts';

export interface VertexBackendDeps {
  /** The token provider of a deployment (default: apiKey as static bearer, else ADC, else gcloud). */
  tokenProvider?: (d: Deployment) => TokenProvider;
}

export class VertexBackend implements BackendAdapter {
  readonly kind = 'vertex' as const;
  private readonly providers = new Map<string, TokenProvider>();

  constructor(private readonly deps: VertexBackendDeps = {}) {}

  private tokens(d: Deployment): TokenProvider {
    // Keyed by what determines the credentials, so deployments sharing them share one cache.
    const key = JSON.stringify([d.apiKey ? d.id : '', d.vertexCredentials ?? '']);
    let p = this.providers.get(key);
    if (!p) {
      p = (this.deps.tokenProvider ?? defaultTokenProvider)(d);
      this.providers.set(key, p);
    }
    return p;
  }

  private call(o: CallOptions): VertexCall & { mode: ReturnType<typeof vertexTarget>['mode'] } {
    const d = o.deployment;
    const target = vertexTarget(d);
    const tokens = this.tokens(d);
    return {
      mode: target.mode,
      model: target.model,
      tokens,
      headers: async () => withProps(d.extraHeaders ?? {}, { authorization: `Bearer ${await tokens.getToken()}` }),
      warn: (message) => o.log.warn(message, { deployment: d.id }),
    };
  }

  async generate(req: CanonicalRequest, o: CallOptions): Promise<CanonicalResponse> {
    const v = this.call(o);
    if (v.mode === 'anthropic') return claudeGenerate(req, o, v);
    if (v.mode === 'openai') return openAICompatGenerate(req, o, v);
    return geminiGenerate(req, o, v);
  }

  async stream(req: CanonicalRequest, o: CallOptions): Promise<ReadableStream<StreamPart>> {
    const v = this.call(o);
    if (v.mode === 'anthropic') return claudeStream(req, o, v);
    if (v.mode === 'openai') return openAICompatStream(req, o, v);
    return geminiStream(req, o, v);
  }

  async streamBody(req: CanonicalRequest, o: CallOptions): Promise<DecodedStreamBody> {
    const v = this.call(o);
    if (v.mode === 'anthropic') return claudeStreamBody(req, o, v);
    if (v.mode === 'openai') return openAICompatStreamBody(req, o, v);
    return geminiStreamBody(req, o, v);
  }

  /** Gemini's countTokens (also for the OpenAI-compatible mode, which has no count endpoint), or Claude's. */
  async countTokens(req: CanonicalRequest, o: CallOptions): Promise<number> {
    const v = this.call(o);
    if (v.mode === 'anthropic') return claudeCountTokens(req, o, v);
    const model = v.mode === 'openai' ? v.model.replace(/^google\//, '') : v.model;
    return geminiCountTokens(req, o, withProps(v, { model }));
  }
}

/** `options` are injected by tests and embedding programs (a fake token provider). */
export const createBackend = (options: unknown): BackendAdapter => new VertexBackend((options ?? {}) as VertexBackendDeps);
