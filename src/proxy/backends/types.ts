/**
 * What every backend implements. Backends never import each other; the router picks one
 * per deployment and wraps it with retries, timeouts and fallbacks.
 */
import type { Deployment } from '../../config/types.ts';
import type { Logger } from '../../util/log.ts';
import type { SimAction } from '../../sim/script.ts';
import type { CanonicalRequest, CanonicalResponse, Dialect, StreamPart } from '../canonical.ts';

/**
 * Time spent waiting on the upstream, accumulated across an attempt. A backend calls
 * `begin()` when it sends a request and `end()` when the upstream's response (or stream)
 * is complete; the proxy's overhead is the call's duration minus `upstreamMs`.
 */
export class UpstreamTimer {
  upstreamMs = 0;
  /** performance.now() of the upstream's first content byte, when it came. */
  firstByteAt: number | undefined;
  /** performance.now() when the latest attempt's request was sent (the proxy's phase marks). */
  sentAt: number | undefined;
  private startedAt: number | undefined;
  constructor(private readonly now: () => number = () => performance.now()) {}
  begin(): void {
    if (this.startedAt === undefined) this.startedAt = this.sentAt = this.now();
  }
  firstByte(): void {
    if (this.firstByteAt === undefined) this.firstByteAt = this.now();
  }
  end(): void {
    if (this.startedAt === undefined) return;
    this.upstreamMs += this.now() - this.startedAt;
    this.startedAt = undefined;
  }
}

export interface CallOptions {
  deployment: Deployment;
  /** Aborted when the client disconnects or a timeout fires: stop the upstream at once. */
  signal: AbortSignal;
  timer: UpstreamTimer;
  /** The client asked for a stream: only then does the time-to-first-token limit (stream_timeout) apply. */
  stream?: boolean;
  cellId?: string;
  /** The simulator's script for this call (from the cell's task or a request header). */
  simScript?: SimAction[];
  log: Logger;
  /** Seconds-since-epoch clock and randomness are injected for determinism. */
  now?: () => number;
}

/** A request passed through in the client's own dialect (no translation). */
export interface RawCall {
  dialect: Dialect;
  /** The body as the client sent it, already parsed; the backend may adjust model/stream options. */
  body: Record<string, unknown>;
  /** Client headers safe to forward (anthropic-beta, anthropic-version …); never auth. */
  headers: Record<string, string>;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** The upstream body as bytes, read straight from the socket (no web streams on this path). */
  chunks(): AsyncIterable<Uint8Array>;
}

export interface BackendAdapter {
  readonly kind: 'openai-compatible' | 'anthropic' | 'vertex' | 'sim';
  generate(req: CanonicalRequest, o: CallOptions): Promise<CanonicalResponse>;
  stream(req: CanonicalRequest, o: CallOptions): Promise<ReadableStream<StreamPart>>;
  /** The dialect this backend speaks natively, if it can take a request byte-for-byte. */
  readonly nativeDialect?: Dialect;
  /**
   * Pass a same-dialect request through untranslated. Resolves once the upstream answered
   * with a status and headers; a non-2xx status resolves too (the router decides to retry).
   */
  passthrough?(call: RawCall, o: CallOptions): Promise<RawResponse>;
  /** Count prompt tokens of a request (Anthropic count_tokens, Vertex countTokens). */
  countTokens?(req: CanonicalRequest, o: CallOptions): Promise<number>;
  /** Release pooled connections. */
  close?(): Promise<void>;
}
