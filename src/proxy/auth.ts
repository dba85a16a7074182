/**
 * Client authentication. Clients present the master key or a per-cell token; upstream
 * credentials never leave the proxy. A cell token is an HMAC of the cell id under the
 * master key, so the proxy can check it without a registry and a token of one cell cannot
 * be used to charge another.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ProxyError } from '../canonical/errors.ts';

const CELL_TOKEN_PREFIX = 'sk-agentab-cell-';

export function cellToken(masterKey: string, cellId: string): string {
  const mac = createHmac('sha256', masterKey).update(`cell:${cellId}`).digest('hex').slice(0, 40);
  return `${CELL_TOKEN_PREFIX}${mac}`;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The credential a client sent: `Authorization: Bearer …`, `x-api-key` or `api-key`. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers['authorization'];
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1]!.trim();
  }
  for (const h of ['x-api-key', 'api-key', 'x-goog-api-key']) {
    const v = headers[h];
    if (typeof v === 'string' && v) return v.trim();
  }
  return undefined;
}

/** Throws an authentication error unless the request may use the proxy. */
export function checkAuth(masterKey: string | undefined, key: string | undefined, cellId: string | undefined): void {
  if (!masterKey) return; // an open proxy (the default on loopback, like LiteLLM without master_key)
  if (!key) {
    throw new ProxyError('missing API key: send the proxy master key or a cell token as a Bearer token or x-api-key', {
      code: 'missing_api_key',
      kind: 'authentication',
    });
  }
  if (safeEqual(key, masterKey)) return;
  if (key.startsWith(CELL_TOKEN_PREFIX)) {
    if (cellId && safeEqual(key, cellToken(masterKey, cellId))) return;
    throw new ProxyError(
      cellId ? `this cell token is not valid for cell ${cellId}` : 'a cell token must be used under /cell/<cellId>/ or with X-Cell-Id',
      { code: 'invalid_cell_token', kind: 'authentication' },
    );
  }
  throw new ProxyError('invalid API key', { code: 'invalid_api_key', kind: 'authentication' });
}
