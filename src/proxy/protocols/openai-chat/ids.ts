/** Chat completion ids: `chatcmpl-…`, keeping the canonical id when there is one. */
import { randomUUID } from 'node:crypto';

export function chatCompletionId(id?: string): string {
  if (id && id.startsWith('chatcmpl-')) return id;
  if (id) return `chatcmpl-${id}`;
  return `chatcmpl-${randomUUID().replace(/-/g, '')}`;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
