/**
 * Tool-call ids for Gemini, which gives none (or ids clients must not rely on).
 *
 * Thinking models reject a functionCall sent back without its `thoughtSignature` (WIRE.md).
 * Claude Code and OpenCode echo tool-call ids verbatim but drop every other field we could
 * add, so the signature rides inside the id: `call_<hash>_<n>__ts_<base64url signature>`.
 * The id only uses [A-Za-z0-9_-], which Anthropic and OpenAI both accept.
 */
import { createHash } from 'node:crypto';

const SIGNATURE_MARK = '__ts_';

/** Deterministic per response: `seed` is the response id (or the call itself), `n` its position. */
export function geminiToolCallId(seed: string, n: number, signature?: string): string {
  const hash = createHash('sha256').update(seed).digest('hex').slice(0, 12);
  const base = `call_${hash}_${n}`;
  return signature ? `${base}${SIGNATURE_MARK}${toBase64Url(signature)}` : base;
}

/** An id Gemini gave (functionCall.id) with the signature attached the same way. */
export function withSignature(id: string, signature?: string): string {
  return signature ? `${id}${SIGNATURE_MARK}${toBase64Url(signature)}` : id;
}

/** The thoughtSignature carried in an id made by `geminiToolCallId`, if any. */
export function signatureFromToolCallId(id: string): string | undefined {
  const at = id.indexOf(SIGNATURE_MARK);
  if (at < 0) return undefined;
  const encoded = id.slice(at + SIGNATURE_MARK.length);
  return encoded ? fromBase64Url(encoded) : undefined;
}

/** The id without its signature suffix (what a Gemini-given functionCall.id was). */
export function baseToolCallId(id: string): string {
  const at = id.indexOf(SIGNATURE_MARK);
  return at < 0 ? id : id.slice(0, at);
}

// Character mapping rather than a Buffer round trip: the signature is opaque base64 and must
// decode to the same bytes even if it is not in canonical form.
function toBase64Url(s: string): string {
  return s.replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', '');
}

function fromBase64Url(s: string): string {
  const std = s.replaceAll('-', '+').replaceAll('_', '/');
  return std + '='.repeat((4 - (std.length % 4)) % 4);
}
