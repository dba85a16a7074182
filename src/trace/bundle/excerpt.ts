/**
 * Transcript excerpts without large payloads: every string longer than a limit (a file's
 * contents, a big tool output) keeps its head and says how much was cut, so the excerpt stays
 * readable and its size bounded whatever the agent read or wrote.
 */
import { jsonLines } from '../../experiment/runners/types.ts';

export const DEFAULT_STRING_LIMIT = 600;
const HEAD = 240;

export function cutNote(bytes: number): string {
  return `… [cut: ${bytes.toLocaleString('en-US')} bytes]`;
}

/** `text` itself when short, else its head and a note of its full size. */
export function cutString(text: string, limit = DEFAULT_STRING_LIMIT): string {
  if (text.length <= limit) return text;
  return text.slice(0, Math.min(HEAD, limit)) + cutNote(Buffer.byteLength(text));
}

/** A copy of a JSON value with every long string cut. */
export function cutLargeStrings(value: unknown, limit = DEFAULT_STRING_LIMIT, depth = 0): unknown {
  if (typeof value === 'string') return cutString(value, limit);
  if (depth > 40 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => cutLargeStrings(v, limit, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = cutLargeStrings(v, limit, depth + 1);
  return out;
}

/** The transcript as JSONL with long strings cut; a line that is not JSON is cut as text. */
export function transcriptExcerpt(transcript: string, limit = DEFAULT_STRING_LIMIT): string {
  const events = jsonLines(transcript);
  return events.map((e) => JSON.stringify(cutLargeStrings(e, limit))).join('\n') + (events.length ? '\n' : '');
}

/** The last `maxBytes` of a log, with a note of what was left out before it. */
export function logTail(text: string, maxBytes = 32 * 1024): string {
  const bytes = Buffer.byteLength(text);
  if (bytes <= maxBytes) return text;
  const tail = Buffer.from(text).subarray(bytes - maxBytes).toString('utf8');
  return `[first ${(bytes - maxBytes).toLocaleString('en-US')} bytes cut]\n${tail}`;
}
