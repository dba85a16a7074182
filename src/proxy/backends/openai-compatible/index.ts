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

interface DeploymentTarget {
  chatUrl: string;
  responsesUrl: string;
  headers: Readonly<Record<string, string>>;
}

export class OpenAICompatibleBackend implements BackendAdapter {
  readonly kind = 'openai-compatible' as const;
  /** Chat Completions, and the Responses API (OpenAI, vLLM, Ollama, LM Studio serve `/responses` too). */
  readonly nativeDialects = ['openai', 'openai-responses'] as const;

  /**
   * What every call to a deployment sends alike, built once per deployment: its URLs (the same
   * string every call, so the upstream pool's URL cache, upstream/http.ts originAndPath, hashes
   * it once instead of a new string per request) and its own request headers (postJson copies
   * them, never changes them). Wildcard deployments are new objects per request and miss it.
   */
  private readonly targets = new WeakMap<CallOptions['deployment'], DeploymentTarget>();

  private target(o: CallOptions): DeploymentTarget {
    let target = this.targets.get(o.deployment);
    if (!target) {
      const base = (o.deployment.apiBase ?? DEFAULT_OPENAI_BASE).replace(/\/+$/, '');
      const headers: Record<string, string> = { ...(o.deployment.extraHeaders ?? {}) };
      if (o.deployment.apiKey) headers.authorization = `Bearer ${o.deployment.apiKey}`;
      target = { chatUrl: `${base}/chat/completions`, responsesUrl: `${base}/responses`, headers: Object.freeze(headers) };
      this.targets.set(o.deployment, target);
    }
    return target;
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
      const target = this.target(o);
      const url = call.dialect === 'openai-responses' ? target.responsesUrl : target.chatUrl;
      return postJson(url, passthroughBody(call, set), target.headers, o, decodeOpenAIError);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  async generate(req: CanonicalRequest, o: CallOptions): Promise<CanonicalResponse> {
    const body = encodeOpenAIRequest(withProps(req, { stream: false }), o.deployment.model);
    const { chatUrl, headers } = this.target(o);
    const res = await postJson(chatUrl, body, headers, o, decodeOpenAIError);
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
    const { chatUrl, headers } = this.target(o);
    return postJson(chatUrl, body, headers, o, decodeOpenAIError);
  }
}

export const createBackend = (): BackendAdapter => new OpenAICompatibleBackend();
