/**
 * What every backend implements. Backends never import each other; the router picks one
 * per deployment and wraps it with retries, timeouts and fallbacks.
 */
import type { Deployment } from '../../config/types.ts';
import type { Logger } from '../../util/log.ts';
import type { ClientGone } from '../client-gone.ts';
import type { CanonicalRequest, CanonicalResponse, Dialect, StreamPart } from '../../canonical/form.ts';
import type { StageFactory } from '../protocols/common/sync-stage.ts';

/**
 * Time spent waiting on the upstream, accumulated across a call's attempts: the proxy's
 * overhead is the call's duration minus `upstreamMs` (and minus the waits on the client).
 * A backend calls `begin()` when it sends a request and `end()` when what it waits for has
 * come: the response head, or (through `wait()` before each read) every chunk of the body.
 * So the proxy's own work between chunks (decoding, translating, writing to the client) is
 * the proxy's time, not the upstream's; an in-process upstream such as the simulator may
 * simply span its whole answer with `begin()`/`end()`.
 */
export class UpstreamTimer {
  upstreamMs = 0;
  /** performance.now() of the upstream's first content byte, when it came. */
  firstByteAt: number | undefined;
  /** performance.now() when the latest attempt's request was sent (the proxy's phase marks). */
  sentAt: number | undefined;
  private waitingSince: number | undefined;
  constructor(private readonly now: () => number = () => performance.now()) {}
  /** An attempt's request is being sent: waiting on the upstream starts. */
  begin(): void {
    if (this.waitingSince === undefined) this.waitingSince = this.sentAt = this.now();
  }
  /** The proxy waits on the upstream again (the next chunk of its body); `sentAt` stays. */
  wait(): void {
    if (this.waitingSince === undefined) this.waitingSince = this.now();
  }
  firstByte(): void {
    if (this.firstByteAt === undefined) this.firstByteAt = this.now();
  }
  /** What the proxy waited for came (or the attempt ended): the time since `begin()`/`wait()` is the upstream's. */
  end(): void {
    if (this.waitingSince === undefined) return;
    this.upstreamMs += this.now() - this.waitingSince;
    this.waitingSince = undefined;
  }
}

/**
 * What the proxy knows about the cell a call belongs to, handed to every backend. Opaque to
 * the proxy core: the orchestrator registers data per cell (e.g. the task's sim script, read
 * by the simulator backend), and `x-agentab-*` request headers travel along for backends
 * that take per-request instructions.
 */
export interface CellContext {
  /** From the `/cell/<id>` URL prefix or `X-Cell-Id`; undefined for unattributed calls. */
  readonly id: string | undefined;
  /** What was registered for the cell (RunningProxy.registerCell), or an empty object. */
  readonly registered: Readonly<Record<string, unknown>>;
  /** The request's `x-agentab-*` headers, names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
}

export const NO_CELL: CellContext = Object.freeze({ id: undefined, registered: Object.freeze({}), headers: Object.freeze({}) });

export interface CallOptions {
  deployment: Deployment;
  /** Aborted when the client disconnects or a timeout fires: stop the upstream at once. */
  signal: AbortSignal;
  /** The same client disconnect, cheaper to listen on than `signal` (the proxy's request path sets it). */
  clientGone?: ClientGone;
  timer: UpstreamTimer;
  /** The client asked for a stream: only then does the time-to-first-token limit (stream_timeout) apply. */
  stream?: boolean;
  /** The cell this call belongs to (absent for calls outside the proxy's request path). */
  cell?: CellContext;
  log: Logger;
  /** Seconds-since-epoch clock and randomness are injected for determinism. */
  now?: () => number;
}

/** A request passed through in the client's own dialect (no translation). */
export interface RawCall {
  dialect: Dialect;
  /** The body as the client sent it, already parsed; the backend may adjust model/stream options. */
  body: Record<string, unknown>;
  /**
   * The client's own bytes of `body` (before `remove`), when the proxy has them: the upstream
   * body is then spliced from them (upstream/passthrough-body.ts) instead of re-serialised.
   */
  source?: { bytes: Uint8Array; remove: readonly string[] };
  /** Client headers safe to forward (anthropic-beta, anthropic-version …); never auth. */
  headers: Record<string, string>;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  // The upstream body as bytes, read straight from the socket's events (no web streams on this path).
  /** The first chunk alone (null: an empty body; called again, the next one), so a break before it can be retried; `forward` takes the rest. */
  firstChunk(): Promise<Uint8Array | null>;
  /** Every (remaining) chunk pushed to `onChunk` as it arrives, with no promise per chunk. */
  forward(onChunk: ChunkSink): BodyForwarding;
  /** The whole (remaining) body. */
  readAll(): Promise<Uint8Array>;
}

/** Takes one chunk synchronously; a promise returned (the client's socket is full) pauses reading until it settles. */
export type ChunkSink = (chunk: Uint8Array) => Promise<void> | undefined;

export interface BodyForwarding {
  /** Resolves when the body ended (or `stop()` was called); rejects when it broke or a deadline passed. */
  readonly done: Promise<void>;
  /** Stops reading and closes the upstream body (the client left); `done` resolves. */
  stop(): void;
}

/**
 * A translated stream's upstream answer for the synchronous hot path: the body read from the
 * socket's events and the dialect's decoder that turns its bytes into parts, run per chunk
 * by the proxy with no web stream or promise per part (pipeline.ts).
 */
export interface DecodedStreamBody {
  body: RawResponse;
  decoder: StageFactory<Uint8Array, StreamPart>;
  /**
   * Held inside the attempt until the first content part rather than the first part: an
   * error event after message_start but before any content is still retried (Gemini, Claude
   * and OpenAI-compatible endpoints on Vertex, Anthropic).
   */
  holdUntilContent: boolean;
}

export interface BackendAdapter {
  /** The backend's registry name (`openai`, `anthropic`, `vertex_ai`, `sim`, …). */
  readonly kind: string;
  generate(req: CanonicalRequest, o: CallOptions): Promise<CanonicalResponse>;
  stream(req: CanonicalRequest, o: CallOptions): Promise<ReadableStream<StreamPart>>;
  /** The same stream for the proxy's hot path (HTTP backends): the body and its decoder, read push-style. */
  streamBody?(req: CanonicalRequest, o: CallOptions): Promise<DecodedStreamBody>;
  /** The surface dialects this backend can take byte-for-byte (pass-through), if any. */
  readonly nativeDialects?: readonly Dialect[];
  /**
   * Pass a same-dialect request through untranslated. Resolves once the upstream answered
   * with a status and headers; a non-2xx status resolves too (the router decides to retry).
   */
  passthrough?(call: RawCall, o: CallOptions): Promise<RawResponse>;
  /** Count prompt tokens of a request (Anthropic count_tokens, Vertex countTokens). */
  countTokens?(req: CanonicalRequest, o: CallOptions): Promise<number>;
  /**
   * Tokenises locally on every call (the simulator): the proxy loads the tokenizer as soon as it
   * listens. Without such a backend it loads only when a call first needs it (canonical/tokens.ts):
   * its vocabulary is ≈ 15 MB of long-lived heap, which makes every young-generation collection
   * of a busy pass-through proxy slower (bench/PROFILE.md, eleventh pass).
   */
  readonly countsTokensPerCall?: boolean;
  /** Release pooled connections. */
  close?(): Promise<void>;
}
