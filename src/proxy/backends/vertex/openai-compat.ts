/**
 * Gemini through Vertex's OpenAI-compatible endpoint (`endpoints/openapi/chat/completions`,
 * model `google/<m>`), translated with the openai-chat protocol module (whose encoder asks
 * for `stream_options.include_usage`, so streamed usage can be logged).
 */
import type { CanonicalRequest, CanonicalResponse, StreamPart } from '../../../canonical/form.ts';
import type { CallOptions, DecodedStreamBody } from '../types.ts';
import { postJson, readJson, type UpstreamResponse } from '../../upstream/http.ts';
import { awaitFirstContent } from '../../protocols/common/first-content.ts';
import {
  decodeOpenAIError,
  decodeOpenAIResponse,
  encodeOpenAIRequest,
  openAISseDecoder,
  openAISseToParts,
} from '../../protocols/openai-chat/index.ts';
import { openAICompatUrl } from './endpoints.ts';
import { invalidatingOn401 } from './errors.ts';
import type { VertexCall } from './vertex-call.ts';
import { withProps } from '../../../util/objects.ts';

export async function openAICompatGenerate(req: CanonicalRequest, o: CallOptions, v: VertexCall): Promise<CanonicalResponse> {
  const body = encodeOpenAIRequest(withProps(req, { stream: false }), v.model);
  const res = await postJson(openAICompatUrl(o.deployment), body, await v.headers(), o, decode(v));
  return decodeOpenAIResponse(await readJson(res));
}

export async function openAICompatStream(req: CanonicalRequest, o: CallOptions, v: VertexCall): Promise<ReadableStream<StreamPart>> {
  return awaitFirstContent((await postStream(req, o, v)).body.pipeThrough(openAISseToParts()));
}

export async function openAICompatStreamBody(req: CanonicalRequest, o: CallOptions, v: VertexCall): Promise<DecodedStreamBody> {
  return { body: await postStream(req, o, v), decoder: openAISseDecoder, holdUntilContent: true };
}

async function postStream(req: CanonicalRequest, o: CallOptions, v: VertexCall): Promise<UpstreamResponse> {
  const body = encodeOpenAIRequest(withProps(req, { stream: true }), v.model);
  return postJson(openAICompatUrl(o.deployment), body, await v.headers(), o, decode(v));
}

const decode = (v: VertexCall) => invalidatingOn401(decodeOpenAIError, v.tokens);
