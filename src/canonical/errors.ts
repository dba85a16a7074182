/**
 * Errors of the proxy. One class with a stable `code`, a `kind` that each API dialect maps
 * to its own error shape and HTTP status, `retryable`, context and `cause`.
 * No imports: protocols, backends and the server all depend on this file.
 */

/** Dialect-neutral error categories. Each protocol maps them to its own type names. */
export type ErrorKind =
  | 'invalid_request' // 400
  | 'authentication' // 401
  | 'permission' // 403
  | 'not_found' // 404
  | 'request_too_large' // 413
  | 'rate_limit' // 429
  | 'api_error' // 500
  | 'bad_gateway' // 502 (upstream answered something we could not use)
  | 'unavailable' // 503
  | 'timeout' // 504
  | 'overloaded' // 529
  | 'client_closed'; // 499 (the client went away)

export const STATUS_OF_KIND: Record<ErrorKind, number> = {
  invalid_request: 400,
  authentication: 401,
  permission: 403,
  not_found: 404,
  request_too_large: 413,
  rate_limit: 429,
  api_error: 500,
  bad_gateway: 502,
  unavailable: 503,
  timeout: 504,
  overloaded: 529,
  client_closed: 499,
};

export function kindOfStatus(status: number): ErrorKind {
  if (status === 400 || status === 422) return 'invalid_request';
  if (status === 401) return 'authentication';
  if (status === 403) return 'permission';
  if (status === 404) return 'not_found';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit';
  if (status === 502) return 'bad_gateway';
  if (status === 503) return 'unavailable';
  if (status === 504 || status === 408) return 'timeout';
  if (status === 529) return 'overloaded';
  return 'api_error';
}

export interface ProxyErrorOptions {
  /** Stable machine-readable code, e.g. `unknown_alias`, `upstream_timeout`. */
  code: string;
  kind: ErrorKind;
  /** HTTP status to answer with; defaults to the kind's status. */
  status?: number;
  retryable?: boolean;
  /** Milliseconds the upstream asked us to wait (Retry-After). */
  retryAfterMs?: number;
  /** Status the upstream answered with, when the error came from an upstream. */
  upstreamStatus?: number;
  context?: Record<string, unknown>;
  cause?: unknown;
}

export class ProxyError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly status: number;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly upstreamStatus: number | undefined;
  readonly context: Record<string, unknown>;

  constructor(message: string, o: ProxyErrorOptions) {
    super(message, o.cause === undefined ? undefined : { cause: o.cause });
    this.name = 'ProxyError';
    this.code = o.code;
    this.kind = o.kind;
    this.status = o.status ?? STATUS_OF_KIND[o.kind];
    this.retryable = o.retryable ?? false;
    this.retryAfterMs = o.retryAfterMs;
    this.upstreamStatus = o.upstreamStatus;
    this.context = o.context ?? {};
  }

  static is(e: unknown): e is ProxyError {
    return e instanceof ProxyError;
  }

  /** Wraps anything thrown into a ProxyError (unknown errors become a 500). */
  static from(e: unknown, fallbackCode = 'internal_error'): ProxyError {
    if (e instanceof ProxyError) return e;
    const message = e instanceof Error ? e.message : String(e);
    return new ProxyError(message, { code: fallbackCode, kind: 'api_error', cause: e });
  }
}
