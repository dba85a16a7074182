/** OpenAI Chat Completions protocol: wire schemas, request/response codecs, SSE codecs, taps. */
export * from './schema.ts';
export { decodeOpenAIRequest } from './decode-request.ts';
export { encodeOpenAIRequest, TOOL_IMAGE_NOTE } from './encode-request.ts';
export { decodeOpenAIResponse } from './decode-response.ts';
export { encodeOpenAIResponse, type ChatCompletion } from './encode-response.ts';
export { openAISseDecoder, openAISseToParts, openAIDataToParts, OpenAIStreamDecoder } from './decode-stream.ts';
export { openAISseEncoder, partsToOpenAISse, type OpenAISseOptions } from './encode-stream.ts';
export { openAISseTap, openAISseTapCore, tapCoreToTransform, type SseTapCore, openAIJsonTap, type OpenAISseTapOptions, type OpenAIJsonTapResult } from './tap.ts';
export { fromOpenAIUsage, toOpenAIUsage, type OpenAIUsage } from './usage.ts';
export { fromOpenAIFinishReason, toOpenAIFinishReason, type OpenAIFinishReason } from './finish-reason.ts';
export {
  encodeOpenAIError,
  encodeOpenAIErrorBody,
  decodeOpenAIError,
  decodeOpenAIErrorPayload,
  type OpenAIErrorBody,
  type HeaderBag,
} from './errors.ts';
