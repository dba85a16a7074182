/**
 * Backend for the Anthropic Messages API over the shared pooled undici agent. Anthropic
 * clients are passed through untranslated (only `model` becomes the deployment's upstream
 * model); other dialects go through the canonical form. Upstream errors before the stream
 * starts are thrown (decoded from Anthropic's error body) so the router can retry.
 */
import type { CanonicalRequest, CanonicalResponse, StreamPart } from '../../../canonical/form.ts';
import type { BackendAdapter, CallOptions, DecodedStreamBody, RawCall, RawResponse } from '../types.ts';
import { postJson, readJson, type UpstreamResponse } from '../../upstream/http.ts';
import { passthroughBody } from '../../upstream/passthrough-body.ts';
import { awaitFirstContent } from '../../protocols/common/first-content.ts';
import {
  anthropicSseDecoder,
  anthropicSseToParts,
  decodeAnthropicCountTokensResponse,
  decodeAnthropicError,
  decodeAnthropicResponse,
  encodeAnthropicCountTokensRequest,
  encodeAnthropicRequest,
} from '../../protocols/anthropic-messages/index.ts';
import { anthropicHeaders } from './headers.ts';
import { withProps } from '../../../util/objects.ts';

export const DEFAULT_ANTHROPIC_BASE = 'https://api.anthropic.com';

export class AnthropicBackend implements BackendAdapter {
  readonly kind = 'anthropic' as const;
  readonly nativeDialects = ['anthropic'] as const;

  /** `apiBase` may be given with or without the trailing `/v1`. */
  private url(o: CallOptions, path: '/messages' | '/messages/count_tokens'): string {
    const base = (o.deployment.apiBase ?? DEFAULT_ANTHROPIC_BASE).replace(/\/+$/, '');
    return base.endsWith('/v1') ? `${base}${path}` : `${base}/v1${path}`;
  }

  private warn(o: CallOptions) {
    return (message: string) => o.log.warn(message, { deployment: o.deployment.id });
  }

  /** Not async, as the OpenAI-compatible backend's: postJson's promise is handed back as it is; a throw here still rejects. */
  passthrough(call: RawCall, o: CallOptions): Promise<RawResponse> {
    try {
      const body = passthroughBody(call, { model: o.deployment.model });
      return postJson(this.url(o, '/messages'), body, anthropicHeaders(o.deployment, call.headers), o, decodeAnthropicError);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  async generate(req: CanonicalRequest, o: CallOptions): Promise<CanonicalResponse> {
    const body = encodeAnthropicRequest(withProps(req, { stream: false }), o.deployment.model, { warn: this.warn(o) });
    const res = await postJson(this.url(o, '/messages'), body, anthropicHeaders(o.deployment), o, decodeAnthropicError);
    return decodeAnthropicResponse(await readJson(res));
  }

  async stream(req: CanonicalRequest, o: CallOptions): Promise<ReadableStream<StreamPart>> {
    return awaitFirstContent((await this.postStream(req, o)).body.pipeThrough(anthropicSseToParts()));
  }

  async streamBody(req: CanonicalRequest, o: CallOptions): Promise<DecodedStreamBody> {
    return { body: await this.postStream(req, o), decoder: anthropicSseDecoder, holdUntilContent: true };
  }

  private postStream(req: CanonicalRequest, o: CallOptions): Promise<UpstreamResponse> {
    const body = encodeAnthropicRequest(withProps(req, { stream: true }), o.deployment.model, { warn: this.warn(o) });
    return postJson(this.url(o, '/messages'), body, anthropicHeaders(o.deployment), o, decodeAnthropicError);
  }

  async countTokens(req: CanonicalRequest, o: CallOptions): Promise<number> {
    const body = encodeAnthropicCountTokensRequest(req, o.deployment.model, { warn: this.warn(o) });
    const res = await postJson(this.url(o, '/messages/count_tokens'), body, anthropicHeaders(o.deployment), o, decodeAnthropicError);
    return decodeAnthropicCountTokensResponse(await readJson(res));
  }
}

export const createBackend = (): BackendAdapter => new AnthropicBackend();
