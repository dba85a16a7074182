/** The Anthropic Messages dialect: request/response codecs, SSE codecs, usage, errors. */
export { decodeAnthropicRequest, type DecodeOptions } from './decode-request.ts';
export {
  encodeAnthropicRequest,
  encodeAnthropicCountTokensRequest,
  anthropicToolId,
  VERTEX_ANTHROPIC_VERSION,
  type EncodeAnthropicOptions,
} from './encode-request.ts';
export { decodeAnthropicResponse, encodeAnthropicResponse } from './response.ts';
export { anthropicSseDecoder, anthropicSseToParts } from './sse-to-parts.ts';
export { anthropicSseEncoder, partsToAnthropicSse, type PartsToAnthropicSseOptions } from './parts-to-sse.ts';
export { anthropicSseTap, anthropicSseTapCore, anthropicJsonTap, type AnthropicSseTapOptions, type AnthropicJsonTapResult } from './sse-tap.ts';
export { fromAnthropicUsage, toAnthropicUsage, type AnthropicUsageOut } from './usage.ts';
export { fromAnthropicStopReason, toAnthropicStopReason, type AnthropicStopReason } from './stop-reason.ts';
export {
  encodeAnthropicError,
  decodeAnthropicError,
  decodeAnthropicStreamError,
  anthropicErrorBody,
  anthropicErrorFrame,
  type AnthropicErrorBody,
} from './errors.ts';
export {
  decodeAnthropicCountTokensBody,
  encodeAnthropicCountTokensResponse,
  decodeAnthropicCountTokensResponse,
} from './count-tokens.ts';
