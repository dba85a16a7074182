/** The Gemini generateContent dialect (Vertex and the Gemini API): codecs, SSE, usage, errors. */
export { encodeGeminiRequest, encodeGeminiCountTokensRequest, type EncodeGeminiOptions } from './encode-request.ts';
export { decodeGeminiResponse, encodeGeminiResponse } from './response.ts';
export { geminiSseDecoder, geminiSseToParts, type GeminiSseToPartsOptions } from './sse-to-parts.ts';
export { geminiSseEncoder, partsToGeminiSse } from './parts-to-sse.ts';
export { fromGeminiUsage, toGeminiUsage } from './usage.ts';
export { fromGeminiFinishReason, toGeminiFinishReason } from './finish-reason.ts';
export { decodeGeminiError, decodeGeminiStatus } from './errors.ts';
export { decodeGeminiCountTokensResponse } from './count-tokens.ts';
export { cleanSchemaForGemini, cleanToolParameters } from './clean-schema.ts';
export { geminiToolCallId, signatureFromToolCallId, baseToolCallId, withSignature } from './tool-call-id.ts';
export { decodeGeminiRequest, encodeGeminiError } from './decode-request.ts';
export { geminiJsonTap, geminiSseTapCore } from './tap.ts';
