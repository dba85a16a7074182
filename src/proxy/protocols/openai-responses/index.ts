/** The OpenAI Responses API dialect: request decoding, response and stream encoding, taps, usage. */
export { decodeResponsesRequest, type DecodeResponsesOptions } from './decode-request.ts';
export { encodeResponsesResponse, responsesJsonTap } from './response.ts';
export { partsToResponsesSse, responsesSseEncoder, type ResponsesSseOptions } from './encode-stream.ts';
export { responsesSseTapCore } from './tap.ts';
export { fromResponsesUsage, toResponsesUsage, type ResponsesUsage } from './usage.ts';
