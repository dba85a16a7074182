/**
 * OpenAI `image_url.url` ⇄ canonical ImagePart. A `data:` URL becomes inline base64; any
 * other URL stays a reference. Parsed by hand: the data-URL grammar (RFC 2397) is one comma
 * and a `;base64` flag, not worth a dependency.
 */
import type { ImagePart } from '../../../canonical/form.ts';

const EXTENSION_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  heic: 'image/heic',
  heif: 'image/heif',
};

/** Returns undefined when a `data:` URL is malformed (no comma). */
export function imagePartFromUrl(url: string): ImagePart | undefined {
  if (!url.startsWith('data:')) return { type: 'image', mediaType: guessMediaType(url), url };
  const comma = url.indexOf(',');
  if (comma < 0) return undefined;
  const meta = url.slice(5, comma).split(';');
  const payload = url.slice(comma + 1);
  const isBase64 = meta.includes('base64');
  const mediaType = meta[0] || 'text/plain';
  const data = isBase64 ? payload : Buffer.from(decodeURIComponent(payload), 'utf8').toString('base64');
  return { type: 'image', mediaType, data };
}

export function imagePartToUrl(part: ImagePart): string {
  if (part.data !== undefined) return `data:${part.mediaType};base64,${part.data}`;
  return part.url ?? '';
}

/**
 * A URL carries no media type; guess from the extension, else JPEG (the most common and
 * what backends that need a type, like Gemini's fileData, accept for unknown photos).
 */
function guessMediaType(url: string): string {
  let pathname = url;
  try {
    pathname = new URL(url).pathname;
  } catch {
    // not an absolute URL; use it as is
  }
  const ext = pathname.slice(pathname.lastIndexOf('.') + 1).toLowerCase();
  return EXTENSION_TYPES[ext] ?? 'image/jpeg';
}
