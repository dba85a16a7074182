/** Reading upstream response headers, whatever shape the HTTP client handed them in. */

export type HeaderBag = Headers | Record<string, string | string[] | undefined>;

export function headerValue(headers: HeaderBag | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== lower || v === undefined) continue;
    return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}

/**
 * Milliseconds an upstream asked us to wait: `retry-after-ms` (Anthropic, OpenAI), else
 * `retry-after` as seconds or an HTTP date. `now` is injectable for tests.
 */
export function retryAfterMs(headers: HeaderBag | undefined, now: () => number = Date.now): number | undefined {
  const ms = headerValue(headers, 'retry-after-ms');
  if (ms !== undefined && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = headerValue(headers, 'retry-after');
  if (ra === undefined || ra.trim() === '') return undefined;
  const seconds = Number(ra);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(ra);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now());
}

/** Error kinds a router may retry on another attempt. */
export const RETRYABLE_KINDS: ReadonlySet<string> = new Set([
  'rate_limit',
  'api_error',
  'bad_gateway',
  'unavailable',
  'timeout',
  'overloaded',
]);
