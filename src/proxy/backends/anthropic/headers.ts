/**
 * Headers for an Anthropic upstream: `x-api-key` from the deployment (never the client's
 * credentials), `anthropic-version` (the client's if it sent one, else 2023-06-01) and the
 * client's `anthropic-beta` flags, unknown ones included.
 */
import type { Deployment } from '../../../config/types.ts';

export const ANTHROPIC_VERSION = '2023-06-01';

/** Client headers an Anthropic upstream may receive; auth headers are never among them. */
export const FORWARDED_CLIENT_HEADERS = ['anthropic-version', 'anthropic-beta'] as const;

export function anthropicHeaders(d: Deployment, client: Record<string, string> = {}): Record<string, string> {
  const h: Record<string, string> = { ...(d.extraHeaders ?? {}) };
  h['anthropic-version'] = client['anthropic-version'] ?? ANTHROPIC_VERSION;
  if (client['anthropic-beta']) h['anthropic-beta'] = client['anthropic-beta'];
  if (d.apiKey) h['x-api-key'] = d.apiKey;
  return h;
}
