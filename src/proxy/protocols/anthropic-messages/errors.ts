/**
 * ProxyError ⇄ Anthropic error bodies `{type:'error', error:{type, message}}`.
 *
 * A timeout (504) has no Anthropic type of its own in WIRE.md's list; it is answered as
 * `api_error` with status 504, which the official SDK maps to InternalServerError and
 * retries like any 5xx. 502/503 likewise keep their status with type `api_error`.
 */
import { ProxyError, kindOfStatus, type ErrorKind } from '../../../canonical/errors.ts';
import { RETRYABLE_KINDS, headerValue, retryAfterMs, type HeaderBag } from '../common/headers.ts';
import { encodeSseFrame } from '../common/sse.ts';
import { errorPayload } from './anthropic-api.ts';

export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error';

const TYPE_OF_KIND: Record<ErrorKind, AnthropicErrorType> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  not_found: 'not_found_error',
  request_too_large: 'request_too_large',
  rate_limit: 'rate_limit_error',
  api_error: 'api_error',
  bad_gateway: 'api_error',
  unavailable: 'api_error',
  timeout: 'api_error',
  overloaded: 'overloaded_error',
  client_closed: 'api_error',
};

const KIND_OF_TYPE: Record<string, ErrorKind> = {
  invalid_request_error: 'invalid_request',
  authentication_error: 'authentication',
  permission_error: 'permission',
  not_found_error: 'not_found',
  request_too_large: 'request_too_large',
  rate_limit_error: 'rate_limit',
  api_error: 'api_error',
  overloaded_error: 'overloaded',
  timeout_error: 'timeout',
};

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: AnthropicErrorType; message: string };
}

export function anthropicErrorBody(e: ProxyError): AnthropicErrorBody {
  return { type: 'error', error: { type: TYPE_OF_KIND[e.kind], message: e.message } };
}

export function encodeAnthropicError(e: ProxyError): { status: number; body: AnthropicErrorBody } {
  return { status: e.status, body: anthropicErrorBody(e) };
}

/** An upstream's error answer (status, body text, headers) → ProxyError. */
export function decodeAnthropicError(status: number, text: string, headers?: HeaderBag): ProxyError {
  const payload = parseErrorPayload(text);
  const kind: ErrorKind = (payload && KIND_OF_TYPE[payload.type]) ?? kindOfStatus(status);
  const ra = retryAfterMs(headers);
  // Anthropic's `x-should-retry` overrides the status, as the official SDK honours it.
  const shouldRetry = headerValue(headers, 'x-should-retry');
  return new ProxyError(payload?.message || `upstream answered ${status}`, {
    code: `upstream_${payload?.type ?? status}`,
    kind,
    retryable: shouldRetry === 'true' ? true : shouldRetry === 'false' ? false : RETRYABLE_KINDS.has(kind),
    upstreamStatus: status,
    context: { upstreamType: payload?.type, body: payload ? undefined : text.slice(0, 500) },
    ...(ra !== undefined ? { retryAfterMs: ra } : {}),
  });
}

/** The `error` event of a stream (no HTTP status of its own) → ProxyError. */
export function decodeAnthropicStreamError(error: { type: string; message: string }): ProxyError {
  const kind = KIND_OF_TYPE[error.type] ?? 'api_error';
  return new ProxyError(error.message, {
    code: `upstream_${error.type}`,
    kind,
    retryable: RETRYABLE_KINDS.has(kind),
    context: { upstreamType: error.type, midStream: true },
  });
}

function parseErrorPayload(text: string): { type: string; message: string } | undefined {
  try {
    const parsed = errorPayload.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.error : undefined;
  } catch {
    return undefined;
  }
}

/** One `event: error` SSE frame, for failures after a stream to the client started. */
export function anthropicErrorFrame(e: ProxyError): Uint8Array {
  return encodeSseFrame(JSON.stringify(anthropicErrorBody(e)), 'error');
}
