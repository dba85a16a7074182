/**
 * OAuth bearer tokens for Vertex AI.
 *
 * Sources, in order: the deployment's `apiKey` used as a static bearer (tests, proxies in
 * front of Vertex); Application Default Credentials through google-auth-library (scope
 * cloud-platform, `vertexCredentials` as a key file path or inline JSON); and, when ADC finds
 * no credentials, `gcloud auth print-access-token`. Tokens are cached and refreshed
 * `refreshEarlyMs` before they expire; concurrent callers share one refresh. Tokens are
 * never logged and never put into error messages.
 */
import { ProxyError } from '../../../canonical/errors.ts';
import type { Deployment } from '../../../config/types.ts';

export interface AccessToken {
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export interface TokenProvider {
  getToken(): Promise<string>;
  /** Forget the cached token (after the upstream answered 401). */
  invalidate(): void;
}

export type TokenSource = () => Promise<AccessToken>;

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const DEFAULT_REFRESH_EARLY_MS = 5 * 60_000;
/** Assumed life of an ADC token whose expiry the library did not report. */
const ADC_DEFAULT_LIFE_MS = 55 * 60_000;
/** gcloud prints no expiry: treat its token as fresh for 3 minutes (8 − 5 early). */
const GCLOUD_ASSUMED_LIFE_MS = 8 * 60_000;

export class CachedTokenProvider implements TokenProvider {
  private cached: AccessToken | undefined;
  private inflight: Promise<AccessToken> | undefined;
  private readonly now: () => number;
  private readonly refreshEarlyMs: number;

  constructor(
    private readonly source: TokenSource,
    o: { now?: () => number; refreshEarlyMs?: number } = {},
  ) {
    this.now = o.now ?? Date.now;
    this.refreshEarlyMs = o.refreshEarlyMs ?? DEFAULT_REFRESH_EARLY_MS;
  }

  async getToken(): Promise<string> {
    const c = this.cached;
    if (c && this.now() < c.expiresAt - this.refreshEarlyMs) return c.token;
    this.inflight ??= this.source().finally(() => {
      this.inflight = undefined;
    });
    this.cached = await this.inflight;
    return this.cached.token;
  }

  invalidate(): void {
    this.cached = undefined;
  }
}

export function staticTokenProvider(token: string): TokenProvider {
  return { getToken: async () => token, invalidate: () => {} };
}

/** The part of google-auth-library's GoogleAuth this module uses (injectable for tests). */
export interface GoogleAuthLike {
  getClient(): Promise<{
    getAccessToken(): Promise<{ token?: string | null }>;
    credentials?: { expiry_date?: number | null };
  }>;
}

/** ADC via google-auth-library, loaded only when a Vertex deployment needs it. */
export function adcTokenSource(o: { credentials?: string; auth?: GoogleAuthLike; now?: () => number } = {}): TokenSource {
  const now = o.now ?? Date.now;
  let auth: Promise<GoogleAuthLike> | undefined = o.auth ? Promise.resolve(o.auth) : undefined;
  return async () => {
    auth ??= import('google-auth-library').then(({ GoogleAuth }) => new GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE], ...credentialOption(o.credentials) }));
    const client = await (await auth).getClient();
    const { token } = await client.getAccessToken();
    if (!token) throw new Error('Application Default Credentials returned no access token');
    return { token, expiresAt: client.credentials?.expiry_date ?? now() + ADC_DEFAULT_LIFE_MS };
  };
}

/** `vertex_credentials` is a key file path or, as in LiteLLM, the JSON itself. */
function credentialOption(credentials: string | undefined): { keyFilename?: string; credentials?: Record<string, unknown> } {
  if (!credentials) return {};
  const trimmed = credentials.trim();
  if (trimmed.startsWith('{')) return { credentials: JSON.parse(trimmed) as Record<string, unknown> };
  return { keyFilename: credentials };
}

export function gcloudTokenSource(o: { command?: string; now?: () => number; timeoutMs?: number } = {}): TokenSource {
  const now = o.now ?? Date.now;
  return async () => {
    const { execa } = await import('execa'); // loaded only when gcloud is the fallback: ~170 ms of start-up otherwise
    const { stdout } = await execa(o.command ?? 'gcloud', ['auth', 'print-access-token'], {
      timeout: o.timeoutMs ?? 30_000,
      stdin: 'ignore',
    });
    const token = stdout.trim();
    if (!token) throw new Error('gcloud auth print-access-token printed nothing');
    return { token, expiresAt: now() + GCLOUD_ASSUMED_LIFE_MS };
  };
}

/** Tries each source in order; the first that yields a token wins. Errors name the sources, not secrets. */
export function firstOf(sources: Array<{ name: string; source: TokenSource }>): TokenSource {
  return async () => {
    const failures: string[] = [];
    for (const { name, source } of sources) {
      try {
        return await source();
      } catch (e) {
        failures.push(`${name}: ${firstLine(e)}`);
      }
    }
    throw new ProxyError(`no Google Cloud credentials for Vertex AI (${failures.join('; ')})`, {
      code: 'vertex_no_credentials',
      kind: 'authentication',
    });
  };
}

/** The provider a deployment gets when none is injected. */
export function defaultTokenProvider(d: Deployment): TokenProvider {
  if (d.apiKey) return staticTokenProvider(d.apiKey);
  return new CachedTokenProvider(
    firstOf([
      { name: 'application default credentials', source: adcTokenSource(d.vertexCredentials ? { credentials: d.vertexCredentials } : {}) },
      { name: 'gcloud', source: gcloudTokenSource() },
    ]),
  );
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return (msg.split('\n')[0] ?? '').slice(0, 200);
}
