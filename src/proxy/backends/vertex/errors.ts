/**
 * Error decoding for Vertex answers. Claude on Vertex answers model errors in Anthropic's
 * shape but gateway errors (auth, quota, unknown model) in Google's; both are read here.
 */
import type { ProxyError } from '../../../canonical/errors.ts';
import type { ErrorDecoder } from '../../upstream/http.ts';
import { decodeAnthropicError } from '../../protocols/anthropic-messages/index.ts';
import { decodeGeminiError } from '../../protocols/gemini/index.ts';
import type { TokenProvider } from './auth.ts';

export function decodeClaudeOnVertexError(status: number, text: string, headers: Record<string, string>): ProxyError {
  return isAnthropicError(text) ? decodeAnthropicError(status, text, headers) : decodeGeminiError(status, text, headers);
}

/** A 401 means the cached token went bad (revoked, clock skew): drop it so the retry fetches a new one. */
export function invalidatingOn401(decode: ErrorDecoder, tokens: TokenProvider): ErrorDecoder {
  return (status, text, headers) => {
    if (status === 401) tokens.invalidate();
    return decode(status, text, headers);
  };
}

function isAnthropicError(text: string): boolean {
  try {
    const json = JSON.parse(text) as { type?: unknown } | null;
    return json?.type === 'error';
  } catch {
    return false;
  }
}
