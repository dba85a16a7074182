/** Errors of the container launcher, with stable codes. */

export type ContainerErrorCode = 'container_engine_unavailable' | 'container_image_failed' | 'container_options_invalid';

export class ContainerError extends Error {
  readonly retryable: boolean;
  readonly context: Record<string, unknown>;
  constructor(
    readonly code: ContainerErrorCode,
    message: string,
    o: { cause?: unknown; retryable?: boolean; context?: Record<string, unknown> } = {},
  ) {
    super(message, o.cause === undefined ? undefined : { cause: o.cause });
    this.name = 'ContainerError';
    this.retryable = o.retryable ?? false;
    this.context = o.context ?? {};
  }
}

/**
 * The engine's own words for a failed API call: dockerode errors carry the engine's JSON
 * body (`{message}` for Docker, `{cause, message}` for Podman) after an "(HTTP code N)" prefix.
 */
export function engineMessage(e: unknown): string {
  if (e && typeof e === 'object') {
    const json = (e as { json?: unknown }).json;
    if (json && typeof json === 'object' && typeof (json as { message?: unknown }).message === 'string') return (json as { message: string }).message.trim();
    if (typeof json === 'string' && json.trim()) return json.trim();
    if (e instanceof Error) return e.message.trim();
  }
  return String(e);
}

/** HTTP status of a dockerode error, if it has one. */
export function engineStatus(e: unknown): number | undefined {
  const s = e && typeof e === 'object' ? (e as { statusCode?: unknown }).statusCode : undefined;
  return typeof s === 'number' ? s : undefined;
}
