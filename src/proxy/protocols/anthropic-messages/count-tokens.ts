/**
 * `POST /v1/messages/count_tokens`: the body is a Messages request without `max_tokens` and
 * `stream`; the answer is `{input_tokens}` (the whole prompt, as Anthropic counts it).
 */
import { z } from 'zod';
import { ProxyError } from '../../../canonical/errors.ts';
import type { CanonicalRequest } from '../../../canonical/form.ts';
import { countTokensResponse } from './anthropic-api.ts';
import { decodeAnthropicRequest, type DecodeOptions } from './decode-request.ts';
import { withProps } from '../../../util/objects.ts';

export function decodeAnthropicCountTokensBody(body: unknown, o: DecodeOptions = {}): CanonicalRequest {
  return withProps(decodeAnthropicRequest(body, o), { stream: false });
}

export function encodeAnthropicCountTokensResponse(inputTokens: number): { input_tokens: number } {
  return { input_tokens: inputTokens };
}

/** An upstream's count_tokens answer → the token count. */
export function decodeAnthropicCountTokensResponse(body: unknown): number {
  const r = countTokensResponse.safeParse(body);
  if (!r.success) {
    throw new ProxyError(`upstream sent an invalid count_tokens answer: ${z.prettifyError(r.error)}`, {
      code: 'upstream_invalid_response',
      kind: 'bad_gateway',
      retryable: true,
    });
  }
  return r.data.input_tokens;
}
