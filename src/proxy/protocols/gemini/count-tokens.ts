/** Gemini `:countTokens` answer → the token count. */
import { z } from 'zod';
import { ProxyError } from '../../../canonical/errors.ts';
import { countTokensResponse } from './gemini-api.ts';

export function decodeGeminiCountTokensResponse(body: unknown): number {
  const r = countTokensResponse.safeParse(body);
  if (!r.success) {
    throw new ProxyError(`upstream sent an invalid countTokens answer: ${z.prettifyError(r.error)}`, {
      code: 'upstream_invalid_response',
      kind: 'bad_gateway',
      retryable: true,
    });
  }
  return r.data.totalTokens;
}
