/** The viewer's JSON API, as the pages call it. */

export class ApiError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

async function fetchJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  if (!res.ok) throw new ApiError(body?.error?.message ?? `${res.status} ${res.statusText}`, res.status);
  return body as T;
}

/** Answers fetched ahead (a link the pointer is on): used once, if still fresh. */
const ahead = new Map<string, { at: number; answer: Promise<unknown> }>();
const AHEAD_FRESH_MS = 5000;

/**
 * Starts fetching what a link's page will ask for while the pointer is on the link, so the
 * click finds the answer on its way (a cell page is mostly waiting for its JSON).
 */
export function prefetchJson(path: string): void {
  const held = ahead.get(path);
  if (held && performance.now() - held.at < AHEAD_FRESH_MS) return;
  const answer = fetchJson(path);
  answer.catch(() => ahead.delete(path));
  ahead.set(path, { at: performance.now(), answer });
}

export function getJson<T>(path: string): Promise<T> {
  const held = ahead.get(path);
  ahead.delete(path);
  if (held && performance.now() - held.at < AHEAD_FRESH_MS) return held.answer as Promise<T>;
  return fetchJson<T>(path);
}

export const enc = encodeURIComponent;

/** API paths the pages and their links share (a prefetch is found only under the same path). */
export const api = {
  cell: (run: string, cell: string): string => `/api/runs/${enc(run)}/cells/${enc(cell)}`,
};
