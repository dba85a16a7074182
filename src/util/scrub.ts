/**
 * Removes secrets from free text (error messages, log lines, debug bundles) before it is
 * written anywhere. Two layers: the exact secrets the caller knows (API keys, master key,
 * OAuth tokens resolved from config) and the shapes credentials usually have, which catch
 * secrets we were never told about (an upstream echoing a key back in its error body).
 *
 * Hand-written because no maintained library covers both the exact-value and the
 * provider-specific shapes (Anthropic/OpenAI `sk-`, Google `AIza` keys and `ya29.` tokens).
 */

export const REDACTED = '[redacted]';

/** Secrets shorter than this are not matched literally: they would clobber ordinary words. */
const MIN_SECRET_LENGTH = 4;

/** Credential shapes, each replaced (keeping any captured prefix) with `[redacted]`. */
const SHAPES: ReadonlyArray<{ re: RegExp; keepPrefix: boolean }> = [
  // PEM private keys (service-account JSON pasted into an error).
  { re: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, keepPrefix: false },
  // Authorization header values: `Bearer xxx`. (Not `Basic`: "Basic authentication failed"
  // is a common message and no credential we handle uses Basic auth.)
  { re: /(\bBearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, keepPrefix: true },
  // Anthropic (`sk-ant-…`), OpenAI (`sk-proj-…`, `sk-…`, masked as `sk-…***…` in their own
  // errors), LiteLLM-style keys, restricted (`rk-`) and session (`sess-`) keys.
  { re: /(?<![A-Za-z0-9])(?:sk|rk|sess)-[A-Za-z0-9_*-]{6,}/g, keepPrefix: false },
  // Google API keys.
  { re: /(?<![A-Za-z0-9])AIza[0-9A-Za-z_-]{20,}/g, keepPrefix: false },
  // Google OAuth access tokens.
  { re: /(?<![A-Za-z0-9])ya29\.[0-9A-Za-z_.-]+/g, keepPrefix: false },
  // JWTs (signed service-account assertions, id tokens).
  { re: /(?<![A-Za-z0-9])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, keepPrefix: false },
  // Credentials in query strings: `?key=…`, `&api_key=…`, `access_token=…`.
  { re: /([?&](?:key|api_key|apikey|access_token|token)=)[^&\s"'#]+/gi, keepPrefix: true },
  // Header-like pairs in dumped requests: `x-api-key: …`, `"x-goog-api-key":"…"`.
  { re: /((?:x-api-key|x-goog-api-key|api-key)["']?\s*[:=]\s*["']?)[^\s"',}]+/gi, keepPrefix: true },
  // AWS access key ids, GitHub and Slack tokens (an agent's `env` or a config file it read).
  { re: /(?<![A-Za-z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Za-z0-9])/g, keepPrefix: false },
  { re: /(?<![A-Za-z0-9])(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})/g, keepPrefix: false },
  { re: /(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10,}/g, keepPrefix: false },
  // Environment-style assignments of secret-named variables: `DB_PASSWORD=…`, `MY_API_KEY: …`
  // (values of 8+ characters with a letter, so `max_tokens: 1024` stays).
  // A backslash ends the value too, so text that is JSON stays JSON (`\"` and `\n` survive).
  { re: /(\b[A-Za-z0-9_]*(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)\b\s*[=:]\s*["']?)(?!\[redacted\])(?=[^\s"'\\,;)\]}>]*[A-Za-z])[^\s"'\\,;)\]}>]{8,}/gi, keepPrefix: true },
];

export type Scrubber = (text: string) => string;

/**
 * Builds a scrubber for a fixed set of known secrets (compile once, call per message).
 * Known secrets are replaced first, longest first, so a key containing another is gone whole.
 */
export function createScrubber(secrets: readonly (string | undefined | null)[] = []): Scrubber {
  const known = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH))].sort(
    (a, b) => b.length - a.length,
  );
  return (text: string): string => {
    if (!text) return text;
    let out = text;
    for (const s of known) if (out.includes(s)) out = out.split(s).join(REDACTED);
    for (const { re, keepPrefix } of SHAPES) {
      out = keepPrefix ? out.replace(re, (_m: string, prefix: string) => prefix + REDACTED) : out.replace(re, REDACTED);
    }
    return out;
  };
}

/** Replaces every known secret and anything shaped like a credential with `[redacted]`. */
export function scrubSecrets(text: string, secrets: readonly (string | undefined | null)[] = []): string {
  return createScrubber(secrets)(text);
}
