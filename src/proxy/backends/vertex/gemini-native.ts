/** Gemini through Vertex's native endpoints: generateContent, streamGenerateContent?alt=sse, countTokens. */
import type { CanonicalRequest, CanonicalResponse, StreamPart } from '../../../canonical/form.ts';
import type { CallOptions, DecodedStreamBody } from '../types.ts';
import { postJson, readJson, type UpstreamResponse } from '../../upstream/http.ts';
import { awaitFirstContent } from '../../protocols/common/first-content.ts';
import {
  decodeGeminiCountTokensResponse,
  decodeGeminiError,
  decodeGeminiResponse,
  encodeGeminiCountTokensRequest,
  encodeGeminiRequest,
  geminiSseDecoder,
  geminiSseToParts,
} from '../../protocols/gemini/index.ts';
import { geminiUrl } from './endpoints.ts';
import { invalidatingOn401 } from './errors.ts';
import type { VertexCall } from './vertex-call.ts';

export async function geminiGenerate(req: CanonicalRequest, o: CallOptions, v: VertexCall): Promise<CanonicalResponse> {
  const body = encodeGeminiRequest(req, { warn: v.warn });
  const res = await postJson(geminiUrl(o.deployment, v.model, 'generateContent'), body, await v.headers(), o, decode(v));
  return decodeGeminiResponse(await readJson(res), { model: v.model });
}

export async function geminiStream(req: CanonicalRequest, o: CallOptions, v: VertexCall): Promise<ReadableStream<StreamPart>> {
  return awaitFirstContent((await postStream(req, o, v)).body.pipeThrough(geminiSseToParts({ model: v.model })));
}

export async function geminiStreamBody(req: CanonicalRequest, o: CallOptions, v: VertexCall): Promise<DecodedStreamBody> {
  const opts = { model: v.model };
  return { body: await postStream(req, o, v), decoder: (emit) => geminiSseDecoder(opts, emit), holdUntilContent: true };
}

async function postStream(req: CanonicalRequest, o: CallOptions, v: VertexCall): Promise<UpstreamResponse> {
  const body = encodeGeminiRequest(req, { warn: v.warn });
  return postJson(geminiUrl(o.deployment, v.model, 'streamGenerateContent'), body, await v.headers(), o, decode(v));
}

export async function geminiCountTokens(req: CanonicalRequest, o: CallOptions, v: VertexCall): Promise<number> {
  const body = encodeGeminiCountTokensRequest(req, { warn: v.warn });
  const res = await postJson(geminiUrl(o.deployment, v.model, 'countTokens'), body, await v.headers(), o, decode(v));
  return decodeGeminiCountTokensResponse(await readJson(res));
}

const decode = (v: VertexCall) => invalidatingOn401(decodeGeminiError, v.tokens);
