/**
 * Backend for any OpenAI-compatible Chat Completions server (OpenAI, vLLM, llama.cpp,
 * Ollama, LiteLLM, …) over pooled undici connections. OpenAI clients are passed through
 * byte for byte (the proxy only adds `stream_options.include_usage` so usage is logged);
 * other dialects are translated through the canonical form.
 */
import type { CanonicalRequest, CanonicalResponse, StreamPart } from '../../../canonical/form.ts';
import type { BackendAdapter, CallOptions, DecodedStreamBody, RawCall, RawResponse } from '../types.ts';
import { postJson, readJson, type UpstreamResponse } from '../../upstream/http.ts';
import { withProps } from '../../../util/objects.ts';
import { passthroughBody } from '../../upstream/passthrough-body.ts';
import {
  decodeOpenAIError,
  decodeOpenAIResponse,
  encodeOpenAIRequest,
  openAISseDecoder,
  openAISseToParts,
} from '../../protocols/openai-chat/index.ts';

export const DEFAULT_OPENAI_BASE = 'https://api.openai.com/v1';

export class OpenAICompatibleBackend implements BackendAdapter {
  readonly kind = 'openai-compatible' as const;
  /** Chat Completions, and the Responses API (OpenAI, vLLM, Ollama, LM Studio serve `/responses` too). */
  readonly nativeDialects = ['openai', 'openai-responses'] as const;

  /**
   * Chat Completions URL per deployment, built once: the same string every call, so the upstream
   * pool's URL cache (upstream/http.ts originAndPath) hashes it once instead of a new string per
   * request. Wildcard deployments are new objects per request and miss it.
   */
  private readonly chatUrls = new WeakMap<CallOptions['deployment'], string>();

  private url(o: CallOptions, path = '/chat/completions'): string {
    if (path === '/chat/completions') {
      const known = this.chatUrls.get(o.deployment);
      if (known !== undefined) return known;
    }
    const base = (o.deployment.apiBase ?? DEFAULT_OPENAI_BASE).replace(/\/+$/, '');
    const url = `${base}${path}`;
    if (path === '/chat/completions') this.chatUrls.set(o.deployment, url);
    return url;
  }

  /** A deployment's own request headers, built once per deployment as its chat URL is (postJson copies them, never changes them). */
  private readonly deploymentHeaders = new WeakMap<CallOptions['deployment'], Readonly<Record<string, string>>>();

  private headers(o: CallOptions): Readonly<Record<string, string>> {
    const known = this.deploymentHeaders.get(o.deployment);
    if (known) return known;
    const h: Record<string, string> = { ...(o.deployment.extraHeaders ?? {}) };
    if (o.deployment.apiKey) h.authorization = `Bearer ${o.deployment.apiKey}`;
    this.deploymentHeaders.set(o.deployment, Object.freeze(h));
    return h;
  }

  /**
   * Not async: postJson's promise is handed back as it is (an async wrapper returning a promise
   * costs one more promise and two microtask turns on every pass-through call); a synchronous
   * throw (a body too deep to serialise) still reaches the caller as a rejection.
   */
  passthrough(call: RawCall, o: CallOptions): Promise<RawResponse> {
    try {
      const set: Record<string, unknown> = { model: o.deployment.model };
      // Responses streams carry their usage in response.completed: only the model changes there.
      if (call.dialect !== 'openai-responses' && call.body.stream === true) {
        const so = (call.body.stream_options ?? {}) as Record<string, unknown>;
        set.stream_options = withProps(so, { include_usage: true });
      }
      const url = call.dialect === 'openai-responses' ? this.url(o, '/responses') : this.url(o);
      return postJson(url, passthroughBody(call, set), this.headers(o), o, decodeOpenAIError);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  async generate(req: CanonicalRequest, o: CallOptions): Promise<CanonicalResponse> {
    const body = encodeOpenAIRequest(withProps(req, { stream: false }), o.deployment.model);
    const res = await postJson(this.url(o), body, this.headers(o), o, decodeOpenAIError);
    return decodeOpenAIResponse(await readJson(res));
  }

  async stream(req: CanonicalRequest, o: CallOptions): Promise<ReadableStream<StreamPart>> {
    return (await this.post(req, o)).body.pipeThrough(openAISseToParts());
  }

  async streamBody(req: CanonicalRequest, o: CallOptions): Promise<DecodedStreamBody> {
    return { body: await this.post(req, o), decoder: openAISseDecoder, holdUntilContent: false };
  }

  private post(req: CanonicalRequest, o: CallOptions): Promise<UpstreamResponse> {
    const body = encodeOpenAIRequest(withProps(req, { stream: true }), o.deployment.model);
    return postJson(this.url(o), body, this.headers(o), o, decodeOpenAIError);
  }
}

export const createBackend = (): BackendAdapter => new OpenAICompatibleBackend();
