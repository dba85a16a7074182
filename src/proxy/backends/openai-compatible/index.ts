/**
 * Backend for any OpenAI-compatible Chat Completions server (OpenAI, vLLM, llama.cpp,
 * Ollama, LiteLLM, …) over pooled undici connections. OpenAI clients are passed through
 * byte for byte (the proxy only adds `stream_options.include_usage` so usage is logged);
 * other dialects are translated through the canonical form.
 */
import type { CanonicalRequest, CanonicalResponse, StreamPart } from '../../../canonical/form.ts';
import type { BackendAdapter, CallOptions, RawCall, RawResponse } from '../types.ts';
import { postJson, readJson } from '../../upstream/http.ts';
import {
  decodeOpenAIError,
  decodeOpenAIResponse,
  encodeOpenAIRequest,
  openAISseToParts,
} from '../../protocols/openai-chat/index.ts';

export const DEFAULT_OPENAI_BASE = 'https://api.openai.com/v1';

export class OpenAICompatibleBackend implements BackendAdapter {
  readonly kind = 'openai-compatible' as const;
  readonly nativeDialects = ['openai'] as const;

  private url(o: CallOptions): string {
    const base = (o.deployment.apiBase ?? DEFAULT_OPENAI_BASE).replace(/\/+$/, '');
    return `${base}/chat/completions`;
  }

  private headers(o: CallOptions): Record<string, string> {
    const h: Record<string, string> = { ...(o.deployment.extraHeaders ?? {}) };
    if (o.deployment.apiKey) h.authorization = `Bearer ${o.deployment.apiKey}`;
    return h;
  }

  async passthrough(call: RawCall, o: CallOptions): Promise<RawResponse> {
    const body: Record<string, unknown> = { ...call.body, model: o.deployment.model };
    if (body.stream === true) {
      const so = (body.stream_options ?? {}) as Record<string, unknown>;
      body.stream_options = { ...so, include_usage: true };
    }
    const res = await postJson(this.url(o), body, this.headers(o), o, decodeOpenAIError);
    return res;
  }

  async generate(req: CanonicalRequest, o: CallOptions): Promise<CanonicalResponse> {
    const body = encodeOpenAIRequest({ ...req, stream: false }, o.deployment.model);
    const res = await postJson(this.url(o), body, this.headers(o), o, decodeOpenAIError);
    return decodeOpenAIResponse(await readJson(res.body));
  }

  async stream(req: CanonicalRequest, o: CallOptions): Promise<ReadableStream<StreamPart>> {
    const body = encodeOpenAIRequest({ ...req, stream: true }, o.deployment.model);
    const res = await postJson(this.url(o), body, this.headers(o), o, decodeOpenAIError);
    return res.body.pipeThrough(openAISseToParts());
  }
}

export const createBackend = (): BackendAdapter => new OpenAICompatibleBackend();
