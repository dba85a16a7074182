/**
 * Gemini / Vertex error answers → ProxyError. Bodies are Google RPC statuses
 * `{error:{code, message, status}}`; Vertex's stream endpoints wrap them in an array.
 */
import { ProxyError, kindOfStatus, type ErrorKind } from '../../../canonical/errors.ts';
import { RETRYABLE_KINDS, retryAfterMs, type HeaderBag } from '../common/headers.ts';
import { geminiStatus } from './gemini-api.ts';

const KIND_OF_STATUS: Record<string, ErrorKind> = {
  INVALID_ARGUMENT: 'invalid_request',
  FAILED_PRECONDITION: 'invalid_request',
  OUT_OF_RANGE: 'invalid_request',
  UNAUTHENTICATED: 'authentication',
  PERMISSION_DENIED: 'permission',
  NOT_FOUND: 'not_found',
  RESOURCE_EXHAUSTED: 'rate_limit',
  UNAVAILABLE: 'unavailable',
  DEADLINE_EXCEEDED: 'timeout',
  INTERNAL: 'api_error',
  UNKNOWN: 'api_error',
  ABORTED: 'unavailable',
};

type Status = { code?: number | undefined; message?: string | undefined; status?: string | undefined };

export function decodeGeminiError(status: number, text: string, headers?: HeaderBag): ProxyError {
  const s = parseStatus(text);
  const kind = kindOfStatus(status);
  const ra = retryAfterMs(headers);
  return new ProxyError(s?.message || `upstream answered ${status}`, {
    code: `upstream_${s?.status?.toLowerCase() ?? status}`,
    kind,
    retryable: RETRYABLE_KINDS.has(kind),
    upstreamStatus: status,
    context: { upstreamStatusName: s?.status, body: s ? undefined : text.slice(0, 500) },
    ...(ra !== undefined ? { retryAfterMs: ra } : {}),
  });
}

/** A status object found inside a stream frame (no HTTP status of its own). */
export function decodeGeminiStatus(s: Status, context: Record<string, unknown> = {}): ProxyError {
  const kind: ErrorKind = (s.status ? KIND_OF_STATUS[s.status] : undefined) ?? (s.code ? kindOfStatus(s.code) : 'api_error');
  return new ProxyError(s.message || 'upstream error', {
    code: `upstream_${s.status?.toLowerCase() ?? s.code ?? 'error'}`,
    kind,
    retryable: RETRYABLE_KINDS.has(kind),
    context: { upstreamStatusName: s.status, ...context },
    ...(s.code ? { upstreamStatus: s.code } : {}),
  });
}

function parseStatus(text: string): Status | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const first = Array.isArray(json) ? json[0] : json;
  const inner = (first as { error?: unknown } | undefined)?.error;
  const r = geminiStatus.safeParse(inner);
  return r.success ? r.data : undefined;
}
