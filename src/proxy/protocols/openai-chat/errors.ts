/**
 * Errors in OpenAI's shape: ProxyError → `{"error":{"message","type","code","param"}}` for
 * our clients, and an upstream's error answer (HTTP status, body, headers) → ProxyError.
 */
import { kindOfStatus, ProxyError, type ErrorKind } from '../../../canonical/errors.ts';
import { ChatErrorBodySchema } from './schema.ts';
import { headerValue, retryAfterMs, type HeaderBag } from '../common/headers.ts';
import { scrubSecrets } from '../../../util/scrub.ts';

export type { HeaderBag };

export interface OpenAIErrorBody {
  error: { message: string; type: string; code: string; param: string | null };
}

/** OpenAI's error `type` for each kind. OpenAI itself has no timeout type; LiteLLM-style. */
const TYPE_OF_KIND: Record<ErrorKind, string> = {
  invalid_request: 'invalid_request_error',
  not_found: 'invalid_request_error',
  request_too_large: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  rate_limit: 'rate_limit_error',
  timeout: 'timeout_error',
  api_error: 'api_error',
  bad_gateway: 'api_error',
  unavailable: 'api_error',
  overloaded: 'api_error',
  client_closed: 'api_error',
};

export function encodeOpenAIErrorBody(e: ProxyError): OpenAIErrorBody {
  const param = e.context['param'];
  return {
    error: { message: e.message, type: TYPE_OF_KIND[e.kind], code: e.code, param: typeof param === 'string' ? param : null },
  };
}

export function encodeOpenAIError(e: ProxyError): { status: number; body: OpenAIErrorBody } {
  return { status: e.status, body: encodeOpenAIErrorBody(e) };
}

// ---------------------------------------------------------------------------------------
// Upstream errors


const KIND_OF_TYPE: Record<string, ErrorKind> = {
  invalid_request_error: 'invalid_request',
  authentication_error: 'authentication',
  permission_error: 'permission',
  permission_denied: 'permission',
  not_found_error: 'not_found',
  rate_limit_error: 'rate_limit',
  rate_limit_exceeded: 'rate_limit',
  insufficient_quota: 'rate_limit',
  requests: 'rate_limit', // OpenAI's 429 types
  tokens: 'rate_limit',
  context_length_exceeded: 'invalid_request',
  timeout_error: 'timeout',
  overloaded_error: 'overloaded',
  server_error: 'api_error',
  api_error: 'api_error',
};

const MAX_MESSAGE = 500;

/**
 * An upstream's non-2xx answer → ProxyError. Retryable for 408, 429 and 5xx (an
 * `x-should-retry` header overrides, as the official SDK honours it). The wait comes from
 * `retry-after-ms`, else `retry-after` (seconds or an HTTP date). The message carries the
 * upstream's own message with anything key-like masked; never our request or headers.
 */
export function decodeOpenAIError(
  status: number,
  bodyText: string,
  headers: HeaderBag = {},
  now: () => number = Date.now,
): ProxyError {
  const payload = parseErrorPayload(bodyText);
  const kind = kindOfStatus(status);
  const shouldRetry = headerValue(headers, 'x-should-retry');
  const retryable =
    shouldRetry === 'true' ? true : shouldRetry === 'false' ? false : status === 408 || status === 429 || status >= 500;
  const detail = payload.message || summariseBody(bodyText) || 'no error body';
  const waitMs = retryAfterMs(headers, now);
  return new ProxyError(`upstream answered ${status}: ${clip(scrubSecrets(detail))}`, {
    code: `upstream_${kind}`,
    kind,
    retryable,
    upstreamStatus: status,
    context: contextOf(payload),
    ...(waitMs !== undefined ? { retryAfterMs: waitMs } : {}),
  });
}

/**
 * An `{"error":{…}}` payload that arrived inside a 200 stream (or any parsed error body
 * without an HTTP status to go by): the kind comes from the error's type or code.
 */
export function decodeOpenAIErrorPayload(payload: unknown): ProxyError {
  const p = normalisePayload(payload);
  // A numeric code is an HTTP status on the servers that send one (vLLM, Gemini's endpoint).
  const numeric = typeof p.code === 'number' && p.code >= 400 && p.code <= 599 ? p.code : undefined;
  const kind: ErrorKind =
    (numeric !== undefined ? kindOfStatus(numeric) : undefined) ??
    KIND_OF_TYPE[p.type ?? ''] ??
    KIND_OF_TYPE[typeof p.code === 'string' ? p.code : ''] ??
    'api_error';
  const retryable = kind === 'rate_limit' || kind === 'api_error' || kind === 'unavailable' || kind === 'overloaded' || kind === 'timeout' || kind === 'bad_gateway';
  return new ProxyError(`upstream stream error: ${clip(scrubSecrets(p.message || 'no message'))}`, {
    code: `upstream_${kind}`,
    kind,
    retryable,
    context: contextOf(p),
    ...(numeric !== undefined ? { upstreamStatus: numeric } : {}),
  });
}

interface NormalisedPayload {
  message?: string;
  type?: string;
  code?: string | number;
  param?: string;
}

function parseErrorPayload(bodyText: string): NormalisedPayload {
  try {
    return normalisePayload(JSON.parse(bodyText));
  } catch {
    return {};
  }
}

function normalisePayload(payload: unknown): NormalisedPayload {
  // Some servers wrap the body in an array (Vertex's OpenAI endpoint does for some errors).
  const body = Array.isArray(payload) ? payload[0] : payload;
  const parsed = ChatErrorBodySchema.safeParse(body);
  if (!parsed.success) return {};
  const e = parsed.data.error;
  if (typeof e === 'string') return { message: e };
  return {
    ...(e.message ? { message: e.message } : {}),
    ...(e.type ? { type: e.type } : {}),
    ...(e.code !== null && e.code !== undefined ? { code: e.code } : {}),
    ...(e.param ? { param: e.param } : {}),
  };
}

function contextOf(p: NormalisedPayload): Record<string, unknown> {
  const ctx: Record<string, unknown> = {};
  if (p.type) ctx['upstreamType'] = p.type;
  if (p.code !== undefined) ctx['upstreamCode'] = p.code;
  if (p.param) ctx['param'] = p.param;
  return ctx;
}

/** A non-JSON body (an HTML error page, a proxy's plain text): its first line, briefly. */
function summariseBody(bodyText: string): string {
  const line = bodyText.trim().split('\n', 1)[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

function clip(s: string): string {
  return s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE - 3)}...` : s;
}

/**
 * Masks key-like strings in an upstream message: OpenAI's 401 echoes part of the key
 * ("Incorrect API key provided: sk-abc***xyz"), others echo bearer tokens. A message is free
 * text, so this is pattern masking on purpose; it is not protocol parsing.
 */
