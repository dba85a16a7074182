/**
 * Claude on Vertex: the Anthropic Messages body with `anthropic_version: vertex-2023-10-16`
 * and no `model` (the model is in the URL), on `:rawPredict` / `:streamRawPredict`. The
 * answers are Anthropic's own JSON and SSE.
 */
import type { CanonicalRequest, CanonicalResponse, StreamPart } from '../../../canonical/form.ts';
import type { CallOptions, DecodedStreamBody } from '../types.ts';
import { postJson, readJson, type UpstreamResponse } from '../../upstream/http.ts';
import { awaitFirstContent } from '../../protocols/common/first-content.ts';
import {
  VERTEX_ANTHROPIC_VERSION,
  anthropicSseDecoder,
  anthropicSseToParts,
  decodeAnthropicCountTokensResponse,
  decodeAnthropicResponse,
  encodeAnthropicCountTokensRequest,
  encodeAnthropicRequest,
} from '../../protocols/anthropic-messages/index.ts';
import { claudeCountTokensUrl, claudeUrl } from './endpoints.ts';
import { decodeClaudeOnVertexError, invalidatingOn401 } from './errors.ts';
import type { VertexCall } from './vertex-call.ts';
import { withProps } from '../../../util/objects.ts';

export async function claudeGenerate(req: CanonicalRequest, o: CallOptions, v: VertexCall): Promise<CanonicalResponse> {
  const body = encodeAnthropicRequest(withProps(req, { stream: false }), v.model, { vertex: true, warn: v.warn });
  const res = await postJson(claudeUrl(o.deployment, v.model, 'rawPredict'), body, await v.headers(), o, decode(v));
  return decodeAnthropicResponse(await readJson(res));
}

export async function claudeStream(req: CanonicalRequest, o: CallOptions, v: VertexCall): Promise<ReadableStream<StreamPart>> {
  return awaitFirstContent((await postStream(req, o, v)).body.pipeThrough(anthropicSseToParts()));
}

export async function claudeStreamBody(req: CanonicalRequest, o: CallOptions, v: VertexCall): Promise<DecodedStreamBody> {
  return { body: await postStream(req, o, v), decoder: anthropicSseDecoder, holdUntilContent: true };
}

async function postStream(req: CanonicalRequest, o: CallOptions, v: VertexCall): Promise<UpstreamResponse> {
  const body = encodeAnthropicRequest(withProps(req, { stream: true }), v.model, { vertex: true, warn: v.warn });
  return postJson(claudeUrl(o.deployment, v.model, 'streamRawPredict'), body, await v.headers(), o, decode(v));
}

/** Vertex counts Claude tokens on the `count-tokens` pseudo-model; here the body names the model. */
export async function claudeCountTokens(req: CanonicalRequest, o: CallOptions, v: VertexCall): Promise<number> {
  const body = { anthropic_version: VERTEX_ANTHROPIC_VERSION, ...encodeAnthropicCountTokensRequest(req, v.model, { warn: v.warn }) };
  const res = await postJson(claudeCountTokensUrl(o.deployment), body, await v.headers(), o, decode(v));
  return decodeAnthropicCountTokensResponse(await readJson(res));
}

const decode = (v: VertexCall) => invalidatingOn401(decodeClaudeOnVertexError, v.tokens);
